#include "hub/staff/Sessions.h"

#include "hub/log/Log.h"
#include "hub/workflows/Tokens.h"

#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::staff {
namespace {

constexpr std::size_t kIdBytes = 32;

bool plausible(std::string_view id) { return id.size() >= 43 && id.size() <= 64; }

} // namespace

std::string Sessions::csrfOf(std::string_view id) {
    return workflows::tokenHash("csrf:" + std::string(id)).substr(0, 43);
}

NewSession Sessions::start(const std::string& userId, const std::string& via, const std::string& address) {
    NewSession session{workflows::randomToken(kIdBytes), {}};
    session.csrf = csrfOf(session.id);
    std::string digest = workflows::tokenHash(session.id);
    int64_t at = clock_();
    store_.write([&](store::Session& s) {
        s << "INSERT INTO staff_sessions (id_hash, user_id, via, address, started_at, last_seen_at) VALUES (?, ?, ?, "
             "?, ?, ?)",
            use(digest), useRef(userId), useRef(via), useRef(address), use(at), use(at), now;
    });
    log::info("staff_session_started", {{"user", userId}, {"via", via}});
    return session;
}

std::optional<StaffSession> Sessions::resume(std::string_view id) {
    if (!plausible(id)) return std::nullopt;
    std::string digest = workflows::tokenHash(std::string(id));
    int64_t at = clock_();
    int64_t idleSince = at - timeouts_.idle;
    int64_t startedSince = at - timeouts_.absolute;
    std::vector<std::string> users, vias;
    std::vector<int64_t> started, seen;
    {
        auto s = store_.session();
        s << "SELECT user_id, via, started_at, last_seen_at FROM staff_sessions WHERE id_hash = ? AND ended_at IS "
             "NULL AND last_seen_at > ? AND started_at > ?",
            use(digest), use(idleSince), use(startedSince), into(users), into(vias), into(started), into(seen), now;
    }
    if (users.empty()) return std::nullopt;
    // A write per request would queue every page behind the store's write lock for a time nobody needs to
    // the second.
    if (at - seen.front() >= kTouchResolution)
        store_.write([&](store::Session& s) {
            s << "UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?", use(at), use(digest), now;
        });
    return StaffSession{users.front(), vias.front(), started.front(), csrfOf(id)};
}

std::size_t Sessions::endWhere(const char* column, const std::string& value) {
    int64_t at = clock_();
    std::size_t changed = 0;
    store_.write([&](store::Session& s) {
        Poco::Data::Statement update =
            s << "UPDATE staff_sessions SET ended_at = ? WHERE " + std::string(column) + " = ? AND ended_at IS NULL";
        update, use(at), useRef(value);
        changed = update.execute();
    });
    return changed;
}

bool Sessions::end(std::string_view id) {
    return plausible(id) && endWhere("id_hash", workflows::tokenHash(std::string(id))) > 0;
}

int Sessions::endAll(const std::string& userId) {
    const auto changed = endWhere("user_id", userId);
    if (changed > 0) log::info("staff_sessions_ended", {{"user", userId}, {"count", changed}});
    return static_cast<int>(changed);
}

void Sessions::remember(const SignInStart& start) {
    std::string digest = workflows::tokenHash(start.id);
    int64_t at = clock_();
    int64_t stale = at - kStartLifetime;
    store_.write([&](store::Session& s) {
        // Abandoned sign-ons go as new ones come: no periodic job needed for a table this small.
        s << "DELETE FROM sign_in_starts WHERE created_at <= ?", use(stale), now;
        s << "INSERT INTO sign_in_starts (id_hash, state, nonce, code_verifier, created_at) VALUES (?, ?, ?, ?, ?)",
            use(digest), useRef(start.state), useRef(start.nonce), useRef(start.codeVerifier), use(at), now;
    });
}

std::optional<SignInStart> Sessions::recall(std::string_view id) {
    if (!plausible(id)) return std::nullopt;
    std::string digest = workflows::tokenHash(std::string(id));
    int64_t since = clock_() - kStartLifetime;
    std::optional<SignInStart> found;
    store_.write([&](store::Session& s) {
        std::vector<std::string> states, nonces, verifiers;
        s << "SELECT state, nonce, code_verifier FROM sign_in_starts WHERE id_hash = ? AND created_at > ?", use(digest),
            use(since), into(states), into(nonces), into(verifiers), now;
        // Once only: a return replayed from the browser's history finds nothing.
        s << "DELETE FROM sign_in_starts WHERE id_hash = ?", use(digest), now;
        if (!states.empty()) found = SignInStart{std::string(id), states.front(), nonces.front(), verifiers.front()};
    });
    return found;
}

} // namespace clinhub::staff

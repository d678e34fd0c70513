#include "hub/web/PatientSessions.h"

#include "hub/workflows/Tokens.h"

#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::web {

PatientSessions::Session PatientSessions::start(const std::string& linkId) {
    Session session{workflows::randomToken(32), workflows::randomToken(24), linkId, clock_() + kLifeMicros};
    const std::string hash = workflows::tokenHash(session.id);
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        s << "DELETE FROM patient_sessions WHERE expires_at <= ?", useRef(at), now;
        s << "INSERT INTO patient_sessions (id_hash, link_id, csrf, expires_at) VALUES (?, ?, ?, ?)", useRef(hash),
            useRef(session.linkId), useRef(session.csrf), useRef(session.expiresAt), now;
    });
    return session;
}

std::optional<PatientSessions::Session> PatientSessions::find(const std::string& sessionId, const std::string& linkId) {
    if (sessionId.empty() || linkId.empty()) return std::nullopt;
    auto s = store_.session();
    std::string hash = workflows::tokenHash(sessionId);
    std::vector<std::string> links;
    std::vector<std::string> csrfs;
    std::vector<int64_t> expiries;
    s << "SELECT link_id, csrf, expires_at FROM patient_sessions WHERE id_hash = ?", use(hash), into(links),
        into(csrfs), into(expiries), now;
    if (links.empty() || expiries.front() <= clock_()) return std::nullopt;
    // A session opens only the link it was started on.
    if (links.front() != linkId) return std::nullopt;
    return Session{sessionId, csrfs.front(), links.front(), expiries.front()};
}

} // namespace clinhub::web

#include "hub/staff/Users.h"

#include "hub/log/Log.h"
#include "hub/store/SortableId.h"

#include <Poco/String.h>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace clinhub::staff {

namespace {

constexpr std::size_t kMaxEmail = 254; // RFC 5321's limit on a path
constexpr std::size_t kMaxName = 100;

std::string normalised(std::string_view email) { return Poco::toLower(Poco::trim(std::string(email))); }

} // namespace

std::string emailProblem(std::string_view email) {
    if (email.empty()) return "an email address is required";
    if (email.size() > kMaxEmail) return "an email address has at most 254 characters";
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
        return "an email address has one @ with a name before it";
    const auto domain = email.substr(at + 1);
    if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.')
        return "an email address ends in a domain such as nhs.net";
    if (std::any_of(email.begin(), email.end(), [](char c) { return c <= ' ' || c == 0x7f; }))
        return "an email address has no spaces or control characters";
    return {};
}

std::string nameProblem(std::string_view name) {
    const std::string trimmed = Poco::trim(std::string(name));
    if (trimmed.empty()) return "a user needs a name";
    if (trimmed.size() > kMaxName) return "a name has at most 100 characters";
    return {};
}

User Users::create(const std::string& name, const std::string& email) {
    User user;
    store_.write([&](store::Session& s) { user = create(s, name, email); });
    return user;
}

User Users::create(store::Session& s, const std::string& name, const std::string& email) {
    const std::string trimmedName = Poco::trim(name);
    const std::string address = normalised(email);
    if (const auto problem = nameProblem(trimmedName); !problem.empty()) throw UserError(problem);
    if (const auto problem = emailProblem(address); !problem.empty()) throw UserError(problem);
    User user{"usr_" + store::sortableId(), trimmedName, address, true, clock_(), {}};
    std::vector<std::string> taken;
    s << "SELECT id FROM users WHERE email = ?", useRef(user.email), into(taken), now;
    if (!taken.empty()) throw UserError("there is a user with that email already");
    s << "INSERT INTO users (id, name, email, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
        useRef(user.id), useRef(user.name), useRef(user.email), useRef(user.createdAt), useRef(user.createdAt), now;
    log::info("user_created", {{"user", user.id}});
    return user;
}

void Users::grant(const std::string& userId, const std::string& organisation, Role role) {
    store_.write([&](store::Session& s) { grant(s, userId, organisation, role); });
}

void Users::grant(store::Session& s, const std::string& userId, const std::string& organisation, Role role) {
    const bool everywhere = organisation == kEveryOrganisation;
    if (everywhere != (role == Role::hubOperator))
        throw UserError(everywhere ? "the hub-wide role is operator"
                                   : "operator is a hub-wide role, not one of an "
                                     "organisation");
    std::string word(toString(role));
    std::vector<std::string> found;
    s << "SELECT id FROM users WHERE id = ?", useRef(userId), into(found), now;
    if (found.empty()) throw UserError("no such user");
    s << "DELETE FROM user_roles WHERE user_id = ? AND organisation = ?", useRef(userId), useRef(organisation), now;
    s << "INSERT INTO user_roles (user_id, organisation, role) VALUES (?, ?, ?)", useRef(userId), useRef(organisation),
        use(word), now;
    const int64_t at = clock_();
    s << "UPDATE users SET updated_at = ? WHERE id = ?", useRef(at), useRef(userId), now;
    log::info("user_role_granted", {{"user", userId}, {"organisation", organisation}, {"role", word}});
}

bool Users::withdraw(const std::string& userId, const std::string& organisation) {
    bool changed = false;
    store_.write([&](store::Session& s) { changed = withdraw(s, userId, organisation); });
    return changed;
}

bool Users::withdraw(store::Session& s, const std::string& userId, const std::string& organisation) {
    Poco::Data::Statement remove = s << "DELETE FROM user_roles WHERE user_id = ? AND organisation = ?";
    remove, useRef(userId), useRef(organisation);
    const std::size_t changed = remove.execute();
    if (changed > 0) log::info("user_role_withdrawn", {{"user", userId}, {"organisation", organisation}});
    return changed > 0;
}

bool Users::setActive(const std::string& userId, bool active) {
    bool changed = false;
    store_.write([&](store::Session& s) { changed = setActive(s, userId, active); });
    return changed;
}

bool Users::setActive(store::Session& s, const std::string& userId, bool active) {
    std::string status = active ? "active" : "disabled";
    const int64_t at = clock_();
    Poco::Data::Statement update = s << "UPDATE users SET status = ?, updated_at = ? WHERE id = ? AND status <> ?";
    update, use(status), useRef(at), useRef(userId), use(status);
    const std::size_t changed = update.execute();
    if (changed > 0) log::info(active ? "user_enabled" : "user_disabled", {{"user", userId}});
    return changed > 0;
}

// One statement for the users and all their roles: a signed-in request asks for its user on every call.
std::vector<User> Users::select(const std::string& where, const std::string& value) {
    auto s = store_.session();
    std::vector<std::string> ids, names, emails, statuses, organisations, roles;
    std::vector<int64_t> created;
    std::string bound = value;
    s << "SELECT u.id, u.name, u.email, u.status, u.created_at, COALESCE(r.organisation, ''), COALESCE(r.role, '') "
         "FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE " +
             where + " ORDER BY u.email, u.id",
        use(bound), into(ids), into(names), into(emails), into(statuses), into(created), into(organisations),
        into(roles), now;
    std::vector<User> out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (out.empty() || out.back().id != ids[i])
            out.push_back({ids[i], names[i], emails[i], statuses[i] == "active", created[i], {}});
        if (const auto role = roleFrom(roles[i]); role && !organisations[i].empty())
            out.back().roles[organisations[i]] = *role;
    }
    return out;
}

void Users::keepAnAdmin(store::Session& s, const std::string& organisation) {
    int64_t admins = 0;
    std::string word(toString(Role::admin));
    s << "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id "
         "WHERE r.organisation = ? AND r.role = ? AND u.status = 'active'",
        useRef(organisation), use(word), into(admins), now;
    if (admins == 0)
        throw UserError("that would leave " + organisation +
                        " with no active admin to manage its users: make someone else admin first");
}

std::optional<User> Users::byId(const std::string& id) {
    auto found = select("u.id = ?", id);
    return found.empty() ? std::nullopt : std::optional<User>(std::move(found.front()));
}

std::optional<User> Users::byEmail(const std::string& email) {
    auto found = select("u.email = ?", normalised(email));
    return found.empty() ? std::nullopt : std::optional<User>(std::move(found.front()));
}

std::vector<User> Users::list(const std::optional<std::string>& organisation) {
    if (organisation)
        return select("EXISTS (SELECT 1 FROM user_roles o WHERE o.user_id = u.id AND o.organisation = ?)",
                      *organisation);
    return select("u.id <> ?", "");
}

} // namespace clinhub::staff

// The people who use the staff API and console, and the role each holds in each organisation.
//
// The only code that reads or writes `users` and `user_roles`. A user is identified by their work email
// (what a single sign-on provider vouches for too); disabling one stops their keys at once, because
// ApiKeys::authenticate reads the user's status on every call.
#pragma once

#include "hub/staff/Role.h"
#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::staff {

// The organisation a hub-wide role (the operator) is held in.
inline constexpr const char* kEveryOrganisation = "*";

struct User {
    std::string id; // "usr_…"
    std::string name;
    std::string email; // lower-case
    bool active = true;
    int64_t createdAt = 0;
    std::map<std::string, Role> roles; // by organisation; kEveryOrganisation for the operator
};

// A user that cannot be made or changed as asked; what() says why, fit for the command line and the API.
class UserError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "" or why `email` is not an address a user can have.
std::string emailProblem(std::string_view email);
// "" or why `name` (trimmed) cannot be a user's name.
std::string nameProblem(std::string_view name);

class Users {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit Users(store::Store& store, Clock clock = store::nowMicros) : store_(store), clock_(std::move(clock)) {}

    // A new active user with no role yet. Throws UserError for a bad name or email, or an email in use.
    User create(const std::string& name, const std::string& email);
    // Gives the user `role` in `organisation`, replacing the one they held there. The operator role is held
    // in kEveryOrganisation and no practice role is. Throws UserError.
    void grant(const std::string& userId, const std::string& organisation, Role role);
    // The same changes inside the caller's write transaction, beside what records them (the audit log).
    User create(store::Session& transaction, const std::string& name, const std::string& email);
    void grant(store::Session& transaction, const std::string& userId, const std::string& organisation, Role role);
    bool setActive(store::Session& transaction, const std::string& userId, bool active);
    bool withdraw(store::Session& transaction, const std::string& userId, const std::string& organisation);
    // Takes the user's role in `organisation` away; false when they held none.
    bool withdraw(const std::string& userId, const std::string& organisation);
    // A disabled user's keys stop working at once; false when there is no such user or nothing changed.
    bool setActive(const std::string& userId, bool active);

    // Throws UserError when `organisation` has no active admin left: checked inside the transaction that
    // demotes, withdraws or disables one, so the change rolls back and someone can still manage its users.
    static void keepAnAdmin(store::Session& transaction, const std::string& organisation);

    std::optional<User> byId(const std::string& id);
    std::optional<User> byEmail(const std::string& email);
    // Every user holding a role in `organisation` (or every user), by email.
    std::vector<User> list(const std::optional<std::string>& organisation = std::nullopt);

private:
    std::vector<User> select(const std::string& where, const std::string& value);

    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::staff

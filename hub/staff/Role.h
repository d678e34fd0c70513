// What a member of staff may do. Within one organisation the roles nest: an admin may do all a member of
// staff may, who may do all a viewer may. The operator runs the hub for every organisation, but is not a
// practice role: it manages organisations' admins and sees the outbox and plugins of all, and reads no
// patient detail, so it grants none of the three.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

namespace clinhub::staff {

enum class Role {
    viewer, // reads history, batches, campaigns and messages; changes nothing
    staff,  // sends links and batches, runs campaigns, books for patients, expires links, requeues messages
    admin,  // manages the organisation's users and keys, and everything staff do
    hubOperator,
};

std::string_view toString(Role role);
std::optional<Role> roleFrom(std::string_view word);
inline std::ostream& operator<<(std::ostream& out, Role role) { return out << toString(role); }

// Whether someone holding `held` may do what needs `needed`.
constexpr bool grants(Role held, Role needed) {
    if (held == Role::hubOperator || needed == Role::hubOperator) return held == needed;
    return static_cast<int>(held) >= static_cast<int>(needed);
}

// The lesser of two practice roles: what a key may do when its user's role is `user` and its own `key`.
constexpr Role lesser(Role a, Role b) { return grants(a, b) ? b : a; }

} // namespace clinhub::staff

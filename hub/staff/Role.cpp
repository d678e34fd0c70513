#include "hub/staff/Role.h"

namespace clinhub::staff {

std::string_view toString(Role role) {
    switch (role) {
    case Role::viewer: return "viewer";
    case Role::staff: return "staff";
    case Role::admin: return "admin";
    case Role::hubOperator: return "operator";
    }
    return "unknown";
}

std::optional<Role> roleFrom(std::string_view word) {
    for (const Role r : {Role::viewer, Role::staff, Role::admin, Role::hubOperator})
        if (toString(r) == word) return r;
    return std::nullopt;
}

} // namespace clinhub::staff

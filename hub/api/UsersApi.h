// The staff API's admin routes for an organisation's people and keys, under
// /api/v1/organisations/{ods}/users and /keys, in schemas/openapi.yaml: who works here and in which role,
// set-password invitations by email, and API keys. Every route needs the admin role; every change writes its
// audit entry in its own transaction, naming the user or key acted on.
#pragma once

#include "hub/api/ApiSupport.h"
#include "hub/http/Router.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/SignIn.h"
#include "hub/store/Store.h"

#include <vector>

namespace clinhub::api {

const std::vector<RouteName>& usersApiRoutes();

// The store, runtime, sign-in and audit log must outlive the router.
void addUsersApi(http::Router& router, store::Store& store, runtime::Current& current, staff::SignIn& signIn,
                 audit::AuditLog& audit);

} // namespace clinhub::api

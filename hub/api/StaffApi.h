// The staff API: JSON over HTTP under /api/v1/organisations/{ods}/, documented in schemas/openapi.yaml.
//
// Every route needs `Authorization: Bearer <key>` (401 otherwise) and answers only for the key's own
// organisation: any other ODS code gets exactly the 404 an unknown one gets, so a key cannot be used to
// learn which organisations the hub serves. Handlers never log: the server's access log names the route
// pattern only, and everything here is about patients.
#pragma once

#include "hub/api/ApiSupport.h"
#include "hub/http/Router.h"
#include "hub/outbox/Outbox.h"
#include "hub/staff/ApiKeys.h"
#include "hub/workflows/SelfBook.h"

#include <string>
#include <vector>

namespace clinhub::api {

// Every route of the staff API (addStaffApi's, addBatchApi's, addVaccinationApi's and addUsersApi's); the
// OpenAPI document is checked against it.
const std::vector<RouteName>& staffApiRoutes();

// The services and keys must outlive the router.
void addStaffApi(http::Router& router, workflows::SelfBook& selfBook, outbox::Outbox& outbox, staff::SignIn& signIn,
                 audit::AuditLog& audit);

} // namespace clinhub::api

// The staff API's Batch Self-Book routes, under /api/v1/organisations/{ods}/batches, in schemas/openapi.yaml:
// create a batch's terms, upload its CSV list, read the summary and the rows that cannot be sent, send.
#pragma once

#include "hub/api/StaffApi.h"
#include "hub/http/Router.h"
#include "hub/staff/ApiKeys.h"
#include "hub/workflows/BatchSelfBook.h"

#include <vector>

namespace clinhub::api {

const std::vector<RouteName>& batchApiRoutes();

// The service and keys must outlive the router.
void addBatchApi(http::Router& router, workflows::BatchSelfBook& batches, staff::SignIn& signIn,
                 audit::AuditLog& audit);

} // namespace clinhub::api

// The staff API's vaccination routes, under /api/v1/organisations/{ods}/campaigns/{campaign}, in
// schemas/openapi.yaml: clinics, the cohort upload and its labels, invites for a first or second dose,
// staff booking with patient-facing or user-facing options, and the community-clinic actions
// (missed-session invitations, one child, walk-ins, booking reminders, consent).
#pragma once

#include "hub/api/StaffApi.h"
#include "hub/http/Router.h"
#include "hub/staff/ApiKeys.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"

#include <vector>

namespace clinhub::api {

const std::vector<RouteName>& vaccinationApiRoutes();

// The services and keys must outlive the router.
void addVaccinationApi(http::Router& router, workflows::Clinics& clinics, workflows::Cohorts& cohorts,
                       workflows::CommunityClinics& community, staff::SignIn& signIn, audit::AuditLog& audit);

} // namespace clinhub::api

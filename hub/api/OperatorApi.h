// The hub operator's routes, under /api/v1/hub, in schemas/openapi.yaml: every organisation the config
// serves with its connectors and outbox counts, each organisation's admins (invited by email, withdrawn), and
// the plugins loaded or refused. They need the hub-wide operator role, which no practice route grants, and
// answer nothing about a patient: counts, connector names and staff, never a message or a link.
#pragma once

#include "hub/api/ApiSupport.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Router.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/SignIn.h"
#include "hub/store/Store.h"

#include <vector>

namespace clinhub::api {

const std::vector<RouteName>& operatorApiRoutes();

struct OperatorServices {
    store::Store& store;
    runtime::Current& current;
    outbox::Outbox& outbox;
    const host::PluginHost& plugins; // loaded at start and not changed after
    staff::SignIn& signIn;
    audit::AuditLog& audit;
};

// The services must outlive the router.
void addOperatorApi(http::Router& router, const OperatorServices& services);

} // namespace clinhub::api

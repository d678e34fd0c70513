// GET /status: what an operator needs to see at a glance, and what readiness makes of the connectors.
//
// Served where /metrics is (hub.admin_listen when set), never to patients. It names connectors, plugins and
// outbox states; a connector's failure reason is scrubbed of anything shaped like an NHS number, phone
// number or date and capped (ConnectorBoard), so no patient detail reaches it.
#pragma once

#include "hub/app/ConnectorBoard.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Router.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>
#include <vector>

namespace clinhub::app {

struct StatusSources {
    std::string configFile;
    int64_t startedMicros = 0;
    store::Store& store;
    outbox::Outbox& outbox;
    const runtime::Current& current;
    const host::PluginHost& host;
    const ConnectorBoard& board;
};

Poco::JSON::Object::Ptr statusReport(const StatusSources& sources);

void addStatusRoute(http::Router& router, StatusSources sources);

// Why the connectors in hub.ready_requires make the hub not ready, one line each naming the connector;
// empty when they are all running and none is failing. Connectors not listed are never a reason.
std::vector<std::string> requiredConnectorProblems(const runtime::Runtime& runtime, const ConnectorBoard& board);

} // namespace clinhub::app

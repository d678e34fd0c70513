#include "hub/app/StatusReport.h"

#include "hub/api/ApiSupport.h"
#include "hub/log/Log.h"

#include <Poco/JSON/Array.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace clinhub::app {
namespace {

Poco::Dynamic::Var outcome(const std::optional<CallOutcome>& o) {
    if (!o) return {};
    auto out = api::object();
    out->set("at", api::isoUtc(o->atMicros));
    out->set("operation", std::string(host::toString(o->operation)));
    out->set("status", toString(o->status));
    if (!o->reason.empty()) out->set("reason", o->reason);
    return out;
}

Poco::JSON::Object::Ptr connectorStatus(const config::Connector& connector, const runtime::Runtime& runtime,
                                        const StatusSources& sources) {
    const auto& required = runtime.config().readyRequires;
    auto out = api::object();
    out->set("name", connector.name);
    out->set("plugin", connector.plugin);
    Poco::JSON::Array::Ptr kinds = new Poco::JSON::Array;
    if (const auto* plugin = sources.host.find(connector.plugin))
        for (const auto kind : plugin->kinds)
            kinds->add(std::string(config::toString(kind)));
    out->set("kinds", kinds);
    out->set("running", runtime.connector(connector.name) != nullptr);
    out->set("required", std::find(required.begin(), required.end(), connector.name) != required.end());
    const auto health = sources.board.health(connector.name).value_or(ConnectorHealth{});
    out->set("calls", health.calls);
    out->set("consecutive_failures", health.consecutiveFailures);
    out->set("last_success_at", health.lastSuccessMicros > 0 ? Poco::Dynamic::Var(api::isoUtc(health.lastSuccessMicros))
                                                             : Poco::Dynamic::Var());
    out->set("last_call", outcome(health.lastCall));
    out->set("last_failure", outcome(health.lastFailure));
    return out;
}

} // namespace

Poco::JSON::Object::Ptr statusReport(const StatusSources& sources) {
    const auto now = Poco::Timestamp().epochMicroseconds();
    auto out = api::object();
    out->set("version", std::string(CLINHUB_VERSION));
    out->set("started_at", api::isoUtc(sources.startedMicros));
    out->set("uptime_seconds", (now - sources.startedMicros) / 1'000'000);
    out->set("config_file", sources.configFile);
    // Only whether: the driver's words stay in the log, as /readyz keeps them.
    std::string why;
    const bool reachable = sources.store.reachable(why);
    if (!reachable) log::warning("store_unreachable", {{"store", sources.store.url()}, {"reason", why}});
    auto store = api::object();
    store->set("reachable", reachable);
    out->set("store", store);
    auto outbox = api::object();
    if (reachable) {
        try {
            for (const auto& [state, count] : sources.outbox.countByState())
                outbox->set(state, count);
        } catch (const std::exception& e) {
            log::warning("status_outbox_unread", {{"error", e.what()}});
        }
    }
    out->set("outbox", outbox);
    const auto runtime = sources.current.get();
    // Arrays by pointer, as a parsed reply holds them, so that a reader in-process finds them with getArray.
    Poco::JSON::Array::Ptr required = new Poco::JSON::Array;
    for (const auto& name : runtime->config().readyRequires)
        required->add(name);
    out->set("ready_requires", required);
    Poco::JSON::Array::Ptr connectors = new Poco::JSON::Array;
    for (const auto& [name, connector] : runtime->config().connectors)
        connectors->add(connectorStatus(connector, *runtime, sources));
    out->set("connectors", connectors);
    return out;
}

void addStatusRoute(http::Router& router, StatusSources sources) {
    router.get("/status", [sources = std::move(sources)](http::Request&, http::Response& response) {
        response.json(statusReport(sources));
    });
}

std::vector<std::string> requiredConnectorProblems(const runtime::Runtime& runtime, const ConnectorBoard& board) {
    std::vector<std::string> problems;
    for (const auto& name : runtime.config().readyRequires) {
        if (!runtime.connector(name)) {
            problems.push_back("connector '" + name + "' is not running");
            continue;
        }
        // One unanswered call is enough: the next answered one makes the hub ready again at once, and an
        // outbox retrying or a patient's page asking keeps calling a book that is down.
        const auto health = board.health(name);
        if (health && health->consecutiveFailures > 0)
            problems.push_back("connector '" + name + "' is failing: " + std::to_string(health->consecutiveFailures) +
                               (health->consecutiveFailures == 1 ? " call" : " calls") + " in a row got no answer");
    }
    return problems;
}

} // namespace clinhub::app

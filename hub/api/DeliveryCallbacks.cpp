#include "hub/api/DeliveryCallbacks.h"

#include "hub/log/Log.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/String.h>

namespace clinhub::api {
namespace {

// Every header of the request, names in lower case (HTTP's are case-insensitive); a repeated one keeps its
// first value.
Headers headersOf(http::Request& request) {
    Headers out;
    for (const auto& [name, value] : request.poco())
        out.emplace(Poco::toLower(name), value);
    return out;
}

} // namespace

void addDeliveryCallbacks(http::Router& router, outbox::Outbox& outbox, outbox::Routes& routes) {
    router.add("POST", kDeliveryCallbackRoute, [&outbox, &routes](http::Request& request, http::Response& response) {
        const std::string& name = request.param("connector");
        const auto connector = routes.connector(name);
        if (!connector ||
            (connector->sms() == nullptr && connector->email() == nullptr && connector->patientMessaging() == nullptr))
            return response.problem(404, "no messaging connector of that name");

        std::vector<Receipt> receipts;
        const std::string authorization = request.header("Authorization").value_or("");
        const Result r = connector->patientMessaging() != nullptr
                             ? connector->patientMessaging()->receipt(headersOf(request), request.body(), receipts)
                         : connector->sms() != nullptr
                             ? connector->sms()->receipt(authorization, request.body(), receipts)
                             : connector->email()->receipt(authorization, request.body(), receipts);
        if (r.status == Status::retryable) return response.problem(503, "try again shortly");
        if (!r.ok()) {
            // The plugin's reason goes to the log, not back to whoever is knocking.
            log::warning("delivery_receipt_refused", {{"connector", name}, {"reason", r.message}});
            return response.problem(403, "receipt not accepted");
        }
        int recorded = 0;
        int unknown = 0;
        for (const auto& receipt : receipts) {
            const bool found =
                receipt.channel == PatientChannel::unknown
                    ? outbox.recordDelivery(name, receipt.reference, receipt.state, receipt.detail)
                    : outbox.recordChannel(name, receipt.reference, receipt.channel, receipt.state, receipt.detail);
            (found ? recorded : unknown)++;
        }
        log::info("delivery_receipts", {{"connector", name}, {"recorded", recorded}, {"unknown", unknown}});
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
        body->set("recorded", recorded);
        body->set("unknown", unknown);
        response.json(body);
    });
}

} // namespace clinhub::api

// The staff API as a client sees it: a real server on 127.0.0.1, a real SQLite store, and the real
// local-book and outbox-file plugins, with two organisations and a key for each.
#pragma once

#include "hub/api/BatchApi.h"
#include "hub/api/OperatorApi.h"
#include "hub/api/StaffApi.h"
#include "hub/api/UsersApi.h"
#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Server.h"
#include "hub/metrics/Metrics.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/ApiKeys.h"
#include "hub/workflows/SelfBook.h"
#include "tests/TestHub.h"
#include "tests/outbox/QueuedMessages.h"
#include "tests/store/TestStore.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

namespace clinhub::test {

struct Reply {
    int status = 0;
    std::string body;
    Poco::Net::NameValueCollection headers;

    [[nodiscard]] Poco::JSON::Object::Ptr json() const {
        return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    }
    [[nodiscard]] std::string header(const std::string& name) const { return headers.get(name, ""); }
};

// The seed: two slot types, Flu clinic every day, Asthma review on Mondays only.
// The book: the test patient; Flu clinic every day, Asthma review on Mondays only.
inline const std::string kBookSeed =
    std::string("patients:\n") + kTestPatientYaml + "slot_templates:\n" + fluClinicYaml() + kAsthmaReviewYaml;

inline const std::string kHubConfig = testHubYaml(R"(  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [texts], email: texts}
    rules:
      flu:
        title: Flu vaccination
        slot_types: [Flu clinic]
        horizon_days: 14
        link_expiry_days: 7
        allow_reschedule: true
        codes:
          invite: {code: "1240781000000106", term: "Invitation sent"}
  B99999:
    name: Other Surgery
    route: {appointment_book: book, sms: [texts]}
    rules:
      flu: {title: Flu, slot_types: [Flu clinic]}
)");

inline std::string linkBody(const std::string& nhs = "999 526 0182", const std::string& dob = "14/03/1956",
                            const std::string& mobile = "07700 900123", const std::string& rule = "flu") {
    Poco::JSON::Object patient;
    patient.set("nhs_number", nhs);
    patient.set("date_of_birth", dob);
    patient.set("mobile", mobile);
    patient.set("name", "Testy");
    Poco::JSON::Object body;
    body.set("rule", rule);
    body.set("patient", patient);
    std::ostringstream out;
    body.stringify(out);
    return out.str();
}

// One request to a hub on 127.0.0.1:port, with a staff key when `key` is given.
inline Reply request(Poco::UInt16 port, const std::string& method, const std::string& target, const std::string& key,
                     const std::string& body = {}, const std::string& contentType = "application/json",
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!key.empty()) request.set("Authorization", "Bearer " + key);
    for (const auto& [name, value] : headers)
        request.set(name, value);
    if (!body.empty() || method == "POST") {
        request.setContentType(contentType);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    auto& in = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, reply.body);
    for (const auto& [name, value] : response)
        reply.headers.add(name, value);
    return reply;
}

class StaffApiFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(hub.start(dir, db, kBookSeed, kHubConfig));
        outbox = std::make_unique<outbox::Outbox>(*store);
        selfBook = std::make_unique<workflows::SelfBook>(*store, *current);
        keys = std::make_unique<staff::ApiKeys>(*store);
        keyA = keys->create("A12345", "tests").key;
        keyB = keys->create("B99999", "tests").key;
        audit = std::make_unique<audit::AuditLog>(*store);
        signIn = std::make_unique<staff::SignIn>(*store, *audit);
        api::addStaffApi(router, *selfBook, *outbox, *signIn, *audit);
        batches = std::make_unique<workflows::BatchSelfBook>(*store, *current, *selfBook);
        api::addBatchApi(router, *batches, *signIn, *audit);
        api::addUsersApi(router, *store, *current, *signIn, *audit);
        api::addOperatorApi(router, {*store, *current, *outbox, host, *signIn, *audit});
        server = std::make_unique<http::Server>(hub.config->http, router, metrics);
        server->start();
    }

    Reply call(const std::string& method, const std::string& target, const std::string& key,
               const std::string& body = {}, const std::string& contentType = "application/json") const {
        return request(server->port(), method, target, key, body, contentType);
    }
    Reply get(const std::string& target, const std::string& key) const { return call("GET", target, key); }
    Reply post(const std::string& target, const std::string& key, const std::string& body = {}) const {
        return call("POST", target, key, body);
    }

    // A link made through the API; its JSON, and the patient's token read from its URL.
    struct Created {
        std::string id;
        std::string token;
    };
    Created createLink(const std::string& key = {}) {
        const auto reply = post("/api/v1/organisations/A12345/links", key.empty() ? keyA : key, linkBody());
        EXPECT_EQ(reply.status, 201) << reply.body;
        const auto json = reply.json();
        const auto url = json->getValue<std::string>("url");
        return {json->getValue<std::string>("id"), url.substr(url.rfind('/') + 1)};
    }

    TempDir dir;
    TestStore db{dir};
    TestHub hub;
    host::PluginHost& host = hub.host;
    std::unique_ptr<runtime::Current>& current = hub.current;
    std::unique_ptr<store::Store>& store = hub.store;
    std::unique_ptr<outbox::Outbox> outbox;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::unique_ptr<workflows::BatchSelfBook> batches;
    std::unique_ptr<staff::ApiKeys> keys;
    std::unique_ptr<audit::AuditLog> audit;
    std::unique_ptr<staff::SignIn> signIn;
    std::string keyA;
    std::string keyB;
    metrics::Metrics metrics;
    http::Router router;
    std::unique_ptr<http::Server> server; // last, so it stops before what its handlers use goes
};

} // namespace clinhub::test

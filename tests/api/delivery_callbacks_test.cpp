// Delivery receipts POSTed to /callbacks/{connector}, over a real socket, read by a real plugin (one whose
// receipts are "<reference> <state>" lines behind a fixed bearer token) and recorded in a real outbox.
#include "hub/api/DeliveryCallbacks.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Server.h"
#include "hub/metrics/Metrics.h"
#include "tests/store/TestStore.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

class OneConnector : public outbox::Routes {
public:
    explicit OneConnector(std::shared_ptr<host::ConnectorInstance> c) : c_(std::move(c)) {}
    std::vector<std::shared_ptr<host::ConnectorInstance>> route(const std::string&, outbox::Channel) override {
        return {c_};
    }
    std::shared_ptr<host::ConnectorInstance> connector(const std::string& name) override {
        return name == c_->name() ? c_ : nullptr;
    }

private:
    std::shared_ptr<host::ConnectorInstance> c_;
};

struct Reply {
    int status = 0;
    std::string body;
};

class DeliveryCallbacks : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host.loadFile(RECEIPTS_PLUGIN));
        std::string error;
        auto connector = host.create("texts", "receipts", "{}", error);
        ASSERT_NE(connector, nullptr) << error;
        routes = std::make_unique<OneConnector>(connector);
        store = store::Store::open(db.url());
        store->migrate();
        outbox = std::make_unique<outbox::Outbox>(*store);
        api::addDeliveryCallbacks(router, *outbox, *routes);
        config::Http http;
        http.listen = "127.0.0.1:0";
        server = std::make_unique<http::Server>(http, router, metrics);
        server->start();
    }

    Reply post(const std::string& path, const std::string& authorization, const std::string& body) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
        Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!authorization.empty()) request.set("Authorization", authorization);
        request.setContentType("text/plain");
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        Reply reply;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
        reply.status = response.getStatus();
        return reply;
    }

    // A text for `organisation` that `connector` took.
    std::string sentSms(const std::string& connector = "texts", const std::string& organisation = "A12345") {
        const auto reference = outbox->enqueue({organisation, outbox::Channel::sms, R"({"to":"+447700900123"})"});
        outbox->settle({outbox::Outcome::sent(reference, connector, "provider-" + reference)});
        return reference;
    }

    TempDir dir;
    TestStore db{dir};
    host::PluginHost host;
    std::unique_ptr<OneConnector> routes;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<outbox::Outbox> outbox;
    metrics::Metrics metrics;
    http::Router router;
    std::unique_ptr<http::Server> server;
};

TEST_F(DeliveryCallbacks, EachReceiptIsRecordedAgainstItsMessage) {
    const auto delivered = sentSms();
    const auto failed = sentSms();
    const auto reply = post("/callbacks/texts", "Bearer let-me-in",
                            delivered + " delivered\n" + failed + " failed\nmsg-nobody delivered\n");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto json = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getValue<int>("recorded"), 2);
    EXPECT_EQ(json->getValue<int>("unknown"), 1);
    EXPECT_EQ(outbox->find(delivered)->delivery, "delivered");
    EXPECT_EQ(outbox->find(failed)->delivery, "failed");
    EXPECT_EQ(outbox->find(failed)->deliveryDetail, "failed");
}

TEST_F(DeliveryCallbacks, AReceiptThePluginDoesNotAcceptIs403AndChangesNothing) {
    const auto reference = sentSms();
    EXPECT_EQ(post("/callbacks/texts", "Bearer guess", reference + " delivered\n").status, 403);
    EXPECT_EQ(post("/callbacks/texts", "", reference + " delivered\n").status, 403);
    EXPECT_EQ(outbox->find(reference)->delivery, "");
}

// The receipts plugin vouches for the request, but a provider speaks only for the messages it was given:
// another provider's message, another practice's (sent through its own provider), and one not yet put to
// any provider are all unknown to it, and keep what they had.
TEST_F(DeliveryCallbacks, AReceiptForAMessageAnotherConnectorWasGivenIsUnknownAndChangesNothing) {
    const auto ours = sentSms();
    const auto otherProvider = sentSms("other-texts");
    const auto otherPractice = sentSms("b-practice-texts", "B67890");
    const auto notYetSent = outbox->enqueue({"A12345", outbox::Channel::sms, R"({"to":"+447700900123"})"});
    const auto reply = post("/callbacks/texts", "Bearer let-me-in",
                            ours + " delivered\n" + otherProvider + " failed\n" + otherPractice + " failed\n" +
                                notYetSent + " delivered\n");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto json = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getValue<int>("recorded"), 1);
    EXPECT_EQ(json->getValue<int>("unknown"), 3);
    EXPECT_EQ(outbox->find(ours)->delivery, "delivered");
    EXPECT_EQ(outbox->find(otherProvider)->delivery, "");
    EXPECT_EQ(outbox->find(otherPractice)->delivery, "");
    EXPECT_EQ(outbox->find(notYetSent)->delivery, "");
}

TEST_F(DeliveryCallbacks, AnUnknownConnectorIs404) {
    EXPECT_EQ(post("/callbacks/nobody", "Bearer let-me-in", "x delivered\n").status, 404);
}

} // namespace
} // namespace clinhub::test

// The server's front door over real sockets on loopback: what slow, idle, greedy and pipelining clients get,
// and that none of them holds a serving thread. Clients bind source addresses in 127.0.0.0/8 to stand for
// different machines.
#include "hub/http/Server.h"
#include "tests/http/Exposition.h"
#include "tests/http/RawClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clinhub::http::Request;
using clinhub::http::Response;
using clinhub::http::Router;
using clinhub::http::Server;
using clinhub::testing::parseExposition;

namespace {

using clinhub::test::RawClient;

constexpr std::string_view kGet = "GET /x HTTP/1.1\r\nHost: hub\r\n\r\n";

clinhub::config::Http doorConfig() {
    clinhub::config::Http config;
    config.listen = "127.0.0.1:0";
    config.threads = 1;
    config.maxQueued = 8;
    config.headTimeoutSeconds = 1;
    config.idleTimeoutSeconds = 1;
    return config;
}

class FrontDoor : public ::testing::Test {
protected:
    void SetUp() override {
        router.get("/x", [](Request&, Response& res) { res.text("x"); });
        router.get("/denied", [](Request&, Response& res) { res.problem(401, "no key"); });
        router.post("/echo", [](Request& req, Response& res) { res.text(std::to_string(req.body().size())); });
        router.post("/unread", [](Request&, Response& res) { res.problem(401, "no key"); });
    }
    void start(const clinhub::config::Http& config = doorConfig()) {
        server = std::make_unique<Server>(config, router, metrics);
        server->start();
    }
    int get(const std::string& path = "/x") {
        Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
        return response.getStatus();
    }
    double rejected(const std::string& reason) {
        return metrics.counter("clinhub_http_connections_rejected_total", "", {"reason"}).value({reason});
    }

    clinhub::metrics::Metrics metrics;
    Router router;
    std::unique_ptr<Server> server;
};

TEST_F(FrontDoor, HalfSentRequestsHoldNoServingThread) {
    start(); // one serving thread
    std::vector<std::unique_ptr<RawClient>> stalled;
    for (int i = 0; i < 50; ++i) {
        stalled.push_back(std::make_unique<RawClient>(server->port()));
        stalled.back()->send("GET /x HTTP/1.1\r\nHo");
    }
    RawClient smallBody(server->port());
    smallBody.send("POST /echo HTTP/1.1\r\nHost: hub\r\nContent-Length: 1000\r\n\r\nonly ten b");
    EXPECT_EQ(get(), 200) << "the one thread is free while 51 requests are still arriving";
    // The serving thread hands the answered connection back, and the client closes it, just after the answer.
    for (int i = 0; i < 200 && (server->stats().active != 0 || server->stats().open != 51); ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server->stats().active, 0);
    EXPECT_EQ(server->stats().open, 51) << "the 51 still held at the front door";
}

TEST_F(FrontDoor, AHeadThatNeverFinishesIsAnswered408AndClosed) {
    start();
    RawClient slow(server->port());
    slow.send("GET /x HTTP/1.1\r\nHost: hub\r\nX-Slow: ");
    const auto started = std::chrono::steady_clock::now();
    const auto got = slow.receiveAll();
    EXPECT_TRUE(got.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << got;
    EXPECT_TRUE(slow.closed());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << "head_timeout_s is 1";
    EXPECT_EQ(rejected("head_timeout"), 1);
}

TEST_F(FrontDoor, AConnectionThatSendsNothingIsClosedAfterTheHeadTimeout) {
    start();
    RawClient silent(server->port());
    const auto got = silent.receiveAll();
    EXPECT_TRUE(silent.closed());
    EXPECT_TRUE(got.starts_with("HTTP/1.1 408")) << got;
}

TEST_F(FrontDoor, AHeadDribbledInManyPiecesIsRefused) {
    auto config = doorConfig();
    config.headTimeoutSeconds = 30;
    start(config);
    RawClient dribbler(server->port());
    dribbler.send("GET /x HTTP/1.1\r\n");
    for (int i = 0; i < 200 && dribbler.trySend("X"); ++i)
        std::this_thread::sleep_for(2ms);
    const auto got = dribbler.receiveAll(2s);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 408")) << got;
    EXPECT_EQ(rejected("head_pieces"), 1);
}

TEST_F(FrontDoor, AnOversizedHeadIsAnswered431) {
    start();
    RawClient greedy(server->port());
    greedy.send("GET /x HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'a'));
    const auto got = greedy.receiveAll();
    EXPECT_TRUE(got.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << got;
    EXPECT_EQ(rejected("head_too_large"), 1);
}

TEST_F(FrontDoor, AnIdleKeepAliveConnectionIsClosedQuietly) {
    start();
    RawClient idle(server->port());
    idle.send(kGet);
    const auto first = idle.receiveResponses(1);
    ASSERT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
    const auto after = idle.receiveAll(4s);
    EXPECT_TRUE(idle.closed()) << "idle_timeout_s is 1";
    EXPECT_EQ(after, "") << "closing an idle connection is not an error to answer";
    EXPECT_EQ(rejected("head_timeout"), 0);
}

TEST_F(FrontDoor, AKeepAliveConnectionCarriesAtMostItsShareOfRequests) {
    auto config = doorConfig();
    config.maxRequestsPerConnection = 3;
    start(config);
    RawClient client(server->port());
    std::string got;
    for (int i = 0; i < 3; ++i) {
        client.send(kGet);
        got += client.receiveResponses(1);
    }
    const auto first = got.find("Connection: Close");
    EXPECT_NE(first, std::string::npos) << "the third says it is the last: " << got;
    EXPECT_GT(first, got.rfind("HTTP/1.1 200 OK")) << "only the third: " << got;
    client.receiveAll(2s);
    EXPECT_TRUE(client.closed());
}

TEST_F(FrontDoor, PipelinedRequestsAreAllAnswered) {
    start();
    RawClient client(server->port());
    client.send(std::string(kGet) + std::string(kGet) + std::string(kGet));
    const auto got = client.receiveResponses(3);
    int answered = 0;
    for (auto at = got.find("HTTP/1.1 200 OK"); at != std::string::npos; at = got.find("HTTP/1.1 200 OK", at + 1))
        ++answered;
    EXPECT_EQ(answered, 3) << got;
}

TEST_F(FrontDoor, OneAddressGetsAtMostItsShareOfConnections) {
    auto config = doorConfig();
    config.headTimeoutSeconds = 30;
    config.maxConnectionsPerClient = 5;
    start(config);
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 5; ++i)
        held.push_back(std::make_unique<RawClient>(server->port(), "127.0.0.2"));
    ASSERT_TRUE([&] {
        for (int i = 0; i < 100 && server->stats().open < 5; ++i)
            std::this_thread::sleep_for(10ms);
        return server->stats().open == 5;
    }());

    RawClient sixth(server->port(), "127.0.0.2");
    const auto got = sixth.receiveAll();
    EXPECT_TRUE(got.starts_with("HTTP/1.1 429 Too Many Requests\r\n")) << got;
    EXPECT_TRUE(sixth.closed());
    EXPECT_EQ(rejected("per_client"), 1);

    RawClient other(server->port(), "127.0.0.3");
    other.send(kGet);
    EXPECT_TRUE(other.receiveResponses(1).starts_with("HTTP/1.1 200 OK")) << "another address is not limited";

    held.pop_back();
    std::this_thread::sleep_for(300ms); // the front door sees the close on its next wake-up
    RawClient again(server->port(), "127.0.0.2");
    again.send(kGet);
    EXPECT_TRUE(again.receiveResponses(1).starts_with("HTTP/1.1 200 OK")) << "a closed connection frees its place";

    const auto e = parseExposition(metrics.render());
    EXPECT_EQ(e.find("clinhub_http_connections_per_client_max").at(0).value, 5);
}

TEST_F(FrontDoor, ConnectionsBeyondTheLimitAreAnswered503) {
    auto config = doorConfig();
    config.headTimeoutSeconds = 30;
    config.maxConnections = 3;
    start(config);
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 3; ++i)
        held.push_back(std::make_unique<RawClient>(server->port(), ("127.0.0." + std::to_string(10 + i)).c_str()));
    for (int i = 0; i < 100 && server->stats().open < 3; ++i)
        std::this_thread::sleep_for(10ms);
    RawClient fourth(server->port(), "127.0.0.20");
    EXPECT_TRUE(fourth.receiveAll().starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    EXPECT_EQ(rejected("max_connections"), 1);
}

TEST_F(FrontDoor, ABodySlowerThanTheMinimumRateIsAnswered408) {
    auto config = doorConfig();
    config.bodyMinKilobytesPerSecond = 100; // 40,000 bytes: 1 s of grace and 0.4 s
    start(config);
    RawClient slow(server->port());
    slow.send("POST /echo HTTP/1.1\r\nHost: hub\r\nContent-Length: 40000\r\n\r\n" + std::string(1024, 'a'));
    const auto started = std::chrono::steady_clock::now();
    const auto got = slow.receiveAll();
    EXPECT_TRUE(got.starts_with("HTTP/1.1 408 ")) << got;
    EXPECT_NE(got.find("did not arrive in time"), std::string::npos) << got;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
    EXPECT_TRUE(slow.closed());
}

TEST_F(FrontDoor, ALargeBodyNobodyReadsIsNotWaitedFor) {
    start();
    RawClient client(server->port());
    client.send("POST /unread HTTP/1.1\r\nHost: hub\r\nContent-Length: 10000000\r\n\r\n");
    const auto got = client.receiveAll(3s);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << got;
    EXPECT_NE(got.find("Connection: Close"), std::string::npos) << got;
    EXPECT_TRUE(client.closed());
}

TEST_F(FrontDoor, EveryStatusLineHasItsOwnReasonPhrase) {
    start();
    RawClient client(server->port());
    client.send("GET /denied HTTP/1.1\r\nHost: hub\r\n\r\n");
    EXPECT_TRUE(client.receiveResponses(1).starts_with("HTTP/1.1 401 Unauthorized\r\n"));
    RawClient missing(server->port());
    missing.send("GET /nowhere HTTP/1.1\r\nHost: hub\r\n\r\n");
    EXPECT_TRUE(missing.receiveResponses(1).starts_with("HTTP/1.1 404 Not Found\r\n"));
}

TEST_F(FrontDoor, AMalformedHeadIsAnswered400) {
    start();
    RawClient client(server->port());
    client.send("GET /x HTTP/1.1\r\n" + std::string(300, 'n') + ": a field name longer than Poco takes\r\n\r\n");
    EXPECT_TRUE(client.receiveAll().starts_with("HTTP/1.1 400 Bad Request\r\n"));
    EXPECT_EQ(get(), 200);
}

TEST_F(FrontDoor, StopClosesHeldAndHalfSentConnectionsAtOnce) {
    auto config = doorConfig();
    config.headTimeoutSeconds = 30;
    start(config);
    RawClient halfSent(server->port());
    halfSent.send("GET /x HTTP/1.1\r\n");
    RawClient idle(server->port());
    idle.send(kGet);
    idle.receiveResponses(1);
    const auto started = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    halfSent.receiveAll(1s);
    EXPECT_TRUE(halfSent.closed());
}

} // namespace

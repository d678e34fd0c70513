// The server over real sockets on 127.0.0.1, with Poco's HTTP client.
#include "hub/http/Health.h"
#include "hub/http/Server.h"
#include "hub/log/Log.h"
#include "tests/http/Exposition.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <regex>
#include <thread>

using namespace std::chrono_literals;
using clinhub::http::Request;
using clinhub::http::Response;
using clinhub::http::Router;
using clinhub::http::Server;
using clinhub::testing::parseExposition;

namespace {

struct Reply {
    int status = 0;
    std::string body;
    Poco::Net::NameValueCollection headers;

    Poco::JSON::Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>(); }
};

Reply call(std::uint16_t port, const std::string& method, const std::string& target,
           const Poco::Net::NameValueCollection& headers = {}, const std::string& body = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers)
        request.set(name, value);
    if (!body.empty() || method == "POST") request.setContentLength64(static_cast<Poco::Int64>(body.size()));
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

template <class Predicate> bool eventually(Predicate predicate, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

clinhub::config::Http localConfig(int threads = 4, int maxQueued = 32) {
    clinhub::config::Http config;
    config.listen = "127.0.0.1:0";
    config.threads = threads;
    config.maxQueued = maxQueued;
    return config;
}

class HttpServer : public ::testing::Test {
protected:
    void start(const clinhub::config::Http& config = localConfig()) {
        server = std::make_unique<Server>(config, router, metrics);
        server->start();
    }
    Reply get(const std::string& target, const Poco::Net::NameValueCollection& headers = {}) {
        return call(server->port(), "GET", target, headers);
    }

    clinhub::metrics::Metrics metrics;
    Router router;
    std::vector<std::string> problems;
    std::unique_ptr<Server> server; // last, so it stops before the router and metrics go
};

TEST_F(HttpServer, RoutesWithNamedParamsReachTheirHandler) {
    router.get("/api/v1/organisations/{ods}/links/{id}", [](Request& req, Response& res) {
        Poco::JSON::Object body;
        body.set("ods", req.param("ods"));
        body.set("id", req.param("id"));
        body.set("route", req.route());
        body.set("q", req.query("q").value_or("-"));
        res.json(body);
    });
    start();
    const auto reply = get("/api/v1/organisations/A81001/links/L%2042?q=a+b%26c");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.headers.get("Content-Type"), "application/json");
    const auto json = reply.json();
    EXPECT_EQ(json->getValue<std::string>("ods"), "A81001");
    EXPECT_EQ(json->getValue<std::string>("id"), "L 42");
    EXPECT_EQ(json->getValue<std::string>("route"), "/api/v1/organisations/{ods}/links/{id}");
    EXPECT_EQ(json->getValue<std::string>("q"), "a b&c");
}

TEST_F(HttpServer, UnknownPathIs404ProblemJson) {
    router.get("/healthz", [](Request&, Response& res) { res.text("ok"); });
    start();
    const auto reply = get("/nowhere");
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.headers.get("Content-Type"), "application/problem+json");
    const auto json = reply.json();
    EXPECT_EQ(json->getValue<int>("status"), 404);
    EXPECT_EQ(json->getValue<std::string>("title"), "Not Found");
    EXPECT_EQ(json->getValue<std::string>("request_id"), reply.headers.get("X-Request-Id"));
}

TEST_F(HttpServer, WrongMethodIs405WithAllowHeader) {
    router.get("/links/{id}", [](Request&, Response& res) { res.text("x"); });
    router.add("DELETE", "/links/{id}", [](Request&, Response& res) { res.status(204); });
    start();
    const auto reply = call(server->port(), "POST", "/links/1");
    EXPECT_EQ(reply.status, 405);
    EXPECT_EQ(reply.headers.get("Allow", ""), "DELETE, GET, HEAD");
    EXPECT_EQ(reply.json()->getValue<int>("status"), 405);
}

TEST_F(HttpServer, GeneratesAFreshRequestIdAndEchoesIt) {
    router.get("/id", [](Request& req, Response& res) {
        // The handler's log scope carries the same id.
        res.text(req.requestId() + " " + clinhub::log::RequestScope::current());
    });
    start();
    const auto first = get("/id");
    const auto second = get("/id");
    const auto id = first.headers.get("X-Request-Id", "");
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
    EXPECT_EQ(first.body, id + " " + id);
    EXPECT_NE(second.headers.get("X-Request-Id", ""), id);
}

TEST_F(HttpServer, AcceptsASaneClientRequestIdAndReplacesAnInsaneOne) {
    router.get("/id", [](Request& req, Response& res) { res.text(req.requestId()); });
    start();
    Poco::Net::NameValueCollection sane;
    sane.set("X-Request-Id", "lb-1234.abcd:EF_9");
    const auto kept = get("/id", sane);
    EXPECT_EQ(kept.headers.get("X-Request-Id"), "lb-1234.abcd:EF_9");
    EXPECT_EQ(kept.body, "lb-1234.abcd:EF_9");

    Poco::Net::NameValueCollection insane;
    insane.set("X-Request-Id", "\"},{\"injected\":1 <script>");
    const auto replaced = get("/id", insane);
    EXPECT_TRUE(std::regex_match(replaced.headers.get("X-Request-Id"), std::regex("[0-9a-f]{32}")));
    Poco::Net::NameValueCollection tooLong;
    tooLong.set("X-Request-Id", std::string(200, 'a'));
    EXPECT_NE(get("/id", tooLong).headers.get("X-Request-Id"), std::string(200, 'a'));
}

TEST_F(HttpServer, HandlerExceptionIs500WithRequestIdAndNoPatientDataLogged) {
    router.get("/boom/{nhs}", [](Request& req, Response& res) {
        res.text("partial", 201); // discarded: a failed handler never sends half its answer
        throw std::runtime_error("no patient with NHS number " + req.param("nhs"));
    });
    start();
    ::testing::internal::CaptureStderr();
    const auto reply = get("/boom/9434765919");
    const auto log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(reply.headers.get("Content-Type"), "application/problem+json");
    const auto id = reply.headers.get("X-Request-Id");
    EXPECT_EQ(reply.json()->getValue<std::string>("request_id"), id);
    EXPECT_EQ(reply.body.find("9434765919"), std::string::npos);
    EXPECT_NE(log.find("\"event\":\"http_handler_failed\""), std::string::npos) << log;
    EXPECT_NE(log.find(id), std::string::npos) << log;
    EXPECT_EQ(log.find("9434765919"), std::string::npos) << log;
}

TEST_F(HttpServer, HttpErrorFromHandlerBecomesProblemWithItsStatus) {
    router.post("/links", [](Request& req, Response& res) {
        auto body = req.jsonObject();
        if (!body->has("nhs_number")) throw clinhub::http::Error(422, "nhs_number is required");
        res.json(*body, 201);
    });
    start();
    const auto missing = call(server->port(), "POST", "/links", {}, R"({"x":1})");
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.json()->getValue<std::string>("detail"), "nhs_number is required");
    const auto notJson = call(server->port(), "POST", "/links", {}, "{nope");
    EXPECT_EQ(notJson.status, 400);
    const auto ok = call(server->port(), "POST", "/links", {}, R"({"nhs_number":"x"})");
    EXPECT_EQ(ok.status, 201);
    EXPECT_EQ(ok.json()->getValue<std::string>("nhs_number"), "x");
}

TEST_F(HttpServer, BodyOverTheLimitIs413) {
    router.post("/upload", [](Request& req, Response& res) { res.text(std::to_string(req.body().size())); });
    server = std::make_unique<Server>(localConfig(), router, metrics, Server::Options{.maxBodyBytes = 100});
    server->start();
    EXPECT_EQ(call(server->port(), "POST", "/upload", {}, std::string(100, 'x')).body, "100");
    EXPECT_EQ(call(server->port(), "POST", "/upload", {}, std::string(101, 'x')).status, 413);
}

TEST_F(HttpServer, FormFieldsAreDecoded) {
    router.post("/b/{token}", [](Request& req, Response& res) { res.text(req.formField("dob").value_or("none")); });
    start();
    Poco::Net::NameValueCollection form;
    form.set("Content-Type", "application/x-www-form-urlencoded");
    EXPECT_EQ(call(server->port(), "POST", "/b/t", form, "a=1&dob=1970-01-02+x%21%2B").body, "1970-01-02 x!+");
}

TEST_F(HttpServer, HealthzIsOk) {
    clinhub::http::addHealthRoutes(router, metrics, [] { return std::vector<std::string>{}; });
    start();
    const auto reply = get("/healthz");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.json()->getValue<std::string>("status"), "ok");
}

TEST_F(HttpServer, ReadyzFollowsTheReadinessCallback) {
    clinhub::http::addHealthRoutes(router, metrics, [this] { return problems; });
    start();
    const auto ready = get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.json()->getValue<std::string>("status"), "ready");

    problems = {"store unreachable", "no plugins loaded"};
    const auto notReady = get("/readyz");
    EXPECT_EQ(notReady.status, 503);
    const auto json = notReady.json();
    EXPECT_EQ(json->getValue<std::string>("status"), "not ready");
    const auto list = json->getArray("problems");
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ(list->getElement<std::string>(0), "store unreachable");
    EXPECT_EQ(list->getElement<std::string>(1), "no plugins loaded");
}

TEST_F(HttpServer, ReadyzIsNotReadyWhenTheCallbackThrows) {
    clinhub::http::addHealthRoutes(router, metrics,
                                   []() -> std::vector<std::string> { throw std::runtime_error("db"); });
    start();
    EXPECT_EQ(get("/readyz").status, 503);
}

TEST_F(HttpServer, MetricsCountRequestsByRoutePatternInValidExposition) {
    clinhub::http::addHealthRoutes(router, metrics, [] { return std::vector<std::string>{}; });
    router.get("/b/{token}", [](Request&, Response& res) { res.html("<p>hi</p>"); });
    start();
    get("/b/secret-one");
    get("/b/secret-two");
    get("/healthz");
    get("/nowhere/secret-three");
    call(server->port(), "POST", "/healthz");

    const auto reply = get("/metrics");
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.headers.get("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
    const auto e = parseExposition(reply.body);
    EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors);

    const auto count = [&](const std::map<std::string, std::string>& labels) {
        const auto found = e.find("clinhub_http_requests_total", labels);
        return found.size() == 1 ? found[0].value : -1.0;
    };
    EXPECT_EQ(count({{"route", "/b/{token}"}, {"method", "GET"}, {"status", "200"}}), 2);
    EXPECT_EQ(count({{"route", "/healthz"}, {"method", "GET"}, {"status", "200"}}), 1);
    EXPECT_EQ(count({{"route", "/healthz"}, {"method", "POST"}, {"status", "405"}}), 1);
    EXPECT_EQ(count({{"route", "<unmatched>"}, {"method", "GET"}, {"status", "404"}}), 1);
    EXPECT_EQ(reply.body.find("secret"), std::string::npos) << "raw paths must never become labels";

    const auto buckets = e.find("clinhub_http_request_duration_seconds_bucket", {{"route", "/b/{token}"}});
    ASSERT_EQ(buckets.size(), clinhub::metrics::Histogram::latencyBounds().size() + 1);
    for (std::size_t i = 1; i < buckets.size(); ++i)
        EXPECT_GE(buckets[i].value, buckets[i - 1].value);
    EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
    EXPECT_EQ(buckets.back().value, 2);
    EXPECT_EQ(e.find("clinhub_http_request_duration_seconds_count", {{"route", "/b/{token}"}}).at(0).value, 2);
    EXPECT_EQ(e.find("clinhub_http_connections_refused_total").at(0).value, 0);
    EXPECT_EQ(e.types.at("clinhub_http_connections_refused_total"), "counter");
    EXPECT_EQ(e.find("clinhub_http_threads_max").at(0).value, 4);
}

TEST_F(HttpServer, AccessLogNamesTheRoutePatternNeverTheRawPathOrQuery) {
    router.get("/b/{token}", [](Request&, Response& res) { res.text("ok"); });
    start();
    ::testing::internal::CaptureStderr();
    Poco::Net::NameValueCollection id;
    id.set("X-Request-Id", "req-77");
    const auto reply = get("/b/Tok3nS3cret?dob=1970-01-01", id);
    const auto log = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(reply.status, 200);

    std::string line;
    for (std::size_t start = 0, end; start < log.size(); start = end + 1) {
        end = log.find('\n', start);
        const auto candidate = log.substr(start, end - start);
        if (candidate.find("\"event\":\"http_request\"") != std::string::npos) line = candidate;
    }
    ASSERT_FALSE(line.empty()) << log;
    const auto json = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getValue<std::string>("route"), "/b/{token}");
    EXPECT_EQ(json->getValue<std::string>("method"), "GET");
    // Numbers are JSON numbers, so a log pipeline can compare and sum them.
    EXPECT_TRUE(json->get("status").isInteger()) << line;
    EXPECT_EQ(json->getValue<int>("status"), 200);
    EXPECT_EQ(json->getValue<std::string>("request_id"), "req-77");
    EXPECT_TRUE(json->get("duration_ms").isNumeric()) << line;
    EXPECT_GE(json->getValue<double>("duration_ms"), 0.0);
    EXPECT_EQ(log.find("Tok3nS3cret"), std::string::npos) << log;
    EXPECT_EQ(log.find("1970-01-01"), std::string::npos) << log;
}

TEST_F(HttpServer, BurstOfClientsIsServedByFewThreadsWithoutRefusals) {
    std::atomic<int> running = 0, mostAtOnce = 0;
    router.get("/slow", [&](Request&, Response& res) {
        const int now = ++running;
        int seen = mostAtOnce;
        while (now > seen && !mostAtOnce.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(20ms);
        --running;
        res.text("done");
    });
    start(localConfig(2, 64));

    constexpr int clients = 32;
    std::latch go(clients);
    std::vector<std::future<int>> replies;
    for (int i = 0; i < clients; ++i)
        replies.push_back(std::async(std::launch::async, [&] {
            go.arrive_and_wait();
            return call(server->port(), "GET", "/slow").status;
        }));
    for (auto& reply : replies)
        EXPECT_EQ(reply.get(), 200);

    EXPECT_LE(mostAtOnce.load(), 2) << "the pool is bounded by http.threads";
    EXPECT_EQ(server->stats().refused, 0);
    EXPECT_EQ(metrics.counter("clinhub_http_requests_total", "", {"route", "method", "status"})
                  .value({"/slow", "GET", "200"}),
              clients);
}

TEST_F(HttpServer, ConnectionsBeyondAFullQueueAreRefusedAndCounted) {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> entered = false;
    router.get("/block", [&](Request&, Response& res) {
        entered = true;
        released.wait();
        res.text("released");
    });
    clinhub::http::addHealthRoutes(router, metrics, [] { return std::vector<std::string>{}; });
    start(localConfig(1, 1));

    auto blocked = std::async(std::launch::async, [&] { return call(server->port(), "GET", "/block").status; });
    ASSERT_TRUE(eventually([&] { return entered.load(); }));

    // Only a whole request is queued: a connection that has sent nothing waits at the front door.
    const Poco::Net::SocketAddress address("127.0.0.1", server->port());
    constexpr std::string_view head = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    Poco::Net::StreamSocket waiting(address);
    waiting.sendBytes(head.data(), static_cast<int>(head.size()));
    ASSERT_TRUE(eventually([&] { return server->stats().queued == 1; }));
    Poco::Net::StreamSocket refused(address);
    refused.sendBytes(head.data(), static_cast<int>(head.size()));
    ASSERT_TRUE(eventually([&] { return server->stats().refused == 1; }));
    char answer[64] = {};
    refused.setReceiveTimeout(Poco::Timespan(5, 0));
    refused.receiveBytes(answer, sizeof answer - 1);
    EXPECT_TRUE(std::string_view(answer).starts_with("HTTP/1.1 503 Service Unavailable")) << answer;

    release.set_value();
    EXPECT_EQ(blocked.get(), 200);
    waiting.close();
    refused.close();
    // With one thread and a queue of one, /metrics would itself be refused until both have drained.
    ASSERT_TRUE(eventually([&] { return server->stats().queued == 0 && server->stats().active == 0; }));

    const auto e = parseExposition(get("/metrics").body);
    EXPECT_EQ(e.find("clinhub_http_connections_refused_total").at(0).value, 1);
}

TEST_F(HttpServer, StopClosesIdleKeepAliveConnectionsPromptly) {
    router.get("/x", [](Request&, Response& res) { res.text("x"); });
    start();
    Poco::Net::HTTPClientSession idle("127.0.0.1", server->port());
    idle.setKeepAlive(true);
    Poco::Net::HTTPRequest request("GET", "/x", Poco::Net::HTTPMessage::HTTP_1_1);
    idle.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(idle.receiveResponse(response), body);
    ASSERT_TRUE(response.getKeepAlive());

    const auto started = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "keep-alive timeout is 5 s; stop must not wait it out";
}

TEST(HttpServerSetup, AnHttpsHubTellsBrowsersNeverToUsePlainHttp) {
    clinhub::metrics::Metrics metrics;
    Router router;
    router.get("/x", [](Request&, Response& res) { res.text("x"); });
    Server plain(localConfig(), router, metrics);
    plain.start();
    EXPECT_FALSE(call(plain.port(), "GET", "/x").headers.has("Strict-Transport-Security"));
    plain.stop();

    clinhub::metrics::Metrics otherMetrics;
    Server tls(localConfig(), router, otherMetrics, Server::Options{.strictTransportSecurity = true});
    tls.start();
    EXPECT_EQ(call(tls.port(), "GET", "/x").headers.get("Strict-Transport-Security", ""), "max-age=31536000");
}

TEST(HttpServerSetup, EphemeralPortIsBoundAtConstruction) {
    clinhub::metrics::Metrics metrics;
    Router router;
    Server server(localConfig(), router, metrics);
    EXPECT_GT(server.port(), 0);
}

TEST(HttpServerSetup, BadListenAddressLimitsOrTakenPortThrow) {
    clinhub::metrics::Metrics metrics;
    Router router;
    auto config = localConfig();
    config.listen = "not an address";
    EXPECT_THROW(Server(config, router, metrics), std::invalid_argument);
    config = localConfig(0, 10);
    EXPECT_THROW(Server(config, router, metrics), std::invalid_argument);
    config = localConfig(2, 0);
    EXPECT_THROW(Server(config, router, metrics), std::invalid_argument);

    Server first(localConfig(), router, metrics);
    clinhub::metrics::Metrics otherMetrics;
    config = localConfig();
    config.listen = "127.0.0.1:" + std::to_string(first.port());
    EXPECT_THROW(Server(config, router, otherMetrics), std::runtime_error);
}

} // namespace

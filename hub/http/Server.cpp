#include "hub/http/Server.h"

#include "hub/log/Log.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <typeinfo>

namespace clinhub::http {
namespace {

constexpr std::string_view unmatched = "<unmatched>";

// The dispatcher's counters, exported as callbacks; the destructor removes them again.
struct ConnectionMetric {
    const char* name;
    const char* help;
    int (Poco::Net::TCPServer::*read)() const;
};
constexpr std::array<ConnectionMetric, 4> connectionMetrics{{
    {"clinhub_http_connections_active", "HTTP connections being served by a thread.",
     &Poco::Net::TCPServer::currentConnections},
    {"clinhub_http_connections_queued", "HTTP connections accepted and waiting for a thread.",
     &Poco::Net::TCPServer::queuedConnections},
    {"clinhub_http_connections_refused_total", "HTTP connections dropped because the queue was full.",
     &Poco::Net::TCPServer::refusedConnections},
    {"clinhub_http_connections_total", "HTTP connections served.", &Poco::Net::TCPServer::totalConnections},
}};

int checkedThreads(const config::Http& config) {
    if (config.threads < 1) throw std::invalid_argument("http.threads must be at least 1");
    if (config.maxQueued < 1) throw std::invalid_argument("http.max_queued must be at least 1");
    return config.threads;
}

Poco::Net::ServerSocket bind(const std::string& listen, int backlog) {
    Poco::Net::SocketAddress address;
    try {
        address = Poco::Net::SocketAddress(listen.starts_with(':') ? "0.0.0.0" + listen : listen);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("http.listen '" + listen + "' is not host:port: " + e.displayText());
    }
    try {
        Poco::Net::ServerSocket socket;
        // No SO_REUSEPORT: a second hub on the same port must fail here, not share the traffic.
        socket.bind(address, true, false);
        socket.listen(backlog);
        return socket;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("cannot listen on " + listen + ": " + e.displayText());
    }
}

// Request ids only need to be unique enough to find a request's lines, not unguessable.
std::string newRequestId() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    return text;
}

// Metric labels must stay a small set, so methods nobody routes are lumped together.
std::string_view methodLabel(const std::string& method) {
    static constexpr std::array known{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (std::string_view m : known)
        if (method == m) return m;
    return "OTHER";
}

} // namespace

bool Server::saneRequestId(std::string_view id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == ':' || c == '-';
    });
}

class Server::Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(Server& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        server_.handle(request, response);
    }

private:
    Server& server_;
};

class Server::Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(Server& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(server_);
    }

private:
    Server& server_;
};

Server::Server(const config::Http& config, const Router& router, metrics::Metrics& metrics, Options options)
    : router_(router), metrics_(metrics), options_(options),
      requests_(metrics.counter("clinhub_http_requests_total", "HTTP requests answered, by route pattern.",
                                {"route", "method", "status"})),
      duration_(metrics.histogram("clinhub_http_request_duration_seconds",
                                  "Time from request to response ready, by route pattern.", {"route"})),
      pool_("http", std::min(2, checkedThreads(config)), config.threads) {
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(config.threads);
    params->setMaxQueued(config.maxQueued);
    params->setKeepAlive(true);
    // An idle keep-alive connection holds a thread, so keep the wait short; a proxy in front reconnects.
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), pool_,
                                                      bind(config.listen, std::max(64, config.maxQueued)), params);

    std::size_t registered = 0;
    try {
        for (; registered < connectionMetrics.size(); ++registered) {
            const auto& m = connectionMetrics[registered];
            const auto type = std::string_view(m.name).ends_with("_total") ? metrics::Family::Type::counter
                                                                           : metrics::Family::Type::gauge;
            metrics.callback(m.name, m.help, type,
                             [server = server_.get(), read = m.read] { return double((server->*read)()); });
        }
    } catch (...) {
        // The destructor will not run: take back what points at this half-built server, and nothing else.
        while (registered > 0)
            metrics.remove(connectionMetrics[--registered].name);
        throw;
    }
    metrics.gauge("clinhub_http_threads_max", "Threads serving HTTP connections, at most.").set(config.threads);
    metrics.gauge("clinhub_http_queue_max", "HTTP connections that may wait for a thread before more are refused.")
        .set(config.maxQueued);
}

Server::Server(const config::Http& config, const Router& router, metrics::Metrics& metrics)
    : Server(config, router, metrics, Options{}) {}

Server::~Server() {
    stop();
    for (const auto& m : connectionMetrics)
        metrics_.remove(m.name);
}

void Server::start() {
    if (started_) return;
    server_->start();
    started_ = true;
    log::info("http_listening", {{"port", std::to_string(port())}});
}

void Server::stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    // abortCurrent=false: each connection's stop waits for the request it is serving, then shuts the socket,
    // which also ends idle keep-alive waits at once.
    server_->stopAll(false);
    pool_.joinAll();
}

std::uint16_t Server::port() const { return server_->port(); }

Server::Stats Server::stats() const {
    return {server_->currentConnections(), server_->queuedConnections(), server_->refusedConnections(),
            server_->totalConnections()};
}

void Server::handle(Poco::Net::HTTPServerRequest& pocoRequest, Poco::Net::HTTPServerResponse& pocoResponse) {
    const auto started = std::chrono::steady_clock::now();
    const auto claimed = pocoRequest.get("X-Request-Id", "");
    const auto id = saneRequestId(claimed) ? claimed : newRequestId();
    const log::RequestScope scope(id);

    Request request(pocoRequest, id, options_.maxBodyBytes);
    Response response(id);
    try {
        router_.dispatch(request, response);
    } catch (const Error& e) {
        response.reset();
        response.problem(e.status(), e.what());
    } catch (const std::exception& e) {
        // The type only: what() of a store or connector error can quote the patient data it failed on.
        log::error("http_handler_failed", {{"route", request.route()}, {"exception", typeid(e).name()}});
        response.reset();
        response.problem(500, "internal error; quote the request id when reporting it");
    } catch (...) {
        log::error("http_handler_failed", {{"route", request.route()}, {"exception", "unknown"}});
        response.reset();
        response.problem(500, "internal error; quote the request id when reporting it");
    }
    const bool keepAlive = request.discardBody();

    // Recorded before sending, so whoever sees the response also sees its log line and metrics; the time
    // the client takes to read is theirs, not ours.
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto route = request.route().empty() ? unmatched : std::string_view(request.route());
    const auto method = methodLabel(request.method());
    const auto status = std::to_string(response.status());
    requests_.inc({route, method, status});
    duration_.observe({route}, seconds);
    char milliseconds[32];
    std::snprintf(milliseconds, sizeof milliseconds, "%.3f", seconds * 1000);
    log::info("http_request", {{"method", std::string(method)},
                               {"route", std::string(route)},
                               {"status", status},
                               {"duration_ms", milliseconds}});

    try {
        pocoResponse.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status()));
        for (const auto& [name, value] : response.headers())
            pocoResponse.set(name, value);
        if (!response.headers().has("Cache-Control")) pocoResponse.set("Cache-Control", "no-store");
        pocoResponse.set("X-Content-Type-Options", "nosniff");
        pocoResponse.set("X-Request-Id", id);
        if (!response.contentType().empty()) pocoResponse.setContentType(response.contentType());
        pocoResponse.setContentLength64(static_cast<Poco::Int64>(response.body().size()));
        if (!keepAlive) pocoResponse.setKeepAlive(false);
        // For HEAD Poco sends the headers only.
        pocoResponse.send().write(response.body().data(), static_cast<std::streamsize>(response.body().size()));
    } catch (const Poco::Exception& e) {
        log::debug("http_send_failed", {{"route", std::string(route)}, {"error", e.className()}});
    }
}

} // namespace clinhub::http

// The hub's HTTP server: Poco::Net::HTTPServer on a thread pool of its own, sized from the config.
//
// Poco's default constructors share ThreadPool::defaultPool() (at most 16 threads, shared with anything
// else using it) and queue 64 connections before silently refusing more; here both limits come from
// config::Http and refused connections show in /metrics.
//
// Every request gets a request id (the client's X-Request-Id if it looks like one, else a new one), echoed
// in the response and attached to every log line the handler writes; one access log line naming the route
// PATTERN, never the raw path or query (they carry tokens); and the request counter and latency histogram.
#pragma once

#include "hub/config/Config.h"
#include "hub/http/Router.h"
#include "hub/metrics/Metrics.h"

#include <Poco/ThreadPool.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
} // namespace Poco::Net

namespace clinhub::http {

class Server {
public:
    struct Options {
        std::size_t maxBodyBytes = 1 << 20;
    };

    // Binds config.listen ("host:port", "[::1]:port"; port 0 picks a free one) at once, so port() is known
    // before start(). Throws std::invalid_argument for bad limits or address, std::runtime_error if the
    // address cannot be bound. The router and metrics must outlive the server; the router must not change
    // once started. One Server per Metrics: it registers the clinhub_http_connections_* callbacks.
    Server(const config::Http& config, const Router& router, metrics::Metrics& metrics, Options options);
    Server(const config::Http& config, const Router& router, metrics::Metrics& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void start();
    // Stops accepting, lets requests in progress finish, closes idle keep-alive connections and waits for
    // the pool. Idempotent; the destructor calls it. Must not be called from a handler.
    void stop();

    std::uint16_t port() const;

    struct Stats {
        int active = 0;  // connections being served by a thread
        int queued = 0;  // accepted, waiting for a thread
        int refused = 0; // dropped because the queue was full, since start
        int total = 0;   // served, since start
    };
    Stats stats() const;

    // What X-Request-Id must look like to be trusted: 1 to 128 of [A-Za-z0-9._:-].
    static bool saneRequestId(std::string_view id);

private:
    class Handler;
    class Factory;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    const Router& router_;
    metrics::Metrics& metrics_;
    Options options_;
    metrics::Counter& requests_;
    metrics::Histogram& duration_;
    Poco::ThreadPool pool_; // declared before server_: the server's dispatcher runs on it
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    bool started_ = false;
    bool stopped_ = false;
};

} // namespace clinhub::http

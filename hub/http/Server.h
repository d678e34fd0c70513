// The hub's HTTP server: a front door (FrontDoor.h) that holds connections until a whole request is
// waiting, and a fixed pool of serving threads that read it with Poco's parser and answer it.
//
// Poco's HTTPServer was the server before; it gives a connection a thread from accept to close, so idle and
// half-sent connections starved everyone else (FrontDoor.h). Its parts are still used for what they are good
// at: the request parser, the body streams (fixed-length and chunked) and the response writer.
//
// Every request gets a request id (the client's X-Request-Id if it looks like one, else a new one), echoed
// in the response and attached to every log line the handler writes; one access log line naming the route
// PATTERN, never the raw path or query (they carry tokens); and the request counter and latency histogram.
#pragma once

#include "hub/config/Config.h"
#include "hub/http/FrontDoor.h"
#include "hub/http/Router.h"
#include "hub/metrics/Metrics.h"

#include <Poco/AutoPtr.h>
#include <Poco/Net/IPAddress.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
class HTTPServerParams;
} // namespace Poco::Net

namespace clinhub::http {

class Server {
public:
    struct Options {
        std::size_t maxBodyBytes = 1 << 20;
        // Sends Strict-Transport-Security: the hub's public address is https, so a browser must never
        // be talked into plain http for it (a proxy in front may add it too; the header is idempotent).
        bool strictTransportSecurity = false;
    };

    // Binds config.listen ("host:port", "[::1]:port"; port 0 picks a free one) at once, so port() is known
    // before start(). Throws std::invalid_argument for bad limits or address, std::runtime_error if the
    // address cannot be bound. The router and metrics must outlive the server; the router must not change
    // once started. One Server per Metrics: it registers the clinhub_http_connections_* callbacks.
    Server(const config::Http& config, const Router& router, metrics::Metrics& metrics, Options options);
    Server(const config::Http& config, const Router& router, metrics::Metrics& metrics);

    // Several listeners sharing one pool of serving threads, each with its own routes: the patient pages on
    // the address a practice exposes to the internet, the staff API and /metrics on one it does not.
    struct Listener {
        std::string address; // as config.listen, which is ignored here
        const Router* router;
    };
    Server(const config::Http& config, const std::vector<Listener>& listeners, metrics::Metrics& metrics,
           Options options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void start();
    // Stops accepting, closes idle and half-sent connections, lets requests in progress finish and waits for
    // the serving threads. Idempotent; the destructor calls it. Must not be called from a handler.
    void stop();

    std::uint16_t port(std::size_t listener = 0) const;
    std::size_t listeners() const { return doors_.size(); }

    struct Stats {
        int open = 0;    // connections open: held by the front door, queued or being served
        int active = 0;  // connections being served by a thread
        int queued = 0;  // with a whole request waiting, and no thread free yet
        int refused = 0; // answered 503 because the queue was full, since start
        int total = 0;   // requests served, since start
    };
    Stats stats() const;

    // What X-Request-Id must look like to be trusted: 1 to 128 of [A-Za-z0-9._:-].
    static bool saneRequestId(std::string_view id);

private:
    class Session;
    struct Door {
        const Router* router;
        std::unique_ptr<FrontDoor> door;
    };
    struct Queued {
        Door* door;
        FrontDoor::Ready connection;
    };
    bool enqueue(Door& door, FrontDoor::Ready& connection);
    void work();
    void serve(Queued queued);
    bool serveOne(const Router& router, Session& session, bool last);
    void handle(const Router& router, Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    int open() const;

    metrics::Metrics& metrics_;
    Options options_;
    config::Http config_;
    metrics::Counter& requests_;
    metrics::Histogram& duration_;
    Poco::AutoPtr<Poco::Net::HTTPServerParams> params_;
    std::vector<Poco::Net::IPAddress> trustedProxies_;
    std::vector<Door> doors_;

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Queued> queue_;
    std::vector<std::thread> threads_;
    std::atomic<int> active_{0};
    std::atomic<int> refused_{0};
    std::atomic<int> total_{0};
    std::atomic<bool> stopping_{false};
    bool started_ = false;
    bool stopped_ = false;
};

} // namespace clinhub::http

// The hub's front door: one thread that holds every HTTP connection while nothing is asked of it yet.
//
// Poco's HTTPServer gives each connection a thread from the moment it is accepted, so a few hundred clients
// that send half a request line (or sit idle on keep-alive) hold every thread and the queue, and /healthz
// is refused. Here a connection reaches a serving thread only once its whole request head, and a small body
// with it, is waiting in the kernel; until then, and between keep-alive requests, it costs a file descriptor
// and a few bytes on this one epoll thread. Nothing is read here: the bytes are only peeked at, so the
// serving thread reads the request with Poco's own parser as if it had been there all along.
//
// Limits, each counted in clinhub_http_connections_rejected_total{reason}:
// - a head (and a body of at most kWaitedBodyBytes) must arrive whole within headTimeout of its first byte,
//   in at most kMaxHeadPieces reads, and be at most maxHeadBytes;
// - an idle keep-alive connection is closed after idleTimeout;
// - at most maxConnections are open, at most maxPerClient from one client address (an IPv6 client is its
//   /64, since one client holds a whole /64).
#pragma once

#include "hub/metrics/Metrics.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace clinhub::http {

class FrontDoor {
public:
    struct Limits {
        std::chrono::milliseconds headTimeout{10'000};
        std::chrono::milliseconds idleTimeout{5'000};
        std::size_t maxHeadBytes = 16 * 1024;
        int maxConnections = 4096;
        int maxPerClient = 64;
        std::set<std::string> exempt; // client keys with no per-client cap: the trusted proxies
    };

    // A connection whose request can be read without waiting. Handed to the server, which owns it until it
    // gives it back with resume() or closes it with release().
    struct Ready {
        Poco::Net::StreamSocket socket;
        std::string client; // the address its per-client count is kept under
        int served = 0;     // requests it has carried before this one
    };
    // Returns false when no thread can take the connection: the front door answers 503 and closes it.
    using Handoff = std::function<bool(Ready&)>;

    // A small body is waited for here with its head; a larger one is read by the serving thread under the
    // server's body deadline (a request that large is an upload, answered 401 unread if it is not staff's).
    static constexpr std::size_t kWaitedBodyBytes = 32 * 1024;
    // Real clients send a head in one to three pieces; a head dribbled in more is an attack on this thread.
    static constexpr int kMaxHeadPieces = 64;

    FrontDoor(Poco::Net::ServerSocket listening, Limits limits, Handoff handoff, metrics::Metrics& metrics);
    ~FrontDoor();
    FrontDoor(const FrontDoor&) = delete;
    FrontDoor& operator=(const FrontDoor&) = delete;

    void start();
    // Closes the listening socket and every connection it holds; connections being served are closed by the
    // server as they finish. Idempotent.
    void stop();

    // A served connection back for its next request (keep-alive). Thread-safe.
    void resume(Ready connection);
    // A served connection that is done: its per-client place is freed. Thread-safe.
    void release(const std::string& client);

    std::uint16_t port() const;
    int open() const; // connections open, held here or being served

private:
    struct Held {
        Poco::Net::StreamSocket socket;
        std::string client;
        int served = 0;
        int pieces = 0; // readable events since the head began
        std::chrono::steady_clock::time_point deadline;
        bool idle = true; // between requests: no byte of the next head yet
    };

    void run();
    void accept();
    void readable(int fd, std::uint32_t events);
    void expire(std::chrono::steady_clock::time_point now);
    void adopt(Ready connection); // on the reactor thread
    void hold(Held held);
    void drop(int fd, const char* reason, std::string_view reply = {});
    void reject(const char* reason, const std::string& client);

    Poco::Net::ServerSocket listening_;
    Limits limits_;
    Handoff handoff_;
    metrics::Counter& rejected_;
    int epoll_ = -1;
    int wake_ = -1;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    bool started_ = false;

    // Reactor thread only.
    std::unordered_map<int, Held> held_;
    std::vector<char> peek_;
    std::chrono::steady_clock::time_point lastLimitLog_{};
    bool acceptPaused_ = false;

    // Shared with serving threads.
    mutable std::mutex mutex_;
    std::map<std::string, int> perClient_;
    int open_ = 0;
    std::vector<Ready> resumed_;
};

} // namespace clinhub::http

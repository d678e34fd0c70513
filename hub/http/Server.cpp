#include "hub/http/Server.h"

#include "hub/http/ClientAddress.h"
#include "hub/log/Log.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <typeinfo>

namespace clinhub::http {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view unmatched = "<unmatched>";

int checkedThreads(const config::Http& config) {
    if (config.threads < 1) throw std::invalid_argument("http.threads must be at least 1");
    if (config.maxQueued < 1) throw std::invalid_argument("http.max_queued must be at least 1");
    if (config.headTimeoutSeconds < 1 || config.idleTimeoutSeconds < 1 || config.bodyMinKilobytesPerSecond < 1 ||
        config.maxRequestsPerConnection < 1 || config.maxConnections < 1 || config.maxConnectionsPerClient < 1)
        throw std::invalid_argument("http timeouts and connection limits must be at least 1");
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

// Each open connection is a descriptor, and a serving thread may open a store or connector one beside it;
// the soft limit (1024 on Debian) would cap connections far below max_connections.
void raiseDescriptorLimit(int connections) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const auto wanted = static_cast<rlim_t>(connections) * 2 + 256;
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < wanted) log::warning("http_descriptor_limit", {{"limit", limit.rlim_cur}, {"wanted", wanted}});
}

std::vector<Poco::Net::IPAddress> proxies(const config::Http& config) {
    std::vector<Poco::Net::IPAddress> addresses;
    for (const auto& text : config.trustedProxies) {
        Poco::Net::IPAddress address;
        if (!Poco::Net::IPAddress::tryParse(text, address))
            throw std::invalid_argument("hub.trusted_proxies: '" + text + "' is not an IP address");
        addresses.push_back(address);
    }
    return addresses;
}

FrontDoor::Limits doorLimits(const config::Http& config) {
    FrontDoor::Limits limits;
    for (const auto& proxy : proxies(config))
        limits.exempt.insert(clientKey(proxy));
    limits.headTimeout = std::chrono::seconds(config.headTimeoutSeconds);
    limits.idleTimeout = std::chrono::seconds(config.idleTimeoutSeconds);
    limits.maxConnections = config.maxConnections;
    limits.maxPerClient = config.maxConnectionsPerClient;
    return limits;
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

// Poco's server session, with what a one-request-at-a-time server needs to know: whether the client has
// already sent (pipelined) more than the request just served.
class Server::Session : public Poco::Net::HTTPServerSession {
public:
    using HTTPServerSession::HTTPServerSession;
    bool pipelined() const { return buffered() > 0; }
};

bool Server::saneRequestId(std::string_view id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == ':' || c == '-';
    });
}

Server::Server(const config::Http& config, const Router& router, metrics::Metrics& metrics, Options options)
    : Server(config, {{config.listen, &router}}, metrics, options) {}

Server::Server(const config::Http& config, const std::vector<Listener>& listeners, metrics::Metrics& metrics,
               Options options)
    : metrics_(metrics), options_(options), config_(config),
      requests_(metrics.counter("clinhub_http_requests_total", "HTTP requests answered, by route pattern.",
                                {"route", "method", "status"})),
      duration_(metrics.histogram("clinhub_http_request_duration_seconds",
                                  "Time from request to response ready, by route pattern.", {"route"})),
      params_(new Poco::Net::HTTPServerParams), trustedProxies_(proxies(config)) {
    checkedThreads(config);
    params_->setKeepAlive(true);
    // The front door hands over a connection only once its whole head is in the kernel, so reading it
    // never waits; the body's own deadline is Request's.
    params_->setTimeout(Poco::Timespan(config.headTimeoutSeconds, 0));
    params_->setServerName("");
    params_->setSoftwareVersion("");
    raiseDescriptorLimit(config.maxConnections * static_cast<int>(listeners.size()));
    doors_.reserve(listeners.size()); // the front doors' handoffs point into it
    for (const auto& l : listeners) {
        auto& door = doors_.emplace_back(Door{l.router, nullptr});
        door.door = std::make_unique<FrontDoor>(
            bind(l.address, std::max(128, config.maxQueued)), doorLimits(config),
            [this, &door](FrontDoor::Ready& c) { return enqueue(door, c); }, metrics);
    }

    struct Reading {
        const char* name;
        const char* help;
        metrics::Family::Type type;
        std::function<double()> read;
    };
    const std::array<Reading, 5> readings{{
        {"clinhub_http_connections_open", "HTTP connections open: held by the front door, queued or being served.",
         metrics::Family::Type::gauge, [this] { return double(open()); }},
        {"clinhub_http_connections_active", "HTTP connections being served by a thread.", metrics::Family::Type::gauge,
         [this] { return double(active_.load()); }},
        {"clinhub_http_connections_queued", "HTTP connections with a whole request waiting for a thread.",
         metrics::Family::Type::gauge, [this] { return double(stats().queued); }},
        {"clinhub_http_connections_refused_total", "HTTP requests answered 503 because the queue was full.",
         metrics::Family::Type::counter, [this] { return double(refused_.load()); }},
        {"clinhub_http_connections_total", "HTTP requests read and served.", metrics::Family::Type::counter,
         [this] { return double(total_.load()); }},
    }};
    for (const auto& r : readings)
        metrics.callback(r.name, r.help, r.type, r.read);
    metrics.gauge("clinhub_http_threads_max", "Threads serving HTTP requests, at most.").set(config.threads);
    metrics.gauge("clinhub_http_queue_max", "HTTP requests that may wait for a thread before more are refused.")
        .set(config.maxQueued);
    metrics.gauge("clinhub_http_connections_max", "HTTP connections open at once, at most.").set(config.maxConnections);
    metrics.gauge("clinhub_http_connections_per_client_max", "HTTP connections open at once from one address.")
        .set(config.maxConnectionsPerClient);
}

Server::Server(const config::Http& config, const Router& router, metrics::Metrics& metrics)
    : Server(config, router, metrics, Options{}) {}

Server::~Server() {
    stop();
    for (const char* name :
         {"clinhub_http_connections_open", "clinhub_http_connections_active", "clinhub_http_connections_queued",
          "clinhub_http_connections_refused_total", "clinhub_http_connections_total"})
        metrics_.remove(name);
}

void Server::start() {
    if (started_) return;
    started_ = true;
    for (int i = 0; i < config_.threads; ++i)
        threads_.emplace_back([this] { work(); });
    for (auto& d : doors_) {
        d.door->start();
        log::info("http_listening", {{"port", d.door->port()}});
    }
}

void Server::stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    for (auto& d : doors_)
        d.door->stop();
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_)
        t.join();
    // Handed over but never served: closed unanswered, as a connection the kernel had not yet accepted.
    for (auto& q : queue_)
        q.door->door->release(q.connection.client);
    queue_.clear();
}

std::uint16_t Server::port(std::size_t listener) const { return doors_.at(listener).door->port(); }

int Server::open() const {
    int open = 0;
    for (const auto& d : doors_)
        open += d.door->open();
    return open;
}

Server::Stats Server::stats() const {
    const std::lock_guard lock(mutex_);
    return {open(), active_.load(), static_cast<int>(queue_.size()), refused_.load(), total_.load()};
}

bool Server::enqueue(Door& door, FrontDoor::Ready& connection) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= static_cast<std::size_t>(config_.maxQueued)) {
            ++refused_;
            return false;
        }
        queue_.push_back({&door, std::move(connection)});
    }
    ready_.notify_one();
    return true;
}

void Server::work() {
    for (;;) {
        Queued queued;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            queued = std::move(queue_.front());
            queue_.pop_front();
            ++active_;
        }
        serve(std::move(queued));
        --active_;
    }
}

void Server::serve(Queued queued) {
    auto& connection = queued.connection;
    auto& door = *queued.door->door;
    bool keepAlive = false;
    try {
        // A client that stops reading its response cannot hold this thread for longer than this.
        connection.socket.setSendTimeout(Poco::Timespan(config_.headTimeoutSeconds, 0));
        Session session(connection.socket, params_);
        do {
            const bool last = connection.served + 1 >= config_.maxRequestsPerConnection || stopping_;
            keepAlive = serveOne(*queued.door->router, session, last);
            ++connection.served;
            ++total_;
            keepAlive = keepAlive && !last;
            // A pipelined request is already in this session's buffer, which the front door cannot see.
        } while (keepAlive && session.pipelined());
        connection.socket = session.detachSocket();
    } catch (const std::exception& e) {
        log::debug("http_connection_failed", {{"error", typeid(e).name()}});
        keepAlive = false;
    }
    if (keepAlive)
        door.resume(std::move(connection));
    else
        door.release(connection.client);
}

// One request, as Poco's HTTPServerConnection serves each of its requests; true if the connection may
// carry another.
bool Server::serveOne(const Router& router, Session& session, bool last) {
    try {
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, params_.get());
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        // The last request a connection may carry says so, and the client opens another.
        response.setKeepAlive(request.getKeepAlive() && !last);
        if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
            response.sendContinue();
        handle(router, request, response);
        return response.getKeepAlive() && request.getKeepAlive();
    } catch (const Poco::Net::NoMessageException&) {
        return false; // closed between requests
    } catch (const Poco::Net::MessageException&) {
        try {
            Poco::Net::HTTPServerResponseImpl response(session);
            response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            response.setKeepAlive(false);
            response.setContentLength(0);
            response.send();
        } catch (const Poco::Exception&) {
        }
        return false;
    }
}

void Server::handle(const Router& router, Poco::Net::HTTPServerRequest& pocoRequest,
                    Poco::Net::HTTPServerResponse& pocoResponse) {
    const auto started = std::chrono::steady_clock::now();
    const auto claimed = pocoRequest.get("X-Request-Id", "");
    const auto id = saneRequestId(claimed) ? claimed : newRequestId();
    const log::RequestScope scope(id);

    // A body gets head_timeout_s of grace, then must keep up body_min_kb_s; an unannounced length is taken to
    // be as large as the largest upload.
    const auto bodyBytes = pocoRequest.hasContentLength() ? std::max<Poco::Int64>(pocoRequest.getContentLength64(), 0)
                                                          : Poco::Int64{config_.maxUploadMegabytes} << 20;
    const auto bodyDeadline = started + std::chrono::seconds(config_.headTimeoutSeconds) +
                              std::chrono::milliseconds(bodyBytes / config_.bodyMinKilobytesPerSecond);
    Request request(pocoRequest, id, options_.maxBodyBytes, bodyDeadline);
    request.client_ = clientKey(
        requestClient(pocoRequest.clientAddress().host(), pocoRequest.get("X-Forwarded-For", ""), trustedProxies_));
    Response response(id);
    try {
        router.dispatch(request, response);
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
    bool keepAlive = request.discardBody();
    if (request.timedOut()) {
        response.reset();
        response.problem(408, "the request body did not arrive in time");
        keepAlive = false;
    }

    // Recorded before sending, so whoever sees the response also sees its log line and metrics; the time
    // the client takes to read is theirs, not ours.
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto route = request.route().empty() ? unmatched : std::string_view(request.route());
    const auto method = methodLabel(request.method());
    const auto status = std::to_string(response.status());
    requests_.inc({route, method, status});
    duration_.observe({route}, seconds);
    log::info("http_request", {{"method", method},
                               {"route", route},
                               {"status", response.status()},
                               {"duration_ms", std::round(seconds * 1e6) / 1e3}});

    try {
        // setStatus alone would keep the reason phrase of the default 200: "HTTP/1.1 401 OK".
        pocoResponse.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status()));
        for (const auto& [name, value] : response.headers())
            pocoResponse.set(name, value);
        if (!response.headers().has("Cache-Control")) pocoResponse.set("Cache-Control", "no-store");
        pocoResponse.set("X-Content-Type-Options", "nosniff");
        if (options_.strictTransportSecurity) pocoResponse.set("Strict-Transport-Security", "max-age=31536000");
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

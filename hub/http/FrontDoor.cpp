#include "hub/http/FrontDoor.h"

#include "hub/http/ClientAddress.h"
#include "hub/log/Log.h"

#include <Poco/MemoryStream.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace clinhub::http {
namespace {

using Clock = std::chrono::steady_clock;

// How often deadlines are looked at: a timed-out connection lingers at most this long past its deadline.
constexpr int kSweepMilliseconds = 200;

constexpr std::string_view kBusy = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
                                   "Connection: close\r\n\r\n";
constexpr std::string_view kTooManyFromClient = "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n"
                                                "Retry-After: 5\r\nConnection: close\r\n\r\n";
constexpr std::string_view kTimeout = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kHeadTooLarge = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                                           "Connection: close\r\n\r\n";

// Where the head ends (just past its empty line), or 0 while it is still arriving. Poco's parser takes a
// bare LF as a line end, so this does too.
std::size_t headEnd(const char* data, std::size_t size) {
    for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', data + size - p))) != nullptr; ++p) {
        const std::size_t at = static_cast<std::size_t>(p - data);
        if (at + 1 < size && p[1] == '\n') return at + 2;
        if (at + 2 < size && p[1] == '\r' && p[2] == '\n') return at + 3;
    }
    return 0;
}

// How many body bytes to wait for with the head: the declared length when it is small, else none (the
// serving thread reads it). A head Poco cannot parse goes on at once, to be answered 400 by Poco's parser.
std::size_t waitedBody(const char* head, std::size_t size) {
    try {
        Poco::MemoryInputStream in(head, static_cast<std::streamsize>(size));
        Poco::Net::HTTPRequest request;
        request.read(in);
        if (request.getChunkedTransferEncoding() || !request.hasContentLength()) return 0;
        const auto length = request.getContentLength64();
        return length > 0 && length <= static_cast<Poco::Int64>(FrontDoor::kWaitedBodyBytes)
                   ? static_cast<std::size_t>(length)
                   : 0;
    } catch (const Poco::Exception&) {
        return 0;
    }
}

void sendBestEffort(int fd, std::string_view reply) {
    if (!reply.empty()) (void)::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

} // namespace

FrontDoor::FrontDoor(Poco::Net::ServerSocket listening, Limits limits, Handoff handoff, metrics::Metrics& metrics)
    : listening_(std::move(listening)), limits_(limits), handoff_(std::move(handoff)),
      rejected_(metrics.counter("clinhub_http_connections_rejected_total",
                                "HTTP connections closed by the front door before a thread served them, by reason.",
                                {"reason"})),
      peek_(limits.maxHeadBytes + kWaitedBodyBytes) {
    if (limits_.maxConnections < 1 || limits_.maxPerClient < 1 || limits_.maxHeadBytes < 1024)
        throw std::invalid_argument("front door limits must be positive");
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) {
        if (epoll_ >= 0) ::close(epoll_);
        if (wake_ >= 0) ::close(wake_);
        throw std::runtime_error(std::string("cannot set up the HTTP front door: ") + std::strerror(errno));
    }
    epoll_event listen{};
    listen.events = EPOLLIN;
    listen.data.fd = listening_.impl()->sockfd();
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = wake_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listen.data.fd, &listen);
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &wake);
    listening_.setBlocking(false);
}

FrontDoor::~FrontDoor() {
    stop();
    ::close(epoll_);
    ::close(wake_);
}

void FrontDoor::start() {
    if (started_) return;
    started_ = true;
    thread_ = std::thread([this] { run(); });
}

void FrontDoor::stop() {
    if (stopping_.exchange(true)) return;
    const std::uint64_t one = 1;
    (void)::write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    for (auto& [fd, held] : held_) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        release(held.client);
    }
    held_.clear();
    std::vector<Ready> resumed;
    {
        const std::lock_guard lock(mutex_);
        resumed.swap(resumed_);
    }
    for (auto& r : resumed)
        release(r.client);
    listening_.close();
}

std::uint16_t FrontDoor::port() const { return listening_.address().port(); }

int FrontDoor::open() const {
    const std::lock_guard lock(mutex_);
    return open_;
}

void FrontDoor::resume(Ready connection) {
    if (stopping_) {
        release(connection.client);
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        resumed_.push_back(std::move(connection));
    }
    const std::uint64_t one = 1;
    (void)::write(wake_, &one, sizeof one);
}

void FrontDoor::release(const std::string& client) {
    const std::lock_guard lock(mutex_);
    --open_;
    if (const auto it = perClient_.find(client); it != perClient_.end() && --it->second <= 0) perClient_.erase(it);
}

void FrontDoor::run() {
    std::vector<epoll_event> events(256);
    auto lastSweep = Clock::now();
    const int listenFd = listening_.impl()->sockfd();
    while (!stopping_) {
        const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), kSweepMilliseconds);
        for (int i = 0; i < n && !stopping_; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == listenFd) {
                accept();
            } else if (fd == wake_) {
                std::uint64_t count = 0;
                (void)::read(wake_, &count, sizeof count);
                std::vector<Ready> resumed;
                {
                    const std::lock_guard lock(mutex_);
                    resumed.swap(resumed_);
                }
                for (auto& r : resumed)
                    adopt(std::move(r));
            } else {
                readable(fd, events[static_cast<std::size_t>(i)].events);
            }
        }
        const auto now = Clock::now();
        if (now - lastSweep >= std::chrono::milliseconds(kSweepMilliseconds)) {
            expire(now);
            lastSweep = now;
            if (acceptPaused_) {
                epoll_event listen{};
                listen.events = EPOLLIN;
                listen.data.fd = listenFd;
                ::epoll_ctl(epoll_, EPOLL_CTL_MOD, listenFd, &listen);
                acceptPaused_ = false;
            }
        }
    }
}

void FrontDoor::accept() {
    const int listenFd = listening_.impl()->sockfd();
    for (;;) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        // Blocking, as the serving threads want it: this thread only ever peeks with MSG_DONTWAIT.
        const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                // Out of descriptors: the listening socket stays readable, so stop watching it until the next
                // sweep rather than spin on it; closed connections free descriptors meanwhile.
                epoll_event none{};
                none.data.fd = listenFd;
                ::epoll_ctl(epoll_, EPOLL_CTL_MOD, listenFd, &none);
                acceptPaused_ = true;
                reject("descriptors", "-");
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log::warning("http_accept_failed", {{"error", std::strerror(errno)}});
            }
            return;
        }
        std::string client =
            clientKey(Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length).host());
        if (const char* refusal = [&]() -> const char* {
                const std::lock_guard lock(mutex_);
                if (open_ >= limits_.maxConnections) return "max_connections";
                if (perClient_[client] >= limits_.maxPerClient && !limits_.exempt.contains(client)) return "per_client";
                ++open_;
                ++perClient_[client];
                return nullptr;
            }()) {
            reject(refusal, client);
            sendBestEffort(fd, std::string_view(refusal) == "per_client" ? kTooManyFromClient : kBusy);
            ::close(fd);
            continue;
        }
        Held held;
        held.socket = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd));
        held.client = std::move(client);
        // A new connection owes its first byte within the head deadline, not the shorter keep-alive one.
        held.deadline = Clock::now() + limits_.headTimeout;
        hold(std::move(held));
    }
}

void FrontDoor::adopt(Ready connection) {
    Held held;
    held.socket = std::move(connection.socket);
    held.client = std::move(connection.client);
    held.served = connection.served;
    held.deadline = Clock::now() + limits_.idleTimeout;
    hold(std::move(held));
}

void FrontDoor::hold(Held held) {
    const int fd = held.socket.impl()->sockfd();
    const std::string client = held.client;
    held_.insert_or_assign(fd, std::move(held));
    // Edge-triggered: nothing is read here, so a level-triggered fd with a partial head would fire at once,
    // for ever. Adding an fd that already has data reports it once, so a pipelined request is not missed.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
        log::warning("http_front_door_failed", {{"error", std::strerror(errno)}});
        held_.erase(fd);
        release(client);
    }
}

void FrontDoor::readable(int fd, std::uint32_t events) {
    const auto it = held_.find(fd);
    if (it == held_.end()) return;
    Held& held = it->second;
    const auto n = ::recv(fd, peek_.data(), peek_.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        drop(fd, nullptr); // the client went away
        return;
    }
    if (n < 0) return;
    const auto size = static_cast<std::size_t>(n);
    if (held.idle) {
        held.idle = false;
        held.pieces = 0;
        // A new connection's head deadline runs from its accept, a kept-alive one's from its first byte.
        if (held.served > 0) held.deadline = Clock::now() + limits_.headTimeout;
    }
    if (++held.pieces > kMaxHeadPieces) {
        drop(fd, "head_pieces", kTimeout);
        return;
    }
    // A peek still sees the bytes a client sent before it closed, so its close shows only in the events.
    const bool closed = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    const std::size_t end = headEnd(peek_.data(), std::min(size, limits_.maxHeadBytes));
    if (end == 0) {
        if (size >= limits_.maxHeadBytes)
            drop(fd, "head_too_large", kHeadTooLarge);
        else if (closed)
            drop(fd, nullptr);
        return;
    }
    if (size < end + waitedBody(peek_.data(), end)) {
        if (closed) drop(fd, nullptr);
        return;
    }

    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    Ready ready{std::move(held.socket), std::move(held.client), held.served};
    held_.erase(it);
    if (!handoff_(ready)) {
        reject("busy", ready.client);
        sendBestEffort(fd, kBusy);
        release(ready.client);
    }
}

void FrontDoor::expire(Clock::time_point now) {
    std::vector<int> late;
    for (const auto& [fd, held] : held_)
        if (held.deadline <= now) late.push_back(fd);
    for (const int fd : late) {
        // An idle keep-alive connection timing out is ordinary; a head that never finished is not.
        if (held_.at(fd).idle && held_.at(fd).served > 0)
            drop(fd, nullptr);
        else
            drop(fd, "head_timeout", kTimeout);
    }
}

void FrontDoor::drop(int fd, const char* reason, std::string_view reply) {
    const auto it = held_.find(fd);
    if (it == held_.end()) return;
    const std::string client = std::move(it->second.client);
    // Counted before the client can see the close, so whoever it tells finds the count already there.
    if (reason != nullptr) reject(reason, client);
    sendBestEffort(fd, reply);
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    held_.erase(it); // closes the socket
    release(client);
}

void FrontDoor::reject(const char* reason, const std::string& client) {
    rejected_.inc({reason});
    // One line a second at most: under attack the metric counts, the log only says it is happening.
    const auto now = Clock::now();
    if (now - lastLimitLog_ < std::chrono::seconds(1)) return;
    lastLimitLog_ = now;
    log::warning("http_connection_rejected", {{"reason", reason}, {"client", client}});
}

} // namespace clinhub::http

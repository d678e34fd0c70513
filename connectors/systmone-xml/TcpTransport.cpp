#include "TcpTransport.h"

#include <clinhub/kit/HttpClient.hpp>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace systmonexml {

using clinhub::Result;

namespace {

constexpr const char* kEnd = "<EOF>";
constexpr std::size_t kEndSize = 5;

int msLeft(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    return left > 0 ? static_cast<int>(std::min<long long>(left, 1 << 30)) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool await(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, msLeft(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return true; // let the read or write that follows report the error
    }
}

// A kept connection is usable when there is nothing to read on it: readable while idle means the client
// closed it (or sent something unasked), and either way it must not carry the next request.
bool stillOpen(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
}

std::string errorText(int error) { return std::strerror(error); }

} // namespace

TcpTransport::TcpTransport(std::string host, int port, std::chrono::milliseconds connectTimeout,
                           std::chrono::milliseconds timeout, int maxConnections)
    : host_(std::move(host)), port_(port), connectTimeout_(connectTimeout), timeout_(timeout),
      maxConnections_(maxConnections) {}

TcpTransport::~TcpTransport() { discardIdle(); }

std::string TcpTransport::where() const { return "tcp " + host_ + ":" + std::to_string(port_); }

void TcpTransport::discardIdle() {
    std::lock_guard lock(mutex_);
    for (int fd : idle_)
        ::close(fd);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    freed_.notify_all();
}

Result TcpTransport::acquire(Clock::time_point deadline, int& fd) {
    std::unique_lock lock(mutex_);
    while (true) {
        while (!idle_.empty()) {
            const int candidate = idle_.back();
            idle_.pop_back();
            if (stillOpen(candidate)) {
                fd = candidate;
                return Result::success();
            }
            ::close(candidate);
            --open_;
        }
        if (open_ < maxConnections_) break;
        if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= maxConnections_)
            return Result::retryable(where() + ": all " + std::to_string(maxConnections_) +
                                     " connections stayed busy until the timeout");
    }
    ++open_;
    lock.unlock();
    Result r = connectTo(deadline, fd);
    if (!r.ok()) {
        lock.lock();
        --open_;
        freed_.notify_one();
    }
    return r;
}

void TcpTransport::release(int fd, bool keep) {
    std::lock_guard lock(mutex_);
    if (keep) {
        idle_.push_back(fd);
    } else {
        ::close(fd);
        --open_;
    }
    freed_.notify_one();
}

Result TcpTransport::connectTo(Clock::time_point deadline, int& fd) const {
    const auto until = std::min(deadline, Clock::now() + connectTimeout_);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found); rc != 0)
        return Result::retryable(where() + ": cannot resolve the host: " + gai_strerror(rc));
    std::string problem = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int s = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (s < 0) {
            problem = errorText(errno);
            continue;
        }
        int error = 0;
        if (::connect(s, a->ai_addr, a->ai_addrlen) != 0) {
            error = errno;
            if (error == EINPROGRESS) {
                if (!await(s, POLLOUT, until)) {
                    error = ETIMEDOUT;
                } else {
                    socklen_t size = sizeof error;
                    ::getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &size);
                }
            }
        }
        if (error == 0) {
            const int one = 1;
            ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::freeaddrinfo(found);
            fd = s;
            return Result::success();
        }
        ::close(s);
        problem = error == ECONNREFUSED ? "connection refused"
                  : error == ETIMEDOUT  ? "timed out connecting"
                                        : errorText(error);
    }
    ::freeaddrinfo(found);
    return Result::retryable(where() + ": " + problem);
}

// Never sends anything twice, so changesRecord needs no care here.
Result TcpTransport::exchange(const std::string& request, bool /*changesRecord*/, std::string& reply) {
    const auto deadline = Clock::now() + timeout_;
    int fd = -1;
    if (Result r = acquire(deadline, fd); !r.ok()) return r;

    const std::string out = request + kEnd;
    for (std::size_t sent = 0; sent < out.size();) {
        const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!await(fd, POLLOUT, deadline)) {
                release(fd, false);
                return Result::retryable(where() + ": timed out sending the request");
            }
        } else if (errno != EINTR) {
            const int error = errno;
            release(fd, false);
            return Result::retryable(where() + ": connection lost while sending: " + errorText(error));
        }
    }

    std::string buffer;
    buffer.reserve(sizeof(char[65536]));
    char chunk[65536];
    while (true) {
        if (!await(fd, POLLIN, deadline)) {
            // The reply may still come; it must never be read as the answer to a later request.
            release(fd, false);
            return Result::retryable(where() + ": timed out after " + std::to_string(timeout_.count()) +
                                     " ms waiting for the reply");
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n == 0) {
            release(fd, false);
            return Result::retryable(where() + ": the local client closed the connection without replying");
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            const int error = errno;
            release(fd, false);
            return Result::retryable(where() + ": connection lost waiting for the reply: " + errorText(error));
        }
        const std::size_t from = buffer.size() >= kEndSize ? buffer.size() - (kEndSize - 1) : 0;
        buffer.append(chunk, static_cast<std::size_t>(n));
        if (const auto at = buffer.find(kEnd, from); at != std::string::npos) {
            // Anything after <EOF> answers no request of ours: do not keep a connection that is out of step.
            release(fd, at + kEndSize == buffer.size());
            buffer.resize(at);
            reply = std::move(buffer);
            return Result::success();
        }
        if (buffer.size() > clinhub::kit::kMaxResponseBytes) {
            release(fd, false);
            return clinhub::kit::responseTooLarge(where(), clinhub::kit::kMaxResponseBytes);
        }
    }
}

} // namespace systmonexml

// The local client's TCP port: each message is the XML followed by the literal <EOF>, and a connection
// carries any number of request/reply pairs in turn. Connections are kept open between calls, at most
// `maxConnections` at once (a call waits for one, within its timeout); a kept connection the client has
// closed meanwhile is noticed before use and replaced.
#pragma once

#include "Transport.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace systmonexml {

class TcpTransport final : public Transport {
public:
    TcpTransport(std::string host, int port, std::chrono::milliseconds connectTimeout,
                 std::chrono::milliseconds timeout, int maxConnections);
    ~TcpTransport() override;
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;

    clinhub::Result exchange(const std::string& request, bool changesRecord, std::string& reply) override;
    void discardIdle() override;

private:
    using Clock = std::chrono::steady_clock;

    // A connection taken from the pool (or newly opened); -1 and the reason when none could be had.
    clinhub::Result acquire(Clock::time_point deadline, int& fd);
    void release(int fd, bool keep);
    clinhub::Result connectTo(Clock::time_point deadline, int& fd) const;
    [[nodiscard]] std::string where() const;

    std::string host_;
    int port_;
    std::chrono::milliseconds connectTimeout_;
    std::chrono::milliseconds timeout_;
    int maxConnections_;

    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<int> idle_;
    int open_ = 0; // idle and in use
};

} // namespace systmonexml

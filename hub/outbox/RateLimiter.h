// A token bucket per connector, shared by every outbox worker of the process: a provider's limit (GOV.UK
// Notify: 3,000 a minute) is kept by spacing calls out rather than by collecting 429s.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace clinhub::outbox {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // Refills at perMinute/60 tokens a second and holds at most `burst` (at least one).
    TokenBucket(int perMinute, double burst);

    // Takes a token, borrowing against the future when none is left: returns how long the caller must
    // wait before using it (zero when one was there). Reservations queue fairly in arrival order.
    Clock::duration reserve(Clock::time_point now = Clock::now());
    // Gives back a token reserved but not used (the message was put off rather than sent).
    void cancel();

    [[nodiscard]] int perMinute() const { return perMinute_; }

private:
    std::mutex mutex_;
    int perMinute_;
    double capacity_;
    double tokens_;
    Clock::time_point updated_;
};

// The buckets by connector name, made on first use and remade when the configured rate changes.
class RateLimiter {
public:
    // Zero or less means unlimited: no wait.
    TokenBucket::Clock::duration reserve(const std::string& connector, int perMinute);
    void cancel(const std::string& connector);

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<TokenBucket>> buckets_;
};

} // namespace clinhub::outbox

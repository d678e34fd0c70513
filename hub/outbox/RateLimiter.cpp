#include "hub/outbox/RateLimiter.h"

#include <algorithm>

namespace clinhub::outbox {

TokenBucket::TokenBucket(int perMinute, double burst)
    : perMinute_(perMinute), capacity_(std::max(1.0, burst)), tokens_(capacity_), updated_(Clock::now()) {}

TokenBucket::Clock::duration TokenBucket::reserve(Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    const double perSecond = perMinute_ / 60.0;
    if (now > updated_) {
        tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double>(now - updated_).count() * perSecond);
        updated_ = now;
    }
    // Tokens may go negative: each caller waits for its own place in the queue.
    tokens_ -= 1;
    if (tokens_ >= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / perSecond));
}

void TokenBucket::cancel() {
    const std::lock_guard lock(mutex_);
    tokens_ = std::min(capacity_, tokens_ + 1);
}

TokenBucket::Clock::duration RateLimiter::reserve(const std::string& connector, int perMinute) {
    if (perMinute <= 0) return TokenBucket::Clock::duration::zero();
    std::shared_ptr<TokenBucket> bucket;
    {
        const std::lock_guard lock(mutex_);
        auto& slot = buckets_[connector];
        // One second's worth of burst: enough to keep workers busy, small enough to stay under a per-minute cap.
        if (!slot || slot->perMinute() != perMinute) slot = std::make_shared<TokenBucket>(perMinute, perMinute / 60.0);
        bucket = slot;
    }
    return bucket->reserve();
}

void RateLimiter::cancel(const std::string& connector) {
    std::shared_ptr<TokenBucket> bucket;
    {
        const std::lock_guard lock(mutex_);
        auto it = buckets_.find(connector);
        if (it == buckets_.end()) return;
        bucket = it->second;
    }
    bucket->cancel();
}

} // namespace clinhub::outbox

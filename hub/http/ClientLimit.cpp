#include "hub/http/ClientLimit.h"

#include "hub/log/Log.h"

#include <algorithm>
#include <cmath>

namespace clinhub::http {

ClientLimit::ClientLimit(int perHour, int burst, std::size_t maxClients)
    : perSecond_(perHour > 0 ? perHour / 3600.0 : 0), burst_(std::max(1, burst)), maxClients_(maxClients) {}

double ClientLimit::refilled(const Bucket& bucket, Clock::time_point now) const {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    return std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * perSecond_);
}

std::chrono::seconds ClientLimit::take(const std::string& client, Clock::time_point now) {
    if (perSecond_ <= 0) return std::chrono::seconds(0);
    const std::lock_guard lock(mutex_);
    auto it = buckets_.find(client);
    if (it == buckets_.end()) {
        if (buckets_.size() >= maxClients_) {
            std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
            if (buckets_.size() >= maxClients_) {
                log::warning("client_limit_forgotten", {{"clients", buckets_.size()}});
                buckets_.clear();
            }
        }
        it = buckets_.emplace(client, Bucket{burst_, now}).first;
    }
    Bucket& bucket = it->second;
    bucket.tokens = refilled(bucket, now);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return std::chrono::seconds(0);
    }
    return std::chrono::seconds(static_cast<long>(std::ceil((1 - bucket.tokens) / perSecond_)));
}

} // namespace clinhub::http

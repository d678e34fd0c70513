// How often one client may do something that is costly or can be guessed at (check a date of birth, book
// an appointment): a token bucket per client address, refilled at perHour an hour and holding at most
// burst. A link's own lock (five wrong dates of birth) stops guessing at one link; this stops one address
// guessing across many.
//
// Patients behind a mobile carrier's NAT share an address, so the limits are set well above what a person
// needs. Memory is bounded: beyond maxClients addresses, the full buckets (clients as good as new) are
// forgotten, and if that is not enough, all are: failing open to patients beats failing closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace clinhub::http {

class ClientLimit {
public:
    using Clock = std::chrono::steady_clock;

    // perHour of zero or less: no limit.
    ClientLimit(int perHour, int burst, std::size_t maxClients = 100'000);

    // Zero if the client may go ahead (a token is taken), else how long until it may: its Retry-After.
    std::chrono::seconds take(const std::string& client, Clock::time_point now = Clock::now());

private:
    struct Bucket {
        double tokens;
        Clock::time_point updated;
    };
    double refilled(const Bucket& bucket, Clock::time_point now) const;

    double perSecond_;
    double burst_;
    std::size_t maxClients_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace clinhub::http

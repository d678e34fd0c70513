// The free slots last asked of the book for each link, kept for a few seconds, so a patient refreshing the
// slots page (or a script doing it for them) costs the practice's book one call a few seconds, not one a
// refresh: suppliers count calls against a quota, and a slow book holds a serving thread per call.
//
// A booking through this process forgets its organisation's lists, so they are never staler than the
// book's own state here; one made elsewhere (another hub process, the practice's staff) may still show for
// up to ttl, and booking that slot meets the book's conflict and a fresh list. At most maxLinks lists are
// kept: past that the lapsed ones go, and if that is not enough, all do.
#pragma once

#include <clinhub/plugin.hpp>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace clinhub::workflows {

class SlotCache {
public:
    using Clock = std::chrono::steady_clock;

    // A ttl of zero keeps nothing.
    explicit SlotCache(std::chrono::milliseconds ttl, std::size_t maxLinks = 10'000);

    std::optional<std::vector<Slot>> get(const std::string& linkId, Clock::time_point now = Clock::now());
    void put(const std::string& linkId, const std::string& organisation, std::vector<Slot> slots,
             Clock::time_point now = Clock::now());
    void forgetOrganisation(const std::string& organisation);

private:
    struct Entry {
        std::string organisation;
        std::vector<Slot> slots;
        Clock::time_point expires;
    };
    std::chrono::milliseconds ttl_;
    std::size_t maxLinks_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

} // namespace clinhub::workflows

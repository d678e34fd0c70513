#include "hub/workflows/SlotCache.h"

namespace clinhub::workflows {

SlotCache::SlotCache(std::chrono::milliseconds ttl, std::size_t maxLinks) : ttl_(ttl), maxLinks_(maxLinks) {}

std::optional<std::vector<Slot>> SlotCache::get(const std::string& linkId, Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(linkId);
    if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
    return it->second.slots;
}

void SlotCache::put(const std::string& linkId, const std::string& organisation, std::vector<Slot> slots,
                    Clock::time_point now) {
    if (ttl_.count() <= 0) return;
    const std::lock_guard lock(mutex_);
    if (entries_.size() >= maxLinks_ && !entries_.contains(linkId)) {
        std::erase_if(entries_, [&](const auto& entry) { return entry.second.expires <= now; });
        if (entries_.size() >= maxLinks_) entries_.clear();
    }
    entries_.insert_or_assign(linkId, Entry{organisation, std::move(slots), now + ttl_});
}

void SlotCache::forgetOrganisation(const std::string& organisation) {
    const std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const auto& entry) { return entry.second.organisation == organisation; });
}

} // namespace clinhub::workflows

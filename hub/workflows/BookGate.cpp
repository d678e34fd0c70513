#include "hub/workflows/BookGate.h"

#include <utility>

namespace clinhub::workflows {

BookGate::BookGate(int perOrganisation, std::chrono::milliseconds wait) : limit_(perOrganisation), wait_(wait) {}

BookGate::Permit::~Permit() {
    if (gate_) gate_->leave(key_);
}

std::optional<BookGate::Permit> BookGate::enter(const std::string& organisation) {
    std::unique_lock lock(mutex_);
    if (limit_ > 0 && !freed_.wait_for(lock, wait_, [&] { return inside_[organisation] < limit_; }))
        return std::nullopt;
    ++inside_[organisation];
    return Permit(this, organisation);
}

void BookGate::leave(const std::string& organisation) {
    {
        const std::lock_guard lock(mutex_);
        if (--inside_[organisation] <= 0) inside_.erase(organisation);
    }
    freed_.notify_all();
}

} // namespace clinhub::workflows

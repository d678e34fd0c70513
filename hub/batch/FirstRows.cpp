#include "hub/batch/FirstRows.h"

#include <stdexcept>

namespace clinhub::batch {
namespace {

constexpr int kNumberBits = 34; // 9 999 999 999 < 2^34
constexpr uint64_t kNumberMask = (uint64_t{1} << kNumberBits) - 1;
constexpr int64_t kRowLimit = int64_t{1} << (64 - kNumberBits);

} // namespace

std::size_t FirstRows::slotOf(uint64_t nhsNumber) const {
    // Fibonacci hashing spreads the test range's consecutive numbers; the size is a power of two.
    const std::size_t mask = slots_.size() - 1;
    std::size_t slot = static_cast<std::size_t>((nhsNumber * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    while (slots_[slot] != 0 && (slots_[slot] & kNumberMask) != nhsNumber)
        slot = (slot + 1) & mask;
    return slot;
}

std::optional<int> FirstRows::find(uint64_t nhsNumber) const {
    const uint64_t entry = slots_[slotOf(nhsNumber)];
    if (entry == 0) return std::nullopt;
    return static_cast<int>(entry >> kNumberBits);
}

void FirstRows::remember(uint64_t nhsNumber, int row) {
    if (row <= 0 || row >= kRowLimit || nhsNumber > kNumberMask)
        throw std::length_error("FirstRows: row or NHS number out of range");
    // Half full at most, so a probe stays short.
    if ((size_ + 1) * 2 > slots_.size()) grow();
    uint64_t& slot = slots_[slotOf(nhsNumber)];
    if (slot != 0) return;
    slot = static_cast<uint64_t>(row) << kNumberBits | nhsNumber;
    ++size_;
}

void FirstRows::grow() {
    std::vector<uint64_t> old(slots_.size() * 2);
    old.swap(slots_);
    for (uint64_t entry : old)
        if (entry != 0) slots_[slotOf(entry & kNumberMask)] = entry;
}

} // namespace clinhub::batch

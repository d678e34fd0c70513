// The row each NHS number was first accepted on, for naming the row a duplicate repeats, in one uint64 per
// number: a whole upload's worth of patients fits in a few megabytes, whatever else the rows held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace clinhub::batch {

class FirstRows {
public:
    // The row `nhsNumber` (at most 10 digits) was remembered on, if it was.
    [[nodiscard]] std::optional<int> find(uint64_t nhsNumber) const;
    // Remembers `row` (1 to 2^30 - 1) for a number not yet remembered.
    void remember(uint64_t nhsNumber, int row);
    [[nodiscard]] std::size_t size() const { return size_; }

private:
    std::size_t slotOf(uint64_t nhsNumber) const;
    void grow();

    // Open addressing: each slot is row << 34 | NHS number, 0 when empty (a row is never 0).
    std::vector<uint64_t> slots_ = std::vector<uint64_t>(1024);
    std::size_t size_ = 0;
};

} // namespace clinhub::batch

// NHS numbers of the 999 test range, never a real person's, for tests and benchmarks that need many.
#pragma once

#include <string>

namespace clinhub::test {

// Each with a valid modulus 11 check digit, in order: prefixes whose check digit would be 10 are skipped,
// so every number is valid and distinct.
class TestNhsNumbers {
public:
    std::string next() {
        for (;; ++prefix_) {
            const std::string digits = std::to_string(prefix_);
            int sum = 0;
            for (std::size_t d = 0; d < 9; ++d)
                sum += (digits[d] - '0') * static_cast<int>(10 - d);
            const int check = (11 - sum % 11) % 11;
            if (check == 10) continue;
            ++prefix_;
            return digits + std::to_string(check);
        }
    }

private:
    long long prefix_ = 999000000;
};

} // namespace clinhub::test

// Patient lists for the batch tests, made of test data only: NHS numbers from the 999 test range and mobile
// numbers from Ofcom's drama range (07700 900000-900999).
#pragma once

#include "hub/batch/BatchRows.h"

#include <sstream>
#include <string>
#include <vector>

namespace clinhub::test {

// A valid NHS number of the 999 test range, a different one for each i from 0 to 499 999.
inline std::string testNhsNumber(int i) {
    // Of 2i and 2i+1 as the first nine digits' tail, at most one has 10 for a check digit: their sums differ by 2.
    for (long long first9 = 999000000LL + 2LL * i;; ++first9) {
        const std::string digits = std::to_string(first9);
        int sum = 0;
        for (int d = 0; d < 9; ++d)
            sum += (digits[static_cast<std::size_t>(d)] - '0') * (10 - d);
        const int check = (11 - sum % 11) % 11;
        if (check != 10) return digits + std::to_string(check);
    }
}

inline std::string testMobile(int i) { return "07700900" + std::to_string(100 + i % 900); }

// A CSV (RFC 4180, through the writer under test elsewhere) of a header and rows.
inline std::string csvOf(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::ostringstream out;
    batch::CsvWriter writer(out);
    writer.write(header);
    for (const auto& row : rows)
        writer.write(row);
    return out.str();
}

} // namespace clinhub::test

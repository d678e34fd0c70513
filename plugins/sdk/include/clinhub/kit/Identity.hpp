// The rules that decide whether a patient can be reached and identified: NHS number, UK mobile, date
// of birth. Each check returns the normalised value or a reason a receptionist understands.
// Rules and test vectors: docs/domain.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace clinhub::kit {

struct Checked {
    std::string value;   // normalised, when valid
    std::string problem; // empty when valid
    [[nodiscard]] bool ok() const { return problem.empty(); }
};

// 10 digits (spaces allowed in input) whose last is the modulus 11 check digit.
Checked checkNhsNumber(std::string_view input);

// GOV.UK Notify's rules for a UK mobile; the value is E.164 ("+447700900123").
Checked checkUkMobile(std::string_view input);

// A real calendar date, not after `today` (YYYY-MM-DD); accepts YYYY-MM-DD, YYYYMMDD and DD/MM/YYYY.
// The value is YYYY-MM-DD.
Checked checkDateOfBirth(std::string_view input, std::string_view today);

// Today's date in the UK (YYYY-MM-DD) at `micros` since the epoch.
std::string ukDate(int64_t micros);

} // namespace clinhub::kit

// The shapes of the codes the Organisation Data Service gives organisations, so a typo in a config's
// organisation key (A8100, a81001, RXX0) is caught by `config check` rather than by a patient's page or a
// supplier refusing the code in a booking.
#pragma once

#include <string>
#include <string_view>

namespace clinhub::domain {

// Empty when `code` has the shape of an ODS code of one of the kinds the hub serves or names:
// - a GP practice, branch or other service: a letter and five digits (A81001, Y02345);
// - an NHS trust (R and two: RXX) or one of its sites (R and four: RXX01);
// - a pharmacy: F and four (FA123);
// - a commissioner: two digits and a letter (00J), or Q and two (QWE);
// - an independent provider: N or 8 and two, or four (NQ1, 8J094).
// Otherwise a sentence saying which shapes there are, for the sysadmin to compare.
std::string odsCodeProblem(std::string_view code);

} // namespace clinhub::domain

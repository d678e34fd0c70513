// Reading a cohort list: the CSV staff upload for a campaign (NHS Number and Date of Birth; optionally a
// name, or first name and surname, Mobile Number, email and School URN, under the headings the systems they
// export from use). Rules: docs/domain.md (Vaccination; Validation rules, CSV files).
//
// Rows are checked on their own, with no store and no records: a row that fails is rejected with its row
// number (as a spreadsheet numbers it) and the reason, the rest are accepted. A file that cannot be read
// as a cohort list at all throws batch::FileError, and nothing of it should be kept.
#pragma once

#include "hub/cohorts/Member.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace clinhub::cohorts {

struct RejectedRow {
    int row = 0;
    std::string reason;
};

struct CohortList {
    std::vector<Contact> accepted; // normalised; mobile empty when there is no valid UK mobile
    std::vector<RejectedRow> rejected;
};

// `today` (YYYY-MM-DD, UK) is what dates of birth are checked against. Throws batch::FileError.
CohortList readCohortList(std::istream& csv, const std::string& today);

} // namespace clinhub::cohorts

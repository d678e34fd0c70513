#include "hub/cohorts/CohortList.h"

#include "hub/batch/BatchRows.h"
#include "hub/batch/CsvReader.h"

#include <clinhub/kit/Identity.hpp>

#include <algorithm>
#include <istream>
#include <optional>
#include <set>

namespace clinhub::cohorts {

namespace {

// The columns of a cohort list, by the headings they go by (as batch::headingKey writes them).
struct Columns {
    std::optional<std::size_t> nhsNumber, dateOfBirth, name, firstName, surname, mobile, email, schoolUrn;

    explicit Columns(const batch::Record& header) {
        const std::vector<std::pair<std::optional<std::size_t>*, std::vector<std::string_view>>> known{
            {&nhsNumber, {"nhsnumber", "nhsno", "nhs"}},
            {&dateOfBirth, {"dateofbirth", "dob", "birthdate"}},
            {&name, {"name", "patientname", "childname"}},
            {&firstName, {"firstname", "forename", "forenames", "givenname"}},
            {&surname, {"surname", "lastname", "familyname"}},
            {&mobile, {"mobilenumber", "mobile", "mobilephone", "telecomnumber", "parentmobile"}},
            {&email, {"email", "emailaddress", "parentemail", "guardianemail"}},
            {&schoolUrn, {"schoolurn", "urn"}}};
        for (std::size_t i = 0; i < header.fields.size(); ++i) {
            const std::string key = batch::headingKey(header.fields[i]);
            for (const auto& [column, names] : known)
                if (std::find(names.begin(), names.end(), key) != names.end() && !*column) *column = i;
        }
        std::vector<std::string> missing;
        if (!nhsNumber) missing.emplace_back("NHS Number");
        if (!dateOfBirth) missing.emplace_back("Date of Birth");
        if (!missing.empty())
            throw batch::FileError(header.row, header.line,
                                   "no " + missing.front() + (missing.size() > 1 ? " or " + missing.back() : "") +
                                       " column: a cohort list needs NHS Number and Date of Birth");
    }
};

std::string cell(const batch::Record& r, std::optional<std::size_t> column) {
    if (!column || *column >= r.fields.size()) return {};
    std::string v = r.fields[*column];
    const auto first = v.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return v.substr(first, v.find_last_not_of(" \t") - first + 1);
}

} // namespace

CohortList readCohortList(std::istream& csv, const std::string& today) {
    CohortList list;
    std::optional<Columns> columns;
    std::set<std::string> seen;
    batch::CsvReader reader(batch::kDefaultMaxBytes, [&](const batch::Record& r) {
        if (!columns) {
            columns.emplace(r);
            return;
        }
        const auto nhs = kit::checkNhsNumber(cell(r, columns->nhsNumber));
        const auto dob = kit::checkDateOfBirth(cell(r, columns->dateOfBirth), today);
        std::string reason = !nhs.ok() ? nhs.problem : dob.problem;
        if (reason.empty() && !seen.insert(nhs.value).second) reason = "the same NHS number is on an earlier row";
        if (!reason.empty()) {
            list.rejected.push_back({r.row, reason});
            return;
        }
        const auto mobile = kit::checkUkMobile(cell(r, columns->mobile));
        std::string name = cell(r, columns->name);
        if (name.empty()) {
            name = cell(r, columns->firstName);
            const std::string surname = cell(r, columns->surname);
            if (!surname.empty()) name += (name.empty() ? "" : " ") + surname;
        }
        list.accepted.push_back({{nhs.value, dob.value, mobile.ok() ? mobile.value : "", name},
                                 cell(r, columns->email),
                                 cell(r, columns->schoolUrn)});
    });
    char chunk[64 * 1024];
    while (csv.read(chunk, sizeof chunk) || csv.gcount() > 0)
        reader.feed({chunk, static_cast<std::size_t>(csv.gcount())});
    reader.finish();
    return list;
}

} // namespace clinhub::cohorts

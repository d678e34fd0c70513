// Reading the API's answer to a search: a FHIR R4 searchset Bundle of Immunization resources (search.mode
// "match") and the one Patient they refer to (search.mode "include"), into the doses the hub asked about.
#pragma once

#include <clinhub/plugin.hpp>

#include <Poco/JSON/Object.h>

#include <set>
#include <string>
#include <vector>

namespace immunisation {

using clinhub::Immunisation;
using clinhub::Result;

// The vaccination types ("disease types") the API names in -immunization.target, with the SNOMED CT
// disorder concepts an Immunization's protocolApplied[0].targetDisease carries for each: one
// targetDisease per disease, and the whole set names the type (MMR is measles + mumps + rubella).
struct TargetType {
    const char* name;
    std::set<std::string> diseases;
};
const std::vector<TargetType>& targetTypes();

// The type whose disease set is exactly `codes`; empty when none is.
std::string targetNamed(const std::set<std::string>& codes);

struct Search {
    std::string nhsNumber;
    std::vector<std::string> targets; // upper case, as sent
};

// Appends a dose for each completed Immunization of the Bundle. Records that are not-done or
// entered-in-error are not doses received and are left out. Permanent, saying what was wrong, when the
// Bundle is not a searchset, is about another patient, leaves out targets it was asked for (this client is
// not authorised for them), or holds a dose that cannot be read or attributed to one of the targets.
Result readSearchset(const Poco::JSON::Object::Ptr& bundle, const Search& search, std::vector<Immunisation>& doses);

} // namespace immunisation

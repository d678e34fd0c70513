#include "Kit.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <stdexcept>

namespace clinhub::conformance {

namespace {

std::string required(const Poco::JSON::Object::Ptr& o, const std::string& name, const std::string& where) {
    if (o.isNull() || !o->has(name) || o->getValue<std::string>(name).empty())
        throw std::invalid_argument("fixture: " + where + name + " is required");
    return o->getValue<std::string>(name);
}

std::optional<std::string> optional(const Poco::JSON::Object::Ptr& o, const std::string& name) {
    if (o.isNull() || !o->has(name)) return std::nullopt;
    return o->getValue<std::string>(name);
}

Kit current;

} // namespace

Fixture Fixture::parse(const std::string& json) {
    Poco::JSON::Object::Ptr root;
    try {
        root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("fixture: not a JSON object: " + e.displayText());
    }
    Fixture f;
    f.slotType = required(root, "slot_type", "");
    f.days = root->optValue<int>("days", 14);
    if (f.days < 1 || f.days > 366) throw std::invalid_argument("fixture: days must be between 1 and 366");
    const auto patient = root->getObject("patient");
    f.patient.nhsNumber = required(patient, "nhs_number", "patient.");
    f.patient.dateOfBirth = required(patient, "date_of_birth", "patient.");
    f.patient.mobile = optional(patient, "mobile").value_or("");
    f.patient.name = optional(patient, "name").value_or("");
    f.unknownNhsNumber = required(root, "unknown_nhs_number", "");
    const auto code = root->getObject("code");
    f.snomedCode = required(code, "snomed", "code.");
    f.snomedTerm = required(code, "term", "code.");
    const auto faults = root->getObject("faults");
    f.timeoutFault = optional(faults, "timeout");
    f.malformedFault = optional(faults, "malformed");
    f.clearFaults = optional(faults, "clear");
    if ((f.timeoutFault || f.malformedFault) && !f.clearFaults)
        throw std::invalid_argument("fixture: faults.clear is required with faults.timeout or faults.malformed");
    return f;
}

const Kit& kit() { return current; }
void setKit(Kit k) { current = std::move(k); }

} // namespace clinhub::conformance

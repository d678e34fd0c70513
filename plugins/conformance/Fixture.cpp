#include "Kit.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace clinhub::conformance {

namespace {

using Poco::JSON::Object;

std::string required(const Object::Ptr& o, const std::string& name, const std::string& where) {
    if (o.isNull() || !o->has(name) || o->getValue<std::string>(name).empty())
        throw std::invalid_argument("fixture: " + where + name + " is required");
    return o->getValue<std::string>(name);
}

std::optional<std::string> optional(const Object::Ptr& o, const std::string& name) {
    if (o.isNull() || !o->has(name)) return std::nullopt;
    return o->getValue<std::string>(name);
}

BookFixture bookPart(const Object::Ptr& root) {
    BookFixture f;
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
    return f;
}

RecordsFixture recordsPart(const Object::Ptr& root) {
    const auto part = root->getObject("immunisations");
    if (part.isNull())
        throw std::invalid_argument("fixture: immunisations is required for an immunisation-records plugin");
    RecordsFixture f;
    const auto targets = part->getArray("targets");
    for (unsigned i = 0; targets && i < targets->size(); ++i)
        f.targets.push_back(targets->getElement<std::string>(i));
    if (f.targets.empty()) throw std::invalid_argument("fixture: immunisations.targets needs at least one target");
    f.nhsNumber = required(part, "nhs_number", "immunisations.");
    const auto doses = part->getArray("doses");
    for (unsigned i = 0; doses && i < doses->size(); ++i) {
        const auto d = doses->getObject(i);
        const std::string where = "immunisations.doses[" + std::to_string(i) + "].";
        Immunisation dose;
        dose.target = required(d, "target", where);
        dose.vaccineCode = required(d, "vaccine_code", where);
        dose.occurredOn = required(d, "occurred_on", where);
        if (!clinhub::kit::parseDate(dose.occurredOn))
            throw std::invalid_argument("fixture: " + where + "occurred_on must be YYYY-MM-DD");
        dose.doseNumber = d->optValue<int>("dose_number", 0);
        if (std::find(f.targets.begin(), f.targets.end(), dose.target) == f.targets.end())
            throw std::invalid_argument("fixture: " + where + "target is not one of immunisations.targets");
        f.doses.push_back(dose);
    }
    if (f.doses.empty()) throw std::invalid_argument("fixture: immunisations.doses needs at least one dose");
    f.nhsNumberWithoutDoses = optional(part, "nhs_number_without_doses").value_or("");
    f.unknownNhsNumber = required(part, "unknown_nhs_number", "immunisations.");
    return f;
}

MessagingFixture messagingPart(const Object::Ptr& root, const std::string& kind, const std::string& defaultTo) {
    const auto part = root.isNull() ? Object::Ptr() : root->getObject(kind);
    MessagingFixture f;
    f.to = optional(part, "to").value_or(defaultTo);
    f.lookup = !part.isNull() && part->optValue<bool>("lookup", false);
    f.inspect = optional(part, "inspect");
    if (const auto receipt = part.isNull() ? Object::Ptr() : part->getObject("receipt"))
        f.receipt = std::make_pair(required(receipt, "authorization", kind + ".receipt."),
                                   required(receipt, "body", kind + ".receipt."));
    if (const auto unreachable = part.isNull() ? Object::Ptr() : part->getObject("unreachable_config")) {
        std::ostringstream out;
        unreachable->stringify(out);
        f.unreachableConfig = out.str();
    }
    return f;
}

Kit current;

} // namespace

Fixture Fixture::parse(const std::string& json, bool book, bool records, bool sms, bool email) {
    Object::Ptr root;
    // A messaging plugin may run without a fixture: its parts all have defaults.
    if (!json.empty() || book || records) try {
            root = Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
        } catch (const Poco::Exception& e) {
            throw std::invalid_argument("fixture: not a JSON object: " + e.displayText());
        }
    Fixture f;
    if (book) f.book = bookPart(root);
    if (records) f.records = recordsPart(root);
    // The test ranges: a mobile in 07700 900000-900999, a domain reserved for examples.
    if (sms) f.sms = messagingPart(root, "sms", "+447700900123");
    if (email) f.email = messagingPart(root, "email", "clinhub-test@example.org");
    if (root.isNull()) return f;
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

Fault::Fault(const std::string& command) { EXPECT_EQ(std::system(command.c_str()), 0) << command; }
Fault::~Fault() { (void)std::system(kit().fixture.clearFaults->c_str()); }

} // namespace clinhub::conformance

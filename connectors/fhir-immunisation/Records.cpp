#include "Records.h"

#include <clinhub/kit/Scrub.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace immunisation {

namespace {

using clinhub::kit::scrub;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kSnomed = "http://snomed.info/sct";
constexpr const char* kNhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";

std::string str(const Object::Ptr& o, const std::string& key) {
    if (o.isNull() || !o->has(key) || o->isNull(key)) return {};
    return o->get(key).convert<std::string>();
}

Object::Ptr object(const Object::Ptr& o, const std::string& key) { return o.isNull() ? nullptr : o->getObject(key); }

Array::Ptr array(const Object::Ptr& o, const std::string& key) { return o.isNull() ? nullptr : o->getArray(key); }

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

Result malformed(const std::string& what) { return Result::permanent("Immunisation FHIR API search reply " + what); }

// The SNOMED CT codes of protocolApplied[0].targetDisease[].coding[].
std::set<std::string> diseaseCodes(const Object::Ptr& immunisation) {
    std::set<std::string> codes;
    const auto protocols = array(immunisation, "protocolApplied");
    const auto protocol = protocols.isNull() || protocols->size() == 0 ? nullptr : protocols->getObject(0);
    const auto diseases = array(protocol, "targetDisease");
    for (size_t i = 0; diseases && i < diseases->size(); ++i) {
        const auto codings = array(diseases->getObject(i), "coding");
        for (size_t k = 0; codings && k < codings->size(); ++k) {
            const auto coding = codings->getObject(k);
            const std::string system = str(coding, "system");
            if ((system.empty() || system == kSnomed) && !str(coding, "code").empty())
                codes.insert(str(coding, "code"));
        }
    }
    return codes;
}

// Which type a record is for: the one its disease codes name exactly; failing that (codes this table
// does not know, or a combination vaccine recorded with fewer diseases than it covers) the one type
// searched, since the API returns only the types searched, or the one searched type whose diseases
// include all the codes. Empty when that leaves it open.
std::string attribute(const std::set<std::string>& codes, const std::vector<std::string>& targets) {
    if (std::string named = targetNamed(codes); !named.empty()) return named;
    if (targets.size() == 1) return targets.front();
    std::string only;
    for (const auto& type : targetTypes()) {
        if (codes.empty() || std::find(targets.begin(), targets.end(), type.name) == targets.end()) continue;
        if (!std::includes(type.diseases.begin(), type.diseases.end(), codes.begin(), codes.end())) continue;
        if (!only.empty()) return {};
        only = type.name;
    }
    return only;
}

// doseNumberPositiveInt, or the first number in doseNumberString ("2", "Dose 2"), else 0.
int doseNumber(const Object::Ptr& immunisation) {
    const auto protocols = array(immunisation, "protocolApplied");
    const auto protocol = protocols.isNull() || protocols->size() == 0 ? nullptr : protocols->getObject(0);
    if (protocol.isNull()) return 0;
    if (protocol->has("doseNumberPositiveInt")) {
        const int n = protocol->getValue<int>("doseNumberPositiveInt");
        return n > 0 ? n : 0;
    }
    const std::string text = str(protocol, "doseNumberString");
    const auto start = text.find_first_of("123456789");
    if (start == std::string::npos) return 0;
    const auto end = text.find_first_not_of("0123456789", start);
    const std::string digits = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    return digits.size() <= 3 ? std::stoi(digits) : 0;
}

// The YYYY-MM-DD an occurrenceDateTime starts with (a date, or a date and a time after 'T'); empty if none.
std::string datePart(const std::string& dateTime) {
    auto digits = [&](size_t from, size_t n) {
        return std::all_of(dateTime.begin() + static_cast<long>(from), dateTime.begin() + static_cast<long>(from + n),
                           [](unsigned char c) { return std::isdigit(c) != 0; });
    };
    if (dateTime.size() < 10 || (dateTime.size() > 10 && dateTime[10] != 'T')) return {};
    if (!digits(0, 4) || dateTime[4] != '-' || !digits(5, 2) || dateTime[7] != '-' || !digits(8, 2)) return {};
    return dateTime.substr(0, 10);
}

// vaccineCode's SNOMED CT coding, or its first coding when none says SNOMED.
Object::Ptr vaccineCoding(const Object::Ptr& immunisation) {
    const auto codings = array(object(immunisation, "vaccineCode"), "coding");
    if (codings.isNull() || codings->size() == 0) return nullptr;
    for (size_t i = 0; i < codings->size(); ++i)
        if (str(codings->getObject(i), "system") == kSnomed) return codings->getObject(i);
    return codings->getObject(0);
}

std::string nhsNumberOf(const Object::Ptr& identifier) {
    return str(identifier, "system") == kNhsNumberSystem ? str(identifier, "value") : std::string();
}

// The targets the API says it searched, from the self link it answers with (the real API writes
// "immunization.target=..." there, keeping only the types this client may read); empty when it does not say.
std::set<std::string> targetsSearched(const Object::Ptr& bundle) {
    std::set<std::string> out;
    const auto links = array(bundle, "link");
    for (size_t i = 0; links && i < links->size(); ++i) {
        const auto link = links->getObject(i);
        if (str(link, "relation") != "self") continue;
        try {
            for (const auto& [name, value] : Poco::URI(str(link, "url")).getQueryParameters()) {
                if (name != "immunization.target" && name != "-immunization.target") continue;
                std::istringstream list(value);
                for (std::string t; std::getline(list, t, ',');)
                    out.insert(t);
            }
        } catch (const Poco::Exception&) {
            return {};
        }
    }
    return out;
}

Result readImmunisation(const Object::Ptr& r, const Search& search, std::vector<Immunisation>& doses) {
    const std::string id = "Immunization/" + scrub(str(r, "id"), 64);
    const std::string status = str(r, "status");
    // Only completed records are doses received; not-done and entered-in-error ones never were.
    if (status != "completed") return Result::success();
    if (const auto patient = object(r, "patient"); !patient.isNull()) {
        const std::string nhs = nhsNumberOf(object(patient, "identifier"));
        if (!nhs.empty() && nhs != search.nhsNumber) return malformed("holds " + id + " of another patient");
    }
    const auto codes = diseaseCodes(r);
    Immunisation dose;
    dose.target = attribute(codes, search.targets);
    if (dose.target.empty()) {
        std::vector<std::string> list(codes.begin(), codes.end());
        return malformed("holds " + id + " whose targetDisease (" + (list.empty() ? "none" : join(list)) +
                         ") does not say which of " + join(search.targets) + " it is for");
    }
    // A type not asked about (the API should not send one) is none of the hub's business.
    if (std::find(search.targets.begin(), search.targets.end(), dose.target) == search.targets.end())
        return Result::success();
    // The date as the recording system wrote it, in its own offset: the day the patient was vaccinated.
    dose.occurredOn = datePart(str(r, "occurrenceDateTime"));
    if (dose.occurredOn.empty()) return malformed("holds " + id + " without a usable occurrenceDateTime");
    const auto coding = vaccineCoding(r);
    dose.vaccineCode = str(coding, "code");
    dose.vaccineDisplay = str(coding, "display");
    dose.doseNumber = doseNumber(r);
    doses.push_back(dose);
    return Result::success();
}

} // namespace

// Codes as NHS England's code list for vaccination disease types gives them
// (https://digital.nhs.uk/developer/guides-and-documentation/building-healthcare-software/vaccinations/coding-for-vaccination-disease-types),
// and as the API's own mapping has them (NHSDigital/immunisation-fhir-api: MMR = 14189004 + 36989005 + 36653000).
const std::vector<TargetType>& targetTypes() {
    static const std::vector<TargetType> types{
        {"COVID", {"840539006"}},                                   // COVID-19 (disease caused by SARS-CoV-2)
        {"FLU", {"6142004"}},                                       // influenza
        {"HPV", {"240532009"}},                                     // human papillomavirus infection
        {"MMR", {"14189004", "36989005", "36653000"}},              // measles, mumps, rubella
        {"MMRV", {"14189004", "36989005", "36653000", "38907003"}}, // ... and varicella
        {"RSV", {"55735004"}},                                      // respiratory syncytial virus infection
        {"SHINGLES", {"4740000"}},                                  // herpes zoster
    };
    return types;
}

std::string targetNamed(const std::set<std::string>& codes) {
    for (const auto& type : targetTypes())
        if (type.diseases == codes) return type.name;
    return {};
}

Result readSearchset(const Object::Ptr& bundle, const Search& search, std::vector<Immunisation>& doses) {
    const std::string type = str(bundle, "resourceType");
    if (type != "Bundle")
        return malformed("is not a Bundle but " +
                         (type.empty() ? "a JSON object without a resourceType" : "a " + scrub(type, 40)));
    if (str(bundle, "type") != "searchset")
        return malformed("is a Bundle of type '" + scrub(str(bundle, "type"), 40) + "', not a searchset");
    try {
        if (const auto searched = targetsSearched(bundle); !searched.empty()) {
            std::vector<std::string> left;
            for (const auto& t : search.targets)
                if (!searched.count(t)) left.push_back(t);
            // Left out, their doses would read as never given: a patient vaccinated would be invited again.
            if (!left.empty())
                return Result::permanent("Immunisation FHIR API left " + join(left) +
                                         " out of the search: this application is not authorised to read them");
        }
        const auto entries = bundle->getArray("entry");
        if (entries.isNull() && bundle->has("entry") && !bundle->isNull("entry"))
            return malformed("has an entry that is not a list");
        for (size_t i = 0; entries && i < entries->size(); ++i) {
            const auto entry = entries->getObject(i);
            const auto resource = object(entry, "resource");
            const std::string kind = str(resource, "resourceType");
            if (kind == "Patient") {
                const auto ids = array(resource, "identifier");
                for (size_t k = 0; ids && k < ids->size(); ++k) {
                    const std::string nhs = nhsNumberOf(ids->getObject(k));
                    if (!nhs.empty() && nhs != search.nhsNumber) return malformed("is about another patient");
                }
            } else if (kind == "Immunization") {
                if (Result r = readImmunisation(resource, search, doses); !r.ok()) return r;
            }
            // Anything else (an OperationOutcome of warnings) says nothing about doses.
        }
    } catch (const Poco::Exception& e) {
        return malformed("has an unexpected shape: " + scrub(e.displayText()));
    }
    return Result::success();
}

} // namespace immunisation

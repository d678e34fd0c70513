// GET /Patient?identifier=..., GET /Patient/{id}/Appointment, and the coded-entry stand-in
// POST /Observation (not part of GP Connect: see connectors/gpconnect-fhir/schemas/README.md).
#include "Provider.h"

#include <Poco/JSON/Array.h>

namespace gpcsim {

void Provider::searchPatients(Call& c, Poco::Net::HTTPServerResponse& response) {
    const auto identifiers = c.values("identifier");
    if (identifiers.size() != 1) return fail(c, response, {400, "BAD_REQUEST", "identifier is required, once"});
    const auto bar = identifiers[0].find('|');
    if (bar == std::string::npos || identifiers[0].substr(0, bar) != "https://fhir.nhs.uk/Id/nhs-number")
        return fail(
            c, response,
            {400, "INVALID_IDENTIFIER_SYSTEM", "identifier must be https://fhir.nhs.uk/Id/nhs-number|<NHS number>"});
    const std::string nhs = identifiers[0].substr(bar + 1);
    if (!validNhsNumber(nhs)) return fail(c, response, {400, "INVALID_NHS_NUMBER", "the NHS number is not valid"});
    std::vector<Object::Ptr> found;
    if (const auto* p = book_.patientByNhs(nhs)) found.push_back(patientResource(*p));
    reply(c, response, 200, json(bundle(found, c.audience)));
}

void Provider::patientAppointments(Call& c, const std::string& patientId, Poco::Net::HTTPServerResponse& response) {
    if (!book_.patients.count(patientId))
        return fail(c, response, {404, "PATIENT_NOT_FOUND", "no Patient/" + patientId});
    std::optional<int64_t> from;
    std::optional<int64_t> to;
    for (const auto& v : c.values("start")) {
        if (v.rfind("ge", 0) == 0 && !from)
            from = parseFhirDate(v.substr(2));
        else if (v.rfind("le", 0) == 0 && !to)
            to = parseFhirDate(v.substr(2), true);
        else
            return fail(c, response, {422, "INVALID_PARAMETER", "start must be given as ge<date> and le<date>"});
    }
    if (!from || !to || *to < *from)
        return fail(c, response, {422, "INVALID_PARAMETER", "a start=ge<date> and start=le<date> range is required"});
    std::vector<Object::Ptr> found;
    for (const auto& id : book_.appointmentOrder) {
        const auto& a = book_.appointments.at(id);
        const auto start = parseFhirDate(stringAt(a.resource, "start"));
        if (a.patientId == patientId && start && *start >= *from && *start <= *to) found.push_back(a.resource);
    }
    reply(c, response, 200, json(bundle(found, c.audience)));
}

void Provider::createObservation(Call& c, const std::string& ifNoneExist, Poco::Net::HTTPServerResponse& response) {
    const auto invalid = [&](const std::string& why) { fail(c, response, {422, "INVALID_RESOURCE", why}); };
    auto o = parseObject(c.body);
    if (o.isNull() || stringAt(o, "resourceType") != "Observation") return invalid("the body must be an Observation");
    if (stringAt(o, "status") != "final") return invalid("Observation.status must be final");
    const auto codings = objectAt(o, "code").isNull() ? nullptr : objectAt(o, "code")->getArray("coding");
    const auto coding = codings.isNull() || codings->size() == 0 ? nullptr : codings->getObject(0);
    const std::string code = stringAt(coding, "code");
    if (stringAt(coding, "system") != "http://snomed.info/sct" || code.size() < 6 || code.size() > 18 ||
        code.find_first_not_of("0123456789") != std::string::npos || stringAt(coding, "display").empty())
        return invalid("Observation.code must carry a SNOMED CT concept id and its term");
    const std::string subject = stringAt(objectAt(o, "subject"), "reference");
    if (subject.rfind("Patient/", 0) != 0 || !book_.patients.count(subject.substr(8)))
        return fail(c, response, {404, "PATIENT_NOT_FOUND", "Observation.subject is not a known Patient"});
    if (!parseFhirDate(stringAt(o, "effectiveDateTime"))) return invalid("Observation.effectiveDateTime is required");

    std::string identifier;
    if (!ifNoneExist.empty()) {
        if (ifNoneExist.rfind("identifier=", 0) != 0)
            return fail(c, response, {400, "BAD_REQUEST", "If-None-Exist must be identifier=system|value"});
        identifier = ifNoneExist.substr(11);
        for (const auto& existing : book_.observations)
            if (existing.identifier == identifier) {
                o->set("id", existing.id);
                return reply(c, response, 200, json(o));
            }
    }
    const std::string id = "obs-" + std::to_string(book_.observations.size() + 1);
    book_.observations.push_back({id, subject.substr(8), code, stringAt(coding, "display"), identifier});
    o->set("id", id);
    response.set("Location", c.audience + "/Observation/" + id + "/_history/1");
    reply(c, response, 201, json(o), true);
}

} // namespace gpcsim

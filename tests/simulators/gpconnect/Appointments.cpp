// POST /Appointment (book), GET /Appointment/{id} (read), PUT /Appointment/{id} (cancel or amend, with
// If-Match), each with the rules a GP Connect provider applies.
#include "Provider.h"

#include <Poco/JSON/Array.h>

#include <algorithm>

namespace gpcsim {

namespace {

using Poco::JSON::Array;

constexpr const char* kCancellationReason =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1";
constexpr const char* kBookingOrganisation =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1";
constexpr const char* kAppointmentProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1";

size_t characters(const std::string& utf8) {
    return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(),
                                             [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
}

Array::Ptr arrayAt(const Object::Ptr& o, const std::string& key) { return o.isNull() ? nullptr : o->getArray(key); }

bool hasProfile(const Object::Ptr& resource) {
    const auto profiles = arrayAt(objectAt(resource, "meta"), "profile");
    for (size_t i = 0; profiles && i < profiles->size(); ++i)
        if (profiles->get(i).isString() && profiles->get(i).extract<std::string>() == kAppointmentProfile) return true;
    return false;
}

Object::Ptr extension(const Object::Ptr& resource, const std::string& url) {
    const auto list = arrayAt(resource, "extension");
    for (size_t i = 0; list && i < list->size(); ++i)
        if (stringAt(list->getObject(i), "url") == url) return list->getObject(i);
    return nullptr;
}

// The resource as text without the parts a change is allowed to touch, to compare what must not change.
std::string comparable(const Object::Ptr& resource, const std::vector<std::string>& mayChange) {
    Object::Ptr copy = parseObject(json(resource));
    for (const auto& key : mayChange)
        copy->remove(key);
    copy->remove("meta");
    Array::Ptr kept = new Array;
    const auto list = arrayAt(copy, "extension");
    for (size_t i = 0; list && i < list->size(); ++i)
        if (stringAt(list->getObject(i), "url") != kCancellationReason) kept->add(list->get(i));
    copy->set("extension", kept);
    return json(copy);
}

std::string etag(int version) { return "W/\"" + std::to_string(version) + "\""; }

} // namespace

void Provider::createAppointment(Call& c, Poco::Net::HTTPServerResponse& response) {
    const auto invalid = [&](const std::string& why) { fail(c, response, {422, "INVALID_RESOURCE", why}); };
    auto a = parseObject(c.body);
    if (a.isNull()) return fail(c, response, {400, "BAD_REQUEST", "the body is not a JSON object"});
    if (stringAt(a, "resourceType") != "Appointment") return invalid("the body must be an Appointment");
    if (a->has("id")) return invalid("a new Appointment must not carry an id");
    if (!hasProfile(a)) return invalid("meta.profile must include GPConnect-Appointment-1");
    if (stringAt(a, "status") != "booked") return invalid("status must be booked");
    if (a->has("reason")) return invalid("reason must not be sent");
    const std::string description = stringAt(a, "description");
    if (description.empty() || characters(description) > 100)
        return invalid("description is required, at most 100 characters");
    if (characters(stringAt(a, "comment")) > 500) return invalid("comment is at most 500 characters");
    if (!parseFhirDate(stringAt(a, "created"))) return invalid("created is required");
    const auto start = parseFhirDate(stringAt(a, "start"));
    const auto end = parseFhirDate(stringAt(a, "end"));
    if (!start || !end) return invalid("start and end are required instants");

    const auto slots = arrayAt(a, "slot");
    if (slots.isNull() || slots->size() == 0) return invalid("slot must reference the slot to book");
    if (slots->size() > 1) return invalid("this provider books one slot per appointment");
    const std::string slotRef = stringAt(slots->getObject(0), "reference");
    const auto slot = slotRef.rfind("Slot/", 0) == 0 ? book_.slots.find(slotRef.substr(5)) : book_.slots.end();
    if (slot == book_.slots.end())
        return fail(c, response, {422, "REFERENCE_NOT_FOUND", "the slot referenced does not exist"});
    if (*start != slot->second.start || *end != slot->second.end)
        return invalid("start and end do not match those of the slot");
    if (slot->second.start <= nowSeconds()) return invalid("the slot is in the past");
    const auto& schedule = book_.schedules.at(slot->second.scheduleId);

    std::string patientId;
    bool location = false;
    const auto participants = arrayAt(a, "participant");
    for (size_t i = 0; participants && i < participants->size(); ++i) {
        const std::string ref = stringAt(objectAt(participants->getObject(i), "actor"), "reference");
        if (ref.empty()) return invalid("every participant needs an actor reference");
        if (ref.rfind("Patient/", 0) == 0) {
            if (!patientId.empty()) return invalid("only one patient participant is allowed");
            patientId = ref.substr(8);
        } else if (ref.rfind("Location/", 0) == 0) {
            if (ref.substr(9) != schedule.locationId) return invalid("the Location is not the slot's");
            location = true;
        } else if (ref.rfind("Practitioner/", 0) == 0) {
            if (ref.substr(13) != schedule.practitionerId) return invalid("the Practitioner is not the slot's");
        }
    }
    if (patientId.empty()) return invalid("a patient participant is required");
    if (!location) return invalid("a location participant is required");
    if (!book_.patients.count(patientId))
        return fail(c, response, {404, "PATIENT_NOT_FOUND", "the patient participant is not a known Patient"});

    const auto bookingOrg = extension(a, kBookingOrganisation);
    const std::string orgRef = stringAt(objectAt(bookingOrg, "valueReference"), "reference");
    Object::Ptr org;
    const auto contained = arrayAt(a, "contained");
    for (size_t i = 0; contained && i < contained->size(); ++i)
        if (orgRef == "#" + stringAt(contained->getObject(i), "id")) org = contained->getObject(i);
    if (org.isNull() || stringAt(org, "resourceType") != "Organization")
        return invalid("the booking organisation extension must reference a contained Organization");
    if (stringAt(org, "name").empty() || arrayAt(org, "telecom").isNull() || arrayAt(org, "telecom")->size() == 0)
        return invalid("the booking Organization needs a name and a telecom");

    if (faults_.steal() && book_.steal(slot->first)) c.fault = "steal";
    if (slot->second.busy) return fail(c, response, {409, "DUPLICATE_REJECTED", "the slot is no longer free"});

    slot->second.busy = true;
    AppointmentRecord record;
    record.id = book_.newAppointmentId();
    record.status = "booked";
    record.patientId = patientId;
    record.slotId = slot->first;
    a->set("id", record.id);
    Object::Ptr meta = new Object;
    meta->set("versionId", "1");
    meta->set("lastUpdated", instant(nowSeconds(), book_.offsetMinutes));
    Array::Ptr profiles = new Array;
    profiles->add(kAppointmentProfile);
    meta->set("profile", profiles);
    a->set("meta", meta);
    record.resource = a;
    book_.appointmentOrder.push_back(record.id);
    book_.appointments[record.id] = record;

    response.set("Location", c.audience + "/Appointment/" + record.id + "/_history/1");
    response.set("ETag", etag(1));
    reply(c, response, 201, json(a), true);
}

void Provider::readAppointment(Call& c, const std::string& id, Poco::Net::HTTPServerResponse& response) {
    const auto it = book_.appointments.find(id);
    if (it == book_.appointments.end() || it->second.stolen)
        return fail(c, response, {404, "NO_RECORD_FOUND", "no Appointment/" + id});
    response.set("ETag", etag(it->second.version));
    reply(c, response, 200, json(it->second.resource));
}

void Provider::updateAppointment(Call& c, const std::string& id, const std::string& interaction,
                                 const std::string& ifMatch, Poco::Net::HTTPServerResponse& response) {
    const auto invalid = [&](const std::string& why) { fail(c, response, {422, "INVALID_RESOURCE", why}); };
    if (ifMatch.empty()) return fail(c, response, {400, "BAD_REQUEST", "If-Match with the version read is required"});
    auto body = parseObject(c.body);
    if (body.isNull() || stringAt(body, "resourceType") != "Appointment")
        return fail(c, response, {400, "BAD_REQUEST", "the body must be an Appointment"});
    if (stringAt(body, "id") != id) return fail(c, response, {400, "BAD_REQUEST", "the body's id is not the URL's"});
    const auto it = book_.appointments.find(id);
    if (it == book_.appointments.end() || it->second.stolen)
        return fail(c, response, {404, "NO_RECORD_FOUND", "no Appointment/" + id});
    auto& stored = it->second;
    if (ifMatch != etag(stored.version))
        return fail(c, response,
                    {409, "CONFLICT", "If-Match " + ifMatch + " is not the current version " + etag(stored.version)});
    if (!hasProfile(body)) return invalid("meta.profile must include GPConnect-Appointment-1");
    if (stored.status != "booked") return invalid("the appointment is " + stored.status);
    const auto start = parseFhirDate(stringAt(stored.resource, "start"));
    if (!start || *start <= nowSeconds()) return invalid("the appointment is in the past");

    const bool cancelling = interaction.find(":cancel:") != std::string::npos;
    if (cancelling) {
        if (stringAt(body, "status") != "cancelled") return invalid("a cancellation sets status to cancelled");
        if (stringAt(extension(body, kCancellationReason), "valueString").empty())
            return invalid("a cancellation needs the cancellation-reason extension");
        if (comparable(body, {"status"}) != comparable(stored.resource, {"status"}))
            return invalid("only status and the cancellation reason may change when cancelling");
    } else {
        if (stringAt(body, "status") != stored.status) return invalid("an amendment may not change status");
        if (characters(stringAt(body, "description")) > 100) return invalid("description is at most 100 characters");
        if (comparable(body, {"description", "comment"}) != comparable(stored.resource, {"description", "comment"}))
            return invalid("only description and comment may be amended");
    }

    ++stored.version;
    Object::Ptr meta = new Object;
    meta->set("versionId", std::to_string(stored.version));
    meta->set("lastUpdated", instant(nowSeconds(), book_.offsetMinutes));
    Array::Ptr profiles = new Array;
    profiles->add(kAppointmentProfile);
    meta->set("profile", profiles);
    body->set("meta", meta);
    stored.resource = body;
    if (cancelling) {
        stored.status = "cancelled";
        book_.slots.at(stored.slotId).busy = false;
    }
    response.set("ETag", etag(stored.version));
    reply(c, response, 200, json(body), true);
}

} // namespace gpcsim

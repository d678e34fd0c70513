#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include "Resources.h"

#include "FhirClient.h"
#include "FhirTime.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <map>

namespace gpconnect {

namespace {

using Poco::JSON::Array;

constexpr const char* kDeliveryChannel =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2";
constexpr const char* kBookingOrganisation =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1";
constexpr const char* kCancellationReason =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1";
constexpr const char* kNhsNumber = "https://fhir.nhs.uk/Id/nhs-number";

std::string str(const Object::Ptr& o, const std::string& key) {
    if (o.isNull() || !o->has(key) || o->isNull(key)) return {};
    const auto value = o->get(key);
    return value.isString() ? value.extract<std::string>() : std::string{};
}

Array::Ptr array(const Object::Ptr& o, const std::string& key) { return o.isNull() ? nullptr : o->getArray(key); }

Object::Ptr objectAt(const Array::Ptr& a, size_t i) { return a.isNull() ? nullptr : a->getObject(i); }

size_t sizeOf(const Array::Ptr& a) { return a.isNull() ? 0 : a->size(); }

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += ' ';
        out += p;
    }
    return out;
}

// A HumanName: the official one if marked, else the first. STU3 family is a string.
Object::Ptr chosenName(const Object::Ptr& resource) {
    const auto names = array(resource, "name");
    for (size_t i = 0; i < sizeOf(names); ++i)
        if (str(objectAt(names, i), "use") == "official") return objectAt(names, i);
    return objectAt(names, 0);
}

std::vector<std::string> strings(const Array::Ptr& a) {
    std::vector<std::string> out;
    for (size_t i = 0; i < sizeOf(a); ++i)
        if (a->get(i).isString()) out.push_back(a->get(i).extract<std::string>());
    return out;
}

std::string clinicianName(const Object::Ptr& practitioner) {
    const auto name = chosenName(practitioner);
    if (name.isNull()) return {};
    std::vector<std::string> parts = strings(array(name, "prefix"));
    for (auto& g : strings(array(name, "given")))
        parts.push_back(g);
    parts.push_back(str(name, "family"));
    return join(parts);
}

std::string key(const std::string& type, const std::string& id) { return type + "/" + id; }

Result malformed(const std::string& what, const std::string& problem) {
    return Result::permanent("GP Connect " + what + " reply: " + problem);
}

Object::Ptr reference(const std::string& ref, const std::string& display = {}) {
    Object::Ptr o = new Object;
    o->set("reference", ref);
    if (!display.empty()) o->set("display", display);
    return o;
}

Object::Ptr participant(const std::string& ref, const std::string& display = {}) {
    Object::Ptr p = new Object;
    p->set("actor", reference(ref, display));
    p->set("status", "accepted");
    return p;
}

Object::Ptr profile(const std::string& url) {
    Object::Ptr meta = new Object;
    Array::Ptr profiles = new Array;
    profiles->add(url);
    meta->set("profile", profiles);
    return meta;
}

} // namespace

std::string referenceId(const std::string& ref, const std::string& type) {
    const std::string marker = type + "/";
    size_t at = ref.rfind("/" + marker);
    at = at == std::string::npos ? (ref.rfind(marker, 0) == 0 ? 0 : std::string::npos) : at + 1;
    if (at == std::string::npos) return {};
    const size_t from = at + marker.size();
    return ref.substr(from, ref.find('/', from) - from);
}

std::string truncateUtf8(const std::string& text, size_t max) {
    if (text.size() <= max) return text;
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut);
}

Result readSlots(const Object::Ptr& bundle, std::vector<FoundSlot>& slots) {
    const std::string what = "slot search";
    try {
        std::map<std::string, Object::Ptr> byKey;
        std::vector<Object::Ptr> found;
        const auto entries = array(bundle, "entry");
        for (size_t i = 0; i < sizeOf(entries); ++i) {
            const auto resource = objectAt(entries, i).isNull() ? nullptr : objectAt(entries, i)->getObject("resource");
            if (resource.isNull()) return malformed(what, "entry " + std::to_string(i) + " has no resource");
            const std::string type = str(resource, "resourceType");
            byKey[key(type, str(resource, "id"))] = resource;
            if (type == "Slot") found.push_back(resource);
        }
        for (const auto& s : found) {
            const std::string id = str(s, "id");
            if (!fhirId(id)) return malformed(what, "a Slot has no usable id ('" + scrub(id, 70) + "')");
            if (str(s, "status") != "free") continue; // asked for free slots; anything else is not bookable
            const auto start = parseInstant(str(s, "start"));
            const auto end = parseInstant(str(s, "end"));
            if (!start)
                return malformed(what, "Slot/" + id + " start '" + scrub(str(s, "start"), 40) + "' is not an instant");
            // The slot id carries both as unsigned epoch seconds (SlotRef), and the hub counts its minutes in an
            // int: a slot before 1970 or longer than a day could be listed but never booked.
            if (*start < 0)
                return malformed(what, "Slot/" + id + " start '" + scrub(str(s, "start"), 40) + "' is before 1970");
            if (!end || *end <= *start || *end - *start > 24 * 3600)
                return malformed(what, "Slot/" + id + " end '" + scrub(str(s, "end"), 40) +
                                           "' is not an instant after its start, within a day");
            const std::string scheduleId = referenceId(str(s->getObject("schedule"), "reference"), "Schedule");
            const auto schedule = byKey.find(key("Schedule", scheduleId));
            if (scheduleId.empty() || schedule == byKey.end())
                return malformed(what, "Slot/" + id +
                                           " has no Schedule in the Bundle (was _include=Slot:schedule honoured?)");

            FoundSlot f;
            f.ref.slotId = id;
            f.ref.start = *start;
            f.ref.end = *end;
            const auto actors = array(schedule->second, "actor");
            for (size_t a = 0; a < sizeOf(actors); ++a) {
                const std::string ref = str(objectAt(actors, a), "reference");
                if (const auto loc = referenceId(ref, "Location"); !loc.empty()) f.ref.locationId = loc;
                if (const auto pr = referenceId(ref, "Practitioner"); !pr.empty()) f.ref.practitionerId = pr;
            }
            if (!fhirId(f.ref.locationId))
                return malformed(what, "Schedule/" + scheduleId + " names no Location, which a booking must give");
            if (!f.ref.practitionerId.empty() && !fhirId(f.ref.practitionerId)) f.ref.practitionerId.clear();

            const auto serviceType = objectAt(array(s, "serviceType"), 0);
            std::string type = str(serviceType, "text");
            if (type.empty()) type = str(objectAt(array(serviceType, "coding"), 0), "display");
            if (type.empty()) continue; // a slot of no type cannot match any rule's slot types

            f.slot.id = f.ref.encode();
            f.slot.slotType = type;
            f.slot.start = *start;
            f.slot.durationMinutes = static_cast<int>((*end - *start + 59) / 60);
            if (const auto loc = byKey.find(key("Location", f.ref.locationId)); loc != byKey.end())
                f.slot.location = str(loc->second, "name");
            if (const auto pr = byKey.find(key("Practitioner", f.ref.practitionerId)); pr != byKey.end())
                f.slot.clinician = clinicianName(pr->second);
            const auto extensions = array(s, "extension");
            for (size_t e = 0; e < sizeOf(extensions); ++e) {
                const auto ext = objectAt(extensions, e);
                if (str(ext, "url") == kDeliveryChannel) f.slot.telephone = str(ext, "valueCode") == "Telephone";
            }
            slots.push_back(std::move(f));
        }
    } catch (const Poco::Exception& e) {
        return malformed(what, "unexpected shape: " + scrub(e.displayText()));
    }
    return Result::success();
}

Result readPatient(const Object::Ptr& bundle, std::optional<clinhub::Patient>& patient) {
    const std::string what = "patient search";
    patient.reset();
    try {
        const auto entries = array(bundle, "entry");
        for (size_t i = 0; i < sizeOf(entries); ++i) {
            const auto resource = objectAt(entries, i).isNull() ? nullptr : objectAt(entries, i)->getObject("resource");
            if (resource.isNull() || str(resource, "resourceType") != "Patient") continue;
            clinhub::Patient p;
            p.bookId = str(resource, "id");
            if (!fhirId(p.bookId)) return malformed(what, "the Patient has no usable id");
            const auto ids = array(resource, "identifier");
            for (size_t n = 0; n < sizeOf(ids); ++n)
                if (str(objectAt(ids, n), "system") == kNhsNumber) p.nhsNumber = str(objectAt(ids, n), "value");
            p.dateOfBirth = str(resource, "birthDate");
            if (!p.dateOfBirth.empty() && !clinhub::kit::parseDate(p.dateOfBirth))
                return malformed(what, "the Patient's birthDate is not a full date");
            if (const auto name = chosenName(resource); !name.isNull()) {
                std::vector<std::string> parts = strings(array(name, "given"));
                parts.push_back(str(name, "family"));
                p.name = join(parts);
            }
            const auto telecom = array(resource, "telecom");
            for (size_t t = 0; t < sizeOf(telecom); ++t) {
                const auto contact = objectAt(telecom, t);
                if (str(contact, "system") != "phone" || str(contact, "use") != "mobile") continue;
                const auto mobile = clinhub::kit::checkUkMobile(str(contact, "value"));
                if (mobile.ok()) {
                    p.mobile = mobile.value;
                    break;
                }
            }
            patient = std::move(p);
            return Result::success();
        }
    } catch (const Poco::Exception& e) {
        return malformed(what, "unexpected shape: " + scrub(e.displayText()));
    }
    return Result::success();
}

Result readAppointment(const Object::Ptr& a, BookedAppointment& out) {
    const std::string what = "appointment";
    try {
        out = {};
        out.id = str(a, "id");
        if (!fhirId(out.id)) return malformed(what, "the Appointment has no usable id");
        out.version = str(a->getObject("meta"), "versionId");
        out.status = str(a, "status");
        if (out.status.empty()) return malformed(what, "Appointment/" + out.id + " has no status");
        const auto start = parseInstant(str(a, "start"));
        const auto end = parseInstant(str(a, "end"));
        if (!start || !end) return malformed(what, "Appointment/" + out.id + " has no start and end instants");
        out.start = *start;
        out.end = *end;
        const auto slots = array(a, "slot");
        for (size_t i = 0; i < sizeOf(slots); ++i)
            if (auto id = referenceId(str(objectAt(slots, i), "reference"), "Slot"); !id.empty())
                out.slotIds.push_back(std::move(id));
        const auto participants = array(a, "participant");
        for (size_t i = 0; i < sizeOf(participants); ++i) {
            const auto actor =
                objectAt(participants, i).isNull() ? nullptr : objectAt(participants, i)->getObject("actor");
            const std::string ref = str(actor, "reference");
            if (auto id = referenceId(ref, "Patient"); !id.empty()) out.patientId = id;
            if (!referenceId(ref, "Location").empty()) out.location = str(actor, "display");
            if (!referenceId(ref, "Practitioner").empty()) out.clinician = str(actor, "display");
        }
    } catch (const Poco::Exception& e) {
        return malformed(what, "unexpected shape: " + scrub(e.displayText()));
    }
    return Result::success();
}

Result readAppointments(const Object::Ptr& bundle, std::vector<BookedAppointment>& out) {
    const auto entries = array(bundle, "entry");
    for (size_t i = 0; i < sizeOf(entries); ++i) {
        const auto resource = objectAt(entries, i).isNull() ? nullptr : objectAt(entries, i)->getObject("resource");
        if (resource.isNull() || str(resource, "resourceType") != "Appointment") continue;
        BookedAppointment a;
        if (Result r = readAppointment(resource, a); !r.ok()) return r;
        out.push_back(std::move(a));
    }
    return Result::success();
}

Object::Ptr appointmentResource(const NewAppointment& a, const Organisation& bookedBy) {
    Object::Ptr org = new Object;
    org->set("resourceType", "Organization");
    org->set("id", "1");
    org->set("meta", profile("https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1"));
    Array::Ptr ids = new Array;
    Object::Ptr ods = new Object;
    ods->set("system", "https://fhir.nhs.uk/Id/ods-organization-code");
    ods->set("value", bookedBy.odsCode);
    ids->add(ods);
    org->set("identifier", ids);
    org->set("name", bookedBy.name);
    Array::Ptr telecom = new Array;
    Object::Ptr phone = new Object;
    phone->set("system", "phone");
    phone->set("value", bookedBy.telephone);
    telecom->add(phone);
    org->set("telecom", telecom);

    Object::Ptr appointment = new Object;
    appointment->set("resourceType", "Appointment");
    appointment->set("meta", profile("https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1"));
    Array::Ptr contained = new Array;
    contained->add(org);
    appointment->set("contained", contained);
    Array::Ptr extensions = new Array;
    Object::Ptr bookingOrg = new Object;
    bookingOrg->set("url", kBookingOrganisation);
    bookingOrg->set("valueReference", reference("#1"));
    extensions->add(bookingOrg);
    appointment->set("extension", extensions);
    appointment->set("status", "booked");
    // GP Connect asks consumers to keep the summary label to 100 characters and the comment to 500.
    appointment->set("description", truncateUtf8(a.description, 100));
    if (!a.comment.empty()) appointment->set("comment", truncateUtf8(a.comment, 500));
    appointment->set("start", formatInstant(a.slot.start));
    appointment->set("end", formatInstant(a.slot.end));
    Array::Ptr slots = new Array;
    slots->add(reference("Slot/" + a.slot.slotId));
    appointment->set("slot", slots);
    appointment->set("created", formatInstant(a.created));
    Array::Ptr participants = new Array;
    participants->add(participant("Patient/" + a.patientId));
    participants->add(participant("Location/" + a.slot.locationId, a.locationName));
    if (!a.slot.practitionerId.empty())
        participants->add(participant("Practitioner/" + a.slot.practitionerId, a.clinicianName));
    appointment->set("participant", participants);
    return appointment;
}

void markCancelled(Object::Ptr read, const std::string& reason) {
    read->set("status", "cancelled");
    Array::Ptr kept = new Array;
    const auto extensions = array(read, "extension");
    for (size_t i = 0; i < sizeOf(extensions); ++i)
        if (str(objectAt(extensions, i), "url") != kCancellationReason) kept->add(extensions->get(i));
    Object::Ptr ext = new Object;
    ext->set("url", kCancellationReason);
    ext->set("valueString", reason);
    kept->add(ext);
    read->set("extension", kept);
}

Object::Ptr observationResource(const std::string& patientId, const std::string& snomedCode, const std::string& term,
                                const std::string& identifierSystem, const std::string& identifier, int64_t now) {
    Object::Ptr o = new Object;
    o->set("resourceType", "Observation");
    Array::Ptr ids = new Array;
    Object::Ptr id = new Object;
    id->set("system", identifierSystem);
    id->set("value", identifier);
    ids->add(id);
    o->set("identifier", ids);
    o->set("status", "final");
    Object::Ptr coding = new Object;
    coding->set("system", "http://snomed.info/sct");
    coding->set("code", snomedCode);
    coding->set("display", term);
    Array::Ptr codings = new Array;
    codings->add(coding);
    Object::Ptr code = new Object;
    code->set("coding", codings);
    code->set("text", term);
    o->set("code", code);
    o->set("subject", reference("Patient/" + patientId));
    o->set("effectiveDateTime", formatInstant(now));
    o->set("issued", formatInstant(now));
    return o;
}

} // namespace gpconnect

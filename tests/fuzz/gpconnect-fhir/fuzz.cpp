// libFuzzer over GP Connect replies: the body parsed as FhirClient does (Poco's JSON parser, whose
// Poco::Exception is the documented refusal), then every reader of connectors/gpconnect-fhir/Resources.cpp,
// and SlotRef and FhirTime on the raw text. A reader returns a result, never throws; a slot it accepts can
// be booked (its id decodes to the same reference); an instant read formats and reads back the same.
#include "FhirTime.h"
#include "Resources.h"
#include "SlotRef.h"

#include "tests/fuzz/FuzzCheck.h"

#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>

namespace {

using namespace gpconnect;
using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

// 9999-12-31T23:59:59Z: the last instant formatInstant writes in four digits of year.
constexpr int64_t kLastInstant = 253402300799;

bool same(const SlotRef& a, const SlotRef& b) {
    return a.slotId == b.slotId && a.start == b.start && a.end == b.end && a.locationId == b.locationId &&
           a.practitionerId == b.practitionerId;
}

void checkText(const std::string& text) {
    if (const auto ref = SlotRef::decode(text)) {
        require(fhirId(ref->slotId) && fhirId(ref->locationId) && ref->start < ref->end);
        const auto again = SlotRef::decode(ref->encode());
        require(again && same(*again, *ref));
    }
    if (const auto at = parseInstant(text); at && *at >= 0 && *at <= kLastInstant)
        require(parseInstant(formatInstant(*at)) == at);
}

void readAll(const Object::Ptr& resource) {
    std::vector<FoundSlot> slots;
    requireResult(readSlots(resource, slots), "GP Connect slot search reply: ");
    for (const auto& s : slots) {
        const auto ref = SlotRef::decode(s.slot.id);
        require(ref && same(*ref, s.ref));
        require(s.slot.start == s.ref.start && s.slot.durationMinutes > 0 && !s.slot.slotType.empty());
    }
    std::optional<clinhub::Patient> patient;
    requireResult(readPatient(resource, patient), "GP Connect patient search reply: ");
    if (patient) require(fhirId(patient->bookId));
    BookedAppointment one;
    requireResult(readAppointment(resource, one), "GP Connect appointment reply: ");
    std::vector<BookedAppointment> appointments;
    requireResult(readAppointments(resource, appointments), "GP Connect appointment reply: ");
    for (const auto& a : appointments)
        require(fhirId(a.id) && !a.status.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    checkText(text);
    Poco::Dynamic::Var parsed;
    try {
        parsed = Poco::JSON::Parser().parse(text);
    } catch (const Poco::Exception&) {
        return 0;
    }
    if (parsed.type() == typeid(Object::Ptr)) readAll(parsed.extract<Object::Ptr>());
    return 0;
}

// The FHIR STU3 resources the connector reads and writes, as GP Connect profiles them. Readers are strict
// about what the connector relies on (a Slot without a start is a malformed reply, quoted) and lenient
// about everything else.
#pragma once

#include "Config.h"
#include "SlotRef.h"

#include <clinhub/plugin.hpp>

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

namespace gpconnect {

using clinhub::Result;
using Poco::JSON::Object;

// A free slot from a search: as the hub sees it (slot.id is the encoded SlotRef) and as the wire needs it.
struct FoundSlot {
    clinhub::Slot slot;
    SlotRef ref;
};

// Slots of a searchset Bundle with their Schedule, Practitioner and Location resolved. The slot type is
// Slot.serviceType[0].text (else its first coding's display): the practice's own slot type name.
Result readSlots(const Object::Ptr& bundle, std::vector<FoundSlot>& slots);

// The first Patient of a searchset Bundle, or nothing when the Bundle has none.
Result readPatient(const Object::Ptr& bundle, std::optional<clinhub::Patient>& patient);

struct BookedAppointment {
    std::string id;
    std::string version;
    std::string status; // booked, cancelled, ...
    std::string patientId;
    std::vector<std::string> slotIds;
    int64_t start = 0;
    int64_t end = 0;
    std::string location; // participant displays, when the provider gives them
    std::string clinician;
};

Result readAppointment(const Object::Ptr& appointment, BookedAppointment& out);
Result readAppointments(const Object::Ptr& bundle, std::vector<BookedAppointment>& out);

struct NewAppointment {
    SlotRef slot;
    std::string patientId;
    std::string description; // the summary label
    std::string comment;     // the hub's note
    std::string locationName;
    std::string clinicianName;
    int64_t created = 0;
};

// A GPConnect-Appointment-1 for POST /Appointment, with the booking organisation contained.
Object::Ptr appointmentResource(const NewAppointment& a, const Organisation& bookedBy);

// `read` turned into its own cancellation: status and the cancellation-reason extension, nothing else.
void markCancelled(Object::Ptr read, const std::string& reason);

// The coded entry as a FHIR STU3 Observation (see connectors/gpconnect-fhir/schemas/README.md: not GP Connect).
Object::Ptr observationResource(const std::string& patientId, const std::string& snomedCode, const std::string& term,
                                const std::string& identifierSystem, const std::string& identifier, int64_t now);

// The id in a reference to `type`: "Slot/12", "https://x/fhir/Slot/12/_history/3" -> "12"; "" if none.
std::string referenceId(const std::string& reference, const std::string& type);

// Text cut to at most `max` bytes without splitting a UTF-8 character.
std::string truncateUtf8(const std::string& text, size_t max);

} // namespace gpconnect

// The slot id the hub sees. GP Connect has no "read a slot": an Appointment must repeat the slot's start,
// end and Location, which only the search that found the slot returned. So the id carries them, and a
// booking needs no earlier search in the same process (the hub may run several, or restart in between):
//
//   <Slot id>~<start epoch s>~<end epoch s>~<Location id>[~<Practitioner id>]
//
// '~' cannot occur in a FHIR id ([A-Za-z0-9.-]{1,64}), so the parts split unambiguously. The provider
// still checks every part against its own slot when booking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gpconnect {

struct SlotRef {
    std::string slotId;
    int64_t start = 0;
    int64_t end = 0;
    std::string locationId;
    std::string practitionerId; // may be empty: a schedule need not name one

    [[nodiscard]] std::string encode() const;
    static std::optional<SlotRef> decode(const std::string& text);
};

// A FHIR logical id: 1-64 of [A-Za-z0-9.-].
bool fhirId(const std::string& id);

} // namespace gpconnect

// libFuzzer over the EMIS Partner API's reply payloads: SafeXml's parse (DOCTYPEs refused), then every
// reader of connectors/emis-xml/Wire.cpp on the soap:Body's response element. A reader returns a result,
// never throws; what it accepts is of the form the connector relies on.
#include "Wire.h"

#include "tests/fuzz/FuzzCheck.h"

#include <clinhub/kit/SafeXml.hpp>

#include <cstddef>
#include <cstdint>

namespace {

using namespace emisxml;
using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

const std::string kWhat = "EMIS reply";

// 24:00 is a time of day too (the end of one: parseTimeOfDay takes it), so 1440 is in range.
void checkMinute(int minute) { require(minute >= 0 && minute <= 24 * 60); }

void readAll(const pugi::xml_node& response) {
    std::vector<DiarySession> sessions;
    const auto r1 = readSessions(response, kWhat, sessions);
    requireResult(r1, kWhat);
    for (const auto& s : sessions) {
        require(isDbid(s.dbid));
        checkMinute(s.startMinute);
        checkMinute(s.endMinute);
    }
    std::vector<DiarySlot> slots;
    requireResult(readSlots(response, kWhat, slots), kWhat);
    for (const auto& s : slots) {
        require(isDbid(s.dbid) && !s.type.empty() && !s.status.empty() && s.length >= 0);
        checkMinute(s.startMinute);
    }
    std::vector<Booking> bookings;
    requireResult(readBookings(response, kWhat, bookings), kWhat);
    for (const auto& b : bookings)
        require(isDbid(b.slotId) && !b.type.empty());
    Booking one;
    requireResult(readBooking(clinhub::kit::child(response, "Appointment"), kWhat, one), kWhat);
    std::vector<MatchedPatient> patients;
    requireResult(readPatients(response, kWhat, patients), kWhat);
    for (const auto& p : patients) {
        require(isDbid(p.dbid) && p.nhsNumber.size() == 10 && p.dateOfBirth.size() == 10);
        require(p.mobile.empty() || p.mobile.starts_with("+447"));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    pugi::xml_document doc;
    const auto parsed = clinhub::kit::parseXml(text, doc, kWhat);
    requireResult(parsed, kWhat);
    if (!parsed.ok()) return 0;
    // The response element of an envelope, or whatever the root is, so the readers see both shapes.
    const pugi::xml_node body = clinhub::kit::child(doc.document_element(), "Body");
    readAll(body ? body.first_child() : doc.document_element());
    return 0;
}

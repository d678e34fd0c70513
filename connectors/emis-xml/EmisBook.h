// emis-xml: an EMIS Web appointment book through the Partner API.
//
// Slot ids are slot DBIDs; an appointment id is "<slot DBID>-<patient DBID>", which is what
// CancelAppointment needs. A patient is found by NHS number (GetMatchedPatient, remembered per NHS number)
// unless the hub gives the book's own id (Patient::bookId).
//
// A booking whose reply is lost (a timeout, a dropped connection, a 5xx, a garbled reply) may or may not
// have been made. It is never simply sent again: the patient's appointments are read first, and a booking
// found there is the answer. One that stays unresolved is remembered, so the next book() of the same
// slot for the same patient (the hub retrying) checks before it sends.
#pragma once

#include "Client.h"
#include "Config.h"
#include "Wire.h"

#include <clinhub/plugin.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>

namespace emisxml {

class EmisBook final : public clinhub::Connector, public clinhub::AppointmentBook {
public:
    EmisBook(const clinhub::Host& host, const std::string& configJson);

    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

    clinhub::Result slotTypes(clinhub::TimeRange range, std::vector<std::string>& types) override;
    clinhub::Result freeSlots(const std::string& slotType, clinhub::TimeRange range,
                              std::vector<clinhub::Slot>& slots) override;
    clinhub::Result book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note,
                         clinhub::Appointment& booked) override;
    clinhub::Result cancel(const std::string& appointmentId) override;
    clinhub::Result reschedule(const std::string& appointmentId, const std::string& newSlotId,
                               clinhub::Appointment& moved) override;
    clinhub::Result writeCode(const clinhub::Patient& patient, const std::string& snomedCode,
                              const std::string& term) override;
    clinhub::Result findPatient(const std::string& nhsNumber, std::optional<clinhub::Patient>& found) override;

private:
    clinhub::Result sessions(const std::string& slotType, clinhub::TimeRange range, std::vector<DiarySession>& out);
    clinhub::Result slotsOf(const std::vector<const DiarySession*>& sessions, std::vector<std::vector<DiarySlot>>& out);
    clinhub::Result patientId(const clinhub::Patient& patient, std::string& id);
    clinhub::Result matchPatient(const std::string& nhsNumber, std::optional<MatchedPatient>& found);
    clinhub::Result bookingOf(const std::string& patientId, const std::string& slotId, std::optional<Booking>& found);
    clinhub::Result sendBooking(const std::string& slotId, const std::string& patientId, const std::string& note,
                                clinhub::Appointment& booked);

    [[nodiscard]] int64_t epoch(std::chrono::sys_days date, int minute) const;
    [[nodiscard]] int64_t nowSeconds() const;
    [[nodiscard]] bool telephone(const std::string& slotType) const;
    [[nodiscard]] clinhub::Appointment appointment(const Booking& b, const std::string& patientId) const;

    bool unresolved(const std::string& key);
    void setUnresolved(const std::string& key, bool value);

    clinhub::Host host_;
    Config config_;
    Client client_;
    std::mutex mutex_;                              // guards the two maps below
    std::map<std::string, std::string> patientIds_; // NHS number -> patient DBID
    std::set<std::string> unresolved_;              // "slot/patient" bookings whose outcome is unknown
};

} // namespace emisxml

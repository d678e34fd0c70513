// The appointment book's tables and every read and change the AppointmentBook calls make.
//
// Each change is one BEGIN IMMEDIATE transaction that checks and writes, so a slot can be booked once
// however many threads or processes race for it.
#pragma once

#include "Database.h"
#include "Seed.h"

#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace localbook {

class BookStore {
public:
    explicit BookStore(const std::string& path);

    // Upserts the patients and adds the slots not there yet; booked slots are never touched.
    // Returns how many slots were added.
    size_t seed(const std::vector<SeedPatient>& patients, const std::vector<GeneratedSlot>& slots);

    std::vector<std::string> slotTypes(clinhub::TimeRange range);
    std::vector<clinhub::Slot> freeSlots(const std::string& slotType, clinhub::TimeRange range);
    clinhub::Result book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note,
                         int64_t now, clinhub::Appointment& booked);
    clinhub::Result cancel(const std::string& appointmentId, int64_t now);
    clinhub::Result reschedule(const std::string& appointmentId, const std::string& newSlotId, int64_t now,
                               clinhub::Appointment& moved);
    void writeCode(const clinhub::Patient& patient, const std::string& code, const std::string& term, int64_t now);
    std::optional<clinhub::Patient> findPatient(const std::string& nhsNumber);
    // Doses received against any of the targets, oldest first.
    std::vector<clinhub::Immunisation> immunisations(const std::string& nhsNumber,
                                                     const std::vector<std::string>& targets);

private:
    Database db_;
};

} // namespace localbook

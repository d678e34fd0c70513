// What the simulated SystmOne unit holds: registered patients, clinics with their slots, appointments and
// coded entries. Every call takes the one lock, so a slot is booked at most once however many client
// connections race for it. Failures come back as the protocol's ErrorMessage texts (kErr*).
#pragma once

#include <Poco/JSON/Array.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace systmone {

// The ErrorMessage texts the unit answers with; clients match them, so they never change.
inline constexpr const char* kErrSlotTaken = "Slot is already booked";
inline constexpr const char* kErrSlotPast = "Slot is in the past";
inline constexpr const char* kErrSlotNotFound = "Slot not found";
inline constexpr const char* kErrPatientNotFound = "Patient not found";
inline constexpr const char* kErrAppointmentNotFound = "Appointment not found";
inline constexpr const char* kErrAppointmentCancelled = "Appointment is cancelled";

struct Patient {
    std::string id; // the unit's own patient id
    std::string nhsNumber;
    std::string title;
    std::string firstName;
    std::string surname;
    std::string dateOfBirth;
    std::string mobile;
};

struct Clinic {
    std::string userName;
    std::string siteName;
    std::string clinicType;
};

struct Slot {
    std::string id;
    std::size_t clinic = 0;
    std::string slotType;
    int64_t start = 0;
    int minutes = 0;
    std::string appointment; // the AppointmentUID holding it; empty when free
};

struct Appointment {
    std::string uid;
    std::string status; // "Booked" or "Cancelled"
    std::string patientId;
    std::string nhsNumber;
    std::string notes;
    bool stolen = false; // taken by the steal fault, not by any client
    Slot slot;           // a copy, for replies
    Clinic clinic;
};

struct CodedEntry {
    std::string uid;
    std::string nhsNumber;
    std::string code;
    std::string term;
    std::string date;
};

struct SlotFilter {
    int64_t from = 0;                                     // inclusive
    int64_t to = 0;                                       // exclusive
    std::string siteName, userName, clinicType, slotType; // empty matches any
};

struct ClinicSlots {
    Clinic clinic;
    std::vector<Slot> slots;
};

// An appointment, or the ErrorMessage saying why not.
struct Outcome {
    std::string error;
    Appointment appointment;
};

class Book {
public:
    void addPatient(Patient p);
    std::size_t addClinic(Clinic c);
    void addSlot(std::size_t clinic, const std::string& slotType, int64_t start, int minutes);

    std::vector<ClinicSlots> freeSlots(const SlotFilter& filter) const;
    std::optional<Patient> patient(const std::string& nhsNumber) const;
    // nullopt when the patient is unknown.
    std::optional<std::vector<Appointment>> appointmentsOf(const std::string& nhsNumber) const;
    Outcome appointment(const std::string& uid) const;

    Outcome book(const std::string& nhsNumber, const std::string& slotId, const std::string& notes, int64_t now);
    Outcome cancel(const std::string& nhsNumber, const std::string& uid);
    Outcome move(const std::string& nhsNumber, const std::string& uid, const std::string& slotId, int64_t now);
    // The uid of the entry, or the error; `error` says which.
    Outcome addCode(const std::string& nhsNumber, const std::string& code, const std::string& term,
                    const std::string& date, std::string& uid);
    // Books the slot for nobody the client knows, if it is free: the steal fault.
    void steal(const std::string& slotId, int64_t now);

    Poco::JSON::Array appointmentsJson() const;
    Poco::JSON::Array recordsJson() const;
    Poco::JSON::Array slotsJson() const;

private:
    Outcome take(Slot& slot, const Patient* patient, const std::string& notes, bool stolen);

    mutable std::mutex mutex_;
    std::map<std::string, Patient> patients_; // by NHS number
    std::vector<Clinic> clinics_;
    std::map<std::string, Slot> slots_; // by id
    std::map<std::string, Appointment> appointments_;
    std::vector<CodedEntry> records_;
    long nextSlot_ = 200001;
    long nextAppointment_ = 1;
    long nextEntry_ = 1;
};

} // namespace systmone

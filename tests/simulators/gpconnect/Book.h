// The simulated practice: its patients, clinicians, locations and schedules from the fixture, the slots
// generated from tomorrow (UTC) on, and what has been booked and recorded since the start.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gpcsim {

struct PatientRecord {
    std::string id;
    std::string nhsNumber;
    std::string birthDate;
    std::string family;
    std::string given;
    std::string prefix;
    std::string mobile;
};

struct PractitionerRecord {
    std::string id;
    std::string family;
    std::string given;
    std::string prefix;
};

struct LocationRecord {
    std::string id;
    std::string name;
};

struct ScheduleRecord {
    std::string id;
    std::string locationId;
    std::string practitionerId; // may be empty
    std::string serviceType;
    std::string deliveryChannel; // In-person, Telephone, Video
};

struct SlotRecord {
    std::string id;
    std::string scheduleId;
    int64_t start = 0;
    int64_t end = 0;
    bool busy = false;
};

struct AppointmentRecord {
    std::string id;
    int version = 1;
    Poco::JSON::Object::Ptr resource; // as stored, with id and meta
    std::string status;
    std::string patientId;
    std::string slotId;
    bool stolen = false; // booked by someone else behind the hub's back
};

struct ObservationRecord {
    std::string id;
    std::string patientId;
    std::string code;
    std::string term;
    std::string identifier; // system|value, for conditional create
};

struct Book {
    // From the fixture.
    std::string providerAsid;
    std::set<std::string> consumerAsids;
    std::string odsCode;
    std::string organisationName;
    int offsetMinutes = 0; // how instants are written, e.g. +60 for "+01:00"
    std::string codedEntryInteraction;
    std::map<std::string, PatientRecord> patients; // by id
    std::map<std::string, PractitionerRecord> practitioners;
    std::map<std::string, LocationRecord> locations;
    std::map<std::string, ScheduleRecord> schedules;
    std::map<std::string, SlotRecord> slots;
    std::vector<std::string> slotOrder; // ids by start

    // Since the start.
    std::map<std::string, AppointmentRecord> appointments;
    std::vector<std::string> appointmentOrder;
    std::vector<ObservationRecord> observations;
    int nextAppointment = 1;

    // Throws std::runtime_error naming what is wrong in the fixture.
    static Book load(const std::string& fixtureFile);

    const PatientRecord* patientByNhs(const std::string& nhs) const;
    // A thief takes the slot: an appointment for nobody the hub knows. False if it was not free.
    bool steal(const std::string& slotId);
    std::string newAppointmentId() { return std::to_string(nextAppointment++); }
};

// The modulus 11 check of an NHS number (10 digits).
bool validNhsNumber(const std::string& nhs);

} // namespace gpcsim

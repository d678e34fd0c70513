// The Partner API's reply payloads read into plain structs. A field that is missing or not of its form
// makes the whole reply permanent-malformed, with a message naming the element and (except for patient
// details, which never go into a message) quoting the value.
#pragma once

#include <clinhub/plugin.hpp>

#include <pugixml.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace emisxml {

struct TypeCount {
    std::string description;
    int total = 0;
    int available = 0;
};

// <AppointmentSession>
struct DiarySession {
    std::string dbid;
    std::chrono::sys_days date;
    int startMinute = 0;
    int endMinute = 0;
    std::vector<TypeCount> types;
    std::string site;
    std::string clinician;
};

// <Slot>
struct DiarySlot {
    std::string dbid;
    std::chrono::sys_days date;
    int startMinute = 0;
    int length = 0;
    std::string type;
    std::string status;
};

// <Appointment>: a booked slot as GetPatientAppointments and BookAppointment give it.
struct Booking {
    std::string slotId;
    std::chrono::sys_days date;
    int startMinute = 0;
    int length = 0;
    std::string type;
    std::string site;
    std::string clinician;
    std::string reason;
    std::string bookingNote;
};

// <Patient> of GetMatchedPatient.
struct MatchedPatient {
    std::string dbid;
    std::string nhsNumber;
    std::string name;
    std::string dateOfBirth; // YYYY-MM-DD
    std::string mobile;      // E.164, or "" when EMIS holds none that is a UK mobile
};

// `what` names the reply in messages, e.g. "EMIS GetSlotsForSession reply".
clinhub::Result readSessions(const pugi::xml_node& response, const std::string& what, std::vector<DiarySession>& out);
clinhub::Result readSlots(const pugi::xml_node& response, const std::string& what, std::vector<DiarySlot>& out);
clinhub::Result readBooking(const pugi::xml_node& appointment, const std::string& what, Booking& out);
clinhub::Result readBookings(const pugi::xml_node& response, const std::string& what, std::vector<Booking>& out);
clinhub::Result readPatients(const pugi::xml_node& response, const std::string& what, std::vector<MatchedPatient>& out);

bool isDbid(const std::string& text);

// A value for a message: at most 40 characters, in quotes. Never for patient details.
std::string quote(const std::string& text);

} // namespace emisxml

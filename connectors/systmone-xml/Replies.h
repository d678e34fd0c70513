// Reads the Response of each call into the SDK's types, checking every field the hub relies on. A field
// that is missing or unreadable makes the reply permanent-malformed, with a message naming it (and quoting
// it, unless it is patient data).
#pragma once

#include "Config.h"

#include <clinhub/plugin.hpp>

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <vector>

namespace systmonexml {

// GetAppointmentSlots: every Clinic's Slot, with the clinic's clinician, site and telephone flag.
clinhub::Result readSlots(const pugi::xml_node& response, const Config& config, std::vector<clinhub::Slot>& slots);

struct AppointmentRecord {
    clinhub::Appointment appointment;
    bool booked = false; // Status Booked, not Cancelled
    std::string nhsNumber;
};

// The Appointment elements of a Response (UpdatePatientRecord, GetAppointmentDetails, GetPatientAppointments).
clinhub::Result readAppointments(const pugi::xml_node& response, const std::string& what, const Config& config,
                                 std::vector<AppointmentRecord>& appointments);

// PatientSearch: the Patient with this NHS number, if the Response holds one. `today` (YYYY-MM-DD) bounds
// the date of birth.
clinhub::Result readPatient(const pugi::xml_node& response, const std::string& nhsNumber, const std::string& today,
                            std::optional<clinhub::Patient>& patient);

} // namespace systmonexml

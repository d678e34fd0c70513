// The FunctionParameters of each call the connector makes, as XML text (values escaped).
#pragma once

#include <string>

namespace systmonexml {

struct SlotQuery {
    std::string minDateTime, maxDateTime;
    std::string siteName, userName, clinicType, slotType; // empty: any
};

std::string getAppointmentSlots(const SlotQuery& q);
std::string patientSearch(const std::string& nhsNumber);
std::string getPatientAppointments(const std::string& nhsNumber);
std::string getAppointmentDetails(const std::string& appointmentUid);
std::string bookAppointment(const std::string& nhsNumber, const std::string& slotId, const std::string& notes);
std::string cancelAppointment(const std::string& nhsNumber, const std::string& appointmentUid);
std::string moveAppointment(const std::string& nhsNumber, const std::string& appointmentUid, const std::string& slotId);
std::string codedEntry(const std::string& nhsNumber, const std::string& snomedCode, const std::string& term,
                       const std::string& date);

} // namespace systmonexml

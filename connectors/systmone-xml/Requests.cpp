#include "Requests.h"

#include <clinhub/kit/SafeXml.hpp>

namespace systmonexml {

namespace {

using clinhub::kit::xmlEscape;

std::string element(const char* name, const std::string& value) {
    return std::string("<") + name + ">" + xmlEscape(value) + "</" + name + ">";
}

std::string optional(const char* name, const std::string& value) {
    return value.empty() ? std::string() : element(name, value);
}

std::string update(const std::string& nhsNumber, const std::string& body) {
    return "<Identity>" + element("NHSNumber", nhsNumber) + "</Identity>" + body;
}

std::string appointment(const std::string& fields) {
    return "<NonClinical><Appointment>" + fields + "</Appointment></NonClinical>";
}

} // namespace

std::string getAppointmentSlots(const SlotQuery& q) {
    return element("MinDateTime", q.minDateTime) + element("MaxDateTime", q.maxDateTime) +
           optional("SiteName", q.siteName) + optional("UserName", q.userName) + optional("ClinicType", q.clinicType) +
           optional("SlotType", q.slotType);
}

std::string patientSearch(const std::string& nhsNumber) { return element("NHSNumber", nhsNumber); }

std::string getPatientAppointments(const std::string& nhsNumber) { return element("NHSNumber", nhsNumber); }

std::string getAppointmentDetails(const std::string& appointmentUid) {
    return element("AppointmentUID", appointmentUid);
}

std::string bookAppointment(const std::string& nhsNumber, const std::string& slotId, const std::string& notes) {
    return update(nhsNumber,
                  appointment(element("Action", "Book") + element("SlotID", slotId) + optional("Notes", notes)));
}

std::string cancelAppointment(const std::string& nhsNumber, const std::string& appointmentUid) {
    return update(nhsNumber, appointment(element("Action", "Cancel") + element("AppointmentUID", appointmentUid)));
}

std::string moveAppointment(const std::string& nhsNumber, const std::string& appointmentUid,
                            const std::string& slotId) {
    return update(nhsNumber, appointment(element("Action", "Move") + element("AppointmentUID", appointmentUid) +
                                         element("SlotID", slotId)));
}

std::string codedEntry(const std::string& nhsNumber, const std::string& snomedCode, const std::string& term,
                       const std::string& date) {
    return update(nhsNumber, "<Clinical><CodedEntry>" + element("Code", snomedCode) + element("Term", term) +
                                 element("Date", date) + "</CodedEntry></Clinical>");
}

} // namespace systmonexml

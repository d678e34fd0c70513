#include "Functions.h"

#include "WallClock.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace systmone {

namespace {

std::string param(const pugi::xml_node& params, const char* name) { return params.child(name).text().get(); }

std::string invalid(const std::string& name) { return "Invalid parameter: " + name; }

bool validNhsNumber(const std::string& n) {
    if (n.size() != 10 || !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    int sum = 0;
    for (int i = 0; i < 9; ++i)
        sum += (n[i] - '0') * (10 - i);
    const int check = (11 - sum % 11) % 11;
    return check != 10 && check == n[9] - '0';
}

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

void add(pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).text().set(value.c_str());
}

void addAppointment(pugi::xml_node parent, const Appointment& a) {
    auto n = parent.append_child("Appointment");
    add(n, "AppointmentUID", a.uid);
    add(n, "Status", a.status);
    add(n, "NHSNumber", a.nhsNumber);
    add(n, "PatientID", a.patientId);
    add(n, "SlotID", a.slot.id);
    add(n, "SlotType", a.slot.slotType);
    add(n, "DateTimeStart", formatLocal(a.slot.start));
    add(n, "Duration", std::to_string(a.slot.minutes));
    add(n, "UserName", a.clinic.userName);
    add(n, "SiteName", a.clinic.siteName);
    add(n, "ClinicType", a.clinic.clinicType);
    add(n, "Notes", a.notes);
}

std::string answer(Call& call, const Outcome& o) {
    if (!o.error.empty()) return o.error;
    addAppointment(call.response, o.appointment);
    return {};
}

std::string getAppointmentSlots(Call& call) {
    const auto from = parseLocal(param(call.params, "MinDateTime"));
    if (!from) return invalid("MinDateTime");
    const auto to = parseLocal(param(call.params, "MaxDateTime"));
    if (!to || *to <= *from) return invalid("MaxDateTime");
    const SlotFilter filter{*from,
                            *to,
                            param(call.params, "SiteName"),
                            param(call.params, "UserName"),
                            param(call.params, "ClinicType"),
                            param(call.params, "SlotType")};
    for (const auto& c : call.book.freeSlots(filter)) {
        auto clinic = call.response.append_child("Clinic");
        add(clinic, "UserName", c.clinic.userName);
        add(clinic, "SiteName", c.clinic.siteName);
        add(clinic, "ClinicType", c.clinic.clinicType);
        for (const auto& s : c.slots) {
            auto slot = clinic.append_child("Slot");
            add(slot, "SlotID", s.id);
            add(slot, "SlotType", s.slotType);
            add(slot, "DateTimeStart", formatLocal(s.start));
            add(slot, "Duration", std::to_string(s.minutes));
        }
    }
    return {};
}

std::string patientSearch(Call& call) {
    const std::string nhs = param(call.params, "NHSNumber");
    if (!validNhsNumber(nhs)) return invalid("NHSNumber");
    const auto p = call.book.patient(nhs);
    if (!p) return kErrPatientNotFound;
    auto n = call.response.append_child("Patient");
    add(n, "PatientID", p->id);
    add(n, "NHSNumber", p->nhsNumber);
    add(n, "Title", p->title);
    add(n, "FirstName", p->firstName);
    add(n, "Surname", p->surname);
    add(n, "DateOfBirth", p->dateOfBirth);
    add(n, "Mobile", p->mobile);
    return {};
}

std::string getPatientAppointments(Call& call) {
    const std::string nhs = param(call.params, "NHSNumber");
    if (!validNhsNumber(nhs)) return invalid("NHSNumber");
    const auto list = call.book.appointmentsOf(nhs);
    if (!list) return kErrPatientNotFound;
    for (const auto& a : *list)
        addAppointment(call.response, a);
    return {};
}

std::string getAppointmentDetails(Call& call) {
    const std::string uid = param(call.params, "AppointmentUID");
    if (uid.empty()) return invalid("AppointmentUID");
    return answer(call, call.book.appointment(uid));
}

std::string updateAppointment(Call& call, const std::string& nhs, const pugi::xml_node& a) {
    const std::string action = param(a, "Action");
    const std::string slot = param(a, "SlotID");
    const std::string uid = param(a, "AppointmentUID");
    if (action == "Book") {
        if (slot.empty()) return invalid("SlotID");
        if (call.faults.steal()) call.book.steal(slot, now());
        return answer(call, call.book.book(nhs, slot, param(a, "Notes"), now()));
    }
    if (action == "Cancel") {
        if (uid.empty()) return invalid("AppointmentUID");
        return answer(call, call.book.cancel(nhs, uid));
    }
    if (action == "Move") {
        if (uid.empty()) return invalid("AppointmentUID");
        if (slot.empty()) return invalid("SlotID");
        if (call.faults.steal()) call.book.steal(slot, now());
        return answer(call, call.book.move(nhs, uid, slot, now()));
    }
    return invalid("Action");
}

std::string addCodedEntry(Call& call, const std::string& nhs, const pugi::xml_node& e) {
    const std::string code = param(e, "Code");
    const std::string term = param(e, "Term");
    std::string date = param(e, "Date");
    if (code.size() < 6 || code.size() > 18 ||
        !std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); }))
        return invalid("Code");
    if (term.empty()) return invalid("Term");
    if (date.empty()) date = localToday();
    std::string uid;
    const Outcome o = call.book.addCode(nhs, code, term, date, uid);
    if (!o.error.empty()) return o.error;
    add(call.response, "CodedEntryUID", uid);
    return {};
}

std::string updatePatientRecord(Call& call) {
    const std::string nhs = call.params.child("Identity").child("NHSNumber").text().get();
    if (!validNhsNumber(nhs)) return invalid("Identity/NHSNumber");
    const auto appointment = call.params.child("NonClinical").child("Appointment");
    const auto entry = call.params.child("Clinical").child("CodedEntry");
    if (appointment && entry) return invalid("one of NonClinical/Appointment or Clinical/CodedEntry per request");
    if (appointment) return updateAppointment(call, nhs, appointment);
    if (entry) return addCodedEntry(call, nhs, entry);
    return invalid("NonClinical/Appointment or Clinical/CodedEntry");
}

} // namespace

const std::map<std::string, Function>& functions() {
    static const std::map<std::string, Function> all{
        {"GetAppointmentSlots", getAppointmentSlots},       {"PatientSearch", patientSearch},
        {"GetPatientAppointments", getPatientAppointments}, {"GetAppointmentDetails", getAppointmentDetails},
        {"UpdatePatientRecord", updatePatientRecord},
    };
    return all;
}

bool changesRecord(const std::string& function) { return function == "UpdatePatientRecord"; }

} // namespace systmone

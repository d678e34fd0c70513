// The calls of the Partner API, each checking its parameters as EMIS does and answering from the diary.
// The caller holds the diary's mutex.
#include "Protocol.h"

#include <clinhub/kit/Identity.hpp>

#include <algorithm>
#include <cstdio>

namespace emissim {

namespace {

using namespace std::chrono;
namespace kit = clinhub::kit;

long dbidParam(const pugi::xml_node& call, const char* name) {
    const std::string text = param(call, name);
    if (text.empty()) throw Refusal(std::string("Missing parameter ") + name);
    if (text.size() > 12 || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
        throw Refusal(std::string("Invalid ") + name);
    return std::stol(text);
}

sys_days dateParam(const pugi::xml_node& call, const char* name) {
    const auto d = kit::parseDate(param(call, name));
    if (!d) throw Refusal(std::string("Invalid date in ") + name);
    return sys_days(*d);
}

std::string randomHex(std::mt19937& random, int bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        const auto b = random() & 0xff;
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

} // namespace

std::string Protocol::logon(const pugi::xml_node& call) {
    const Credentials& c = diary_.credentials();
    if (param(call, "UserName") != c.user || param(call, "Password") != c.password) throw Refusal("Access denied");
    std::lock_guard lock(mutex_);
    const std::string id = randomHex(random_, 16);
    sessions_[id] = steady_clock::now();
    return success("Logon", element("SessionId", id));
}

std::string Protocol::siteXml(long site) const {
    const Site& s = diary_.site(site);
    return "<Site>" + element("DBID", std::to_string(s.dbid)) + element("Name", s.name) + "</Site>";
}

std::string Protocol::holdersXml(const Session& s) const {
    std::string out = "<HolderList>";
    for (const long id : s.holders) {
        const Holder& h = diary_.holder(id);
        out += "<Holder>" + element("DBID", std::to_string(h.dbid)) + element("Title", h.title) +
               element("FirstNames", h.firstNames) + element("LastName", h.lastName) + "</Holder>";
    }
    return out + "</HolderList>";
}

std::string Protocol::sessionXml(const Session& s) const {
    struct Counts {
        int total = 0, booked = 0, blocked = 0, embargoed = 0, available = 0;
    };
    std::map<long, Counts> byType;
    for (const long id : s.slots) {
        const Slot& slot = diary_.slot(id);
        Counts& c = byType[slot.type];
        ++c.total;
        if (slot.status == SlotStatus::booked) ++c.booked;
        if (slot.status == SlotStatus::blocked) ++c.blocked;
        if (slot.status == SlotStatus::embargoed) ++c.embargoed;
        if (slot.status == SlotStatus::available) ++c.available;
    }
    std::string types = "<SlotTypeList>";
    for (const auto& [type, c] : byType) {
        types += "<SlotType>" + element("TypeID", std::to_string(type)) +
                 element("Description", diary_.slotType(type).description) + element("Total", std::to_string(c.total)) +
                 element("Booked", std::to_string(c.booked)) + element("Blocked", std::to_string(c.blocked)) +
                 element("Embargoed", std::to_string(c.embargoed)) + element("Available", std::to_string(c.available)) +
                 "</SlotType>";
    }
    types += "</SlotTypeList>";
    return "<AppointmentSession>" + element("DBID", std::to_string(s.dbid)) + element("Name", s.name) +
           element("Date", kit::isoDate(s.date)) + element("StartTime", hhmm(s.startMinute)) +
           element("EndTime", hhmm(s.endMinute)) + element("SlotLength", std::to_string(s.slotLength)) + types +
           siteXml(s.site) + holdersXml(s) + "</AppointmentSession>";
}

std::string Protocol::slotXml(const Slot& s) const {
    const SlotType& t = diary_.slotType(s.type);
    return "<Slot>" + element("DBID", std::to_string(s.dbid)) + element("RefID", std::to_string(s.refId)) +
           element("Date", kit::isoDate(diary_.session(s.session).date)) + element("StartTime", hhmm(s.startMinute)) +
           element("SlotLength", std::to_string(s.length)) + "<Type>" + element("TypeID", std::to_string(t.id)) +
           element("Description", t.description) + "</Type>" + element("Status", toString(s.status)) +
           element("Notes", "") + "</Slot>";
}

std::string Protocol::appointmentXml(const Slot& s) const {
    const Session& session = diary_.session(s.session);
    const SlotType& t = diary_.slotType(s.type);
    return "<Appointment>" + element("SlotID", std::to_string(s.dbid)) +
           element("SessionID", std::to_string(s.session)) + element("Date", kit::isoDate(session.date)) +
           element("StartTime", hhmm(s.startMinute)) + element("SlotLength", std::to_string(s.length)) + "<Type>" +
           element("TypeID", std::to_string(t.id)) + element("Description", t.description) + "</Type>" +
           siteXml(session.site) + holdersXml(session) + element("Reason", s.reason) +
           element("BookingNote", s.bookingNote) + "</Appointment>";
}

std::string Protocol::appointmentSessions(const pugi::xml_node& call) {
    const sys_days from = dateParam(call, "StartDate");
    const sys_days to = dateParam(call, "EndDate");
    if (to < from) throw Refusal("EndDate is before StartDate");
    std::string out = "<AppointmentSessionList>";
    for (const Session* s : diary_.sessions(param(call, "SlotType"), from, to))
        out += sessionXml(*s);
    return success("GetAppointmentSessions", out + "</AppointmentSessionList>");
}

std::string Protocol::slotsForSession(const pugi::xml_node& call) {
    const Session& s = diary_.session(dbidParam(call, "SessionDBID"));
    std::string out = "<SlotList>";
    for (const long id : s.slots)
        out += slotXml(diary_.slot(id));
    return success("GetSlotsForSession", out + "</SlotList>");
}

std::string Protocol::matchedPatient(const pugi::xml_node& call) {
    const std::string nhs = param(call, "NhsNumber");
    const auto checked = kit::checkNhsNumber(nhs);
    if (!checked.ok() || checked.value != nhs) throw Refusal("Invalid NHS number");
    std::string out = "<PatientList>";
    for (const Patient* p : diary_.matchPatients(nhs)) {
        out += "<Patient>" + element("DBID", std::to_string(p->dbid)) + element("NhsNumber", p->nhsNumber) +
               element("Title", p->title) + element("FirstNames", p->firstNames) +
               element("FamilyName", p->familyName) + element("DateOfBirth", p->dateOfBirth) +
               element("Mobile", p->mobile) + "</Patient>";
    }
    return success("GetMatchedPatient", out + "</PatientList>");
}

std::string Protocol::patientAppointments(const pugi::xml_node& call) {
    const long patient = dbidParam(call, "PatientId");
    (void)diary_.patient(patient);
    std::string out = "<AppointmentList>";
    for (const Slot* s : diary_.appointmentsOf(patient))
        out += appointmentXml(*s);
    return success("GetPatientAppointments", out + "</AppointmentList>");
}

std::string Protocol::bookAppointment(const pugi::xml_node& call) {
    const long slot = dbidParam(call, "SlotId");
    const long patient = dbidParam(call, "PatientId");
    if (faults_.steal()) diary_.steal(slot);
    const Slot& booked = diary_.book(slot, patient, param(call, "Reason"), param(call, "BookingNote"));
    return success("BookAppointment", appointmentXml(booked));
}

std::string Protocol::cancelAppointment(const pugi::xml_node& call) {
    diary_.cancel(dbidParam(call, "SlotId"), dbidParam(call, "PatientId"));
    return success("CancelAppointment", "");
}

std::string Protocol::fileRecord(const pugi::xml_node& call) {
    const long patient = dbidParam(call, "PatientId");
    const pugi::xml_node events = childNamed(childNamed(call, "MedicalRecord"), "EventList");
    if (!childNamed(events, "Event")) throw Refusal("MedicalRecord has no Event");
    for (pugi::xml_node e = events.first_child(); e; e = e.next_sibling()) {
        if (e.type() != pugi::node_element) continue;
        const pugi::xml_node code = childNamed(e, "Code");
        if (param(code, "Scheme") != "SNOMED") throw Refusal("Unsupported code scheme");
        if (!kit::parseDate(param(e, "AssignedDate"))) throw Refusal("Invalid date in AssignedDate");
        diary_.file({patient, param(e, "GUID"), param(e, "AssignedDate"), param(code, "Value"), param(code, "Term")});
    }
    return success("FileRecord", "");
}

} // namespace emissim

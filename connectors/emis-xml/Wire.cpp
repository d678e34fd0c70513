#include "Wire.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/SafeXml.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace emisxml {

namespace {

using clinhub::Result;
using clinhub::kit::child;
using clinhub::kit::childText;
namespace kit = clinhub::kit;

const char* localName(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon == nullptr ? name : colon + 1;
}

// Calls f(element, position from 1) for each child element named `local`, stopping at the first failure.
template <class F> Result each(const pugi::xml_node& list, const char* local, F&& f) {
    int n = 0;
    for (pugi::xml_node e = list.first_child(); e; e = e.next_sibling()) {
        if (e.type() != pugi::node_element || std::strcmp(localName(e.name()), local) != 0) continue;
        if (Result r = f(e, ++n); !r.ok()) return r;
    }
    return Result::success();
}

// Reads one field of an element; the message says which element, which field and what was there.
class Reader {
public:
    Reader(const pugi::xml_node& node, std::string where) : node_(node), where_(std::move(where)) {}

    Result text(const char* name, std::string& out, bool required = true) const {
        out = childText(node_, name);
        if (required && out.empty()) return missing(name);
        return Result::success();
    }
    Result dbid(const char* name, std::string& out) const {
        if (Result r = text(name, out); !r.ok()) return r;
        return isDbid(out) ? Result::success() : bad(name, out);
    }
    Result number(const char* name, int& out) const {
        std::string t;
        if (Result r = text(name, t); !r.ok()) return r;
        if (t.size() > 6 || !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
            return bad(name, t);
        out = std::stoi(t);
        return Result::success();
    }
    Result date(const char* name, std::chrono::sys_days& out) const {
        std::string t;
        if (Result r = text(name, t); !r.ok()) return r;
        // EMIS writes dates either bare or as midnight date-times.
        const auto d = kit::parseDate(t.size() > 10 && t[10] == 'T' ? t.substr(0, 10) : t);
        if (!d) return bad(name, t);
        out = std::chrono::sys_days(*d);
        return Result::success();
    }
    Result time(const char* name, int& minute) const {
        std::string t;
        if (Result r = text(name, t); !r.ok()) return r;
        const bool seconds = t.size() == 8 && t[5] == ':' && t.substr(6) == "00";
        const auto m = kit::parseTimeOfDay(seconds ? t.substr(0, 5) : t);
        if (!m) return bad(name, t);
        minute = *m;
        return Result::success();
    }
    [[nodiscard]] Result missing(const char* name) const { return Result::permanent(where_ + " has no " + name); }
    [[nodiscard]] Result bad(const char* name, const std::string& value) const {
        return Result::permanent(where_ + " has a bad " + name + " " + quote(value));
    }
    // For patient details: say which field, never what it held.
    [[nodiscard]] Result badPrivate(const char* name) const {
        return Result::permanent(where_ + " has a " + name + " that is not valid");
    }

private:
    pugi::xml_node node_;
    std::string where_;
};

std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += separator;
        out += p;
    }
    return out;
}

std::string siteOf(const pugi::xml_node& node) {
    const pugi::xml_node site = child(node, "Site");
    const std::string name = childText(site, "Name");
    return name.empty() && !child(site, "Name") ? childText(node, "Site") : name;
}

std::string cliniciansOf(const pugi::xml_node& node) {
    std::vector<std::string> names;
    each(child(node, "HolderList"), "Holder", [&](const pugi::xml_node& h, int) {
        names.push_back(joined({childText(h, "Title"), childText(h, "FirstNames"), childText(h, "LastName")}, " "));
        return Result::success();
    });
    return joined(names, ", ");
}

pugi::xml_node list(const pugi::xml_node& response, const char* name) { return child(response, name); }

} // namespace

std::string quote(const std::string& text) { return "'" + text.substr(0, 40) + "'"; }

bool isDbid(const std::string& text) {
    return !text.empty() && text.size() <= 18 &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

Result readSessions(const pugi::xml_node& response, const std::string& what, std::vector<DiarySession>& out) {
    const pugi::xml_node sessions = list(response, "AppointmentSessionList");
    if (!sessions) return Result::permanent(what + " has no AppointmentSessionList");
    return each(sessions, "AppointmentSession", [&](const pugi::xml_node& e, int n) {
        const Reader read(e, what + ": AppointmentSession " + std::to_string(n));
        DiarySession s;
        Result r = read.dbid("DBID", s.dbid);
        if (r.ok()) r = read.date("Date", s.date);
        if (r.ok()) r = read.time("StartTime", s.startMinute);
        if (r.ok()) r = read.time("EndTime", s.endMinute);
        if (!r.ok()) return r;
        Result types = each(child(e, "SlotTypeList"), "SlotType", [&](const pugi::xml_node& t, int k) {
            const Reader type(t, what + ": AppointmentSession " + std::to_string(n) + " SlotType " + std::to_string(k));
            TypeCount c;
            Result tr = type.text("Description", c.description);
            if (tr.ok()) tr = type.number("Total", c.total);
            if (tr.ok()) tr = type.number("Available", c.available);
            if (tr.ok()) s.types.push_back(c);
            return tr;
        });
        if (!types.ok()) return types;
        s.site = siteOf(e);
        s.clinician = cliniciansOf(e);
        out.push_back(std::move(s));
        return Result::success();
    });
}

Result readSlots(const pugi::xml_node& response, const std::string& what, std::vector<DiarySlot>& out) {
    const pugi::xml_node slots = list(response, "SlotList");
    if (!slots) return Result::permanent(what + " has no SlotList");
    return each(slots, "Slot", [&](const pugi::xml_node& e, int n) {
        const Reader read(e, what + ": Slot " + std::to_string(n));
        DiarySlot s;
        Result r = read.dbid("DBID", s.dbid);
        if (r.ok()) r = read.date("Date", s.date);
        if (r.ok()) r = read.time("StartTime", s.startMinute);
        if (r.ok()) r = read.number("SlotLength", s.length);
        if (r.ok()) r = read.text("Status", s.status);
        if (!r.ok()) return r;
        s.type = childText(child(e, "Type"), "Description");
        if (s.type.empty()) return read.missing("Type/Description");
        out.push_back(std::move(s));
        return Result::success();
    });
}

Result readBooking(const pugi::xml_node& e, const std::string& what, Booking& b) {
    if (!e) return Result::permanent(what + " has no Appointment");
    const Reader read(e, what);
    Result r = read.dbid("SlotID", b.slotId);
    if (r.ok()) r = read.date("Date", b.date);
    if (r.ok()) r = read.time("StartTime", b.startMinute);
    if (r.ok()) r = read.number("SlotLength", b.length);
    if (!r.ok()) return r;
    b.type = childText(child(e, "Type"), "Description");
    if (b.type.empty()) return read.missing("Type/Description");
    b.site = siteOf(e);
    b.clinician = cliniciansOf(e);
    b.reason = childText(e, "Reason");
    b.bookingNote = childText(e, "BookingNote");
    return Result::success();
}

Result readBookings(const pugi::xml_node& response, const std::string& what, std::vector<Booking>& out) {
    const pugi::xml_node appointments = list(response, "AppointmentList");
    if (!appointments) return Result::permanent(what + " has no AppointmentList");
    return each(appointments, "Appointment", [&](const pugi::xml_node& e, int n) {
        Booking b;
        Result r = readBooking(e, what + ": Appointment " + std::to_string(n), b);
        if (r.ok()) out.push_back(std::move(b));
        return r;
    });
}

Result readPatients(const pugi::xml_node& response, const std::string& what, std::vector<MatchedPatient>& out) {
    const pugi::xml_node patients = list(response, "PatientList");
    if (!patients) return Result::permanent(what + " has no PatientList");
    return each(patients, "Patient", [&](const pugi::xml_node& e, int n) {
        const Reader read(e, what + ": Patient " + std::to_string(n));
        MatchedPatient p;
        if (Result r = read.dbid("DBID", p.dbid); !r.ok()) return r;
        const auto nhs = kit::checkNhsNumber(childText(e, "NhsNumber"));
        if (!nhs.ok()) return read.badPrivate("NhsNumber");
        p.nhsNumber = nhs.value;
        const auto dob = kit::checkDateOfBirth(childText(e, "DateOfBirth").substr(0, 10), "9999-12-31");
        if (!dob.ok()) return read.badPrivate("DateOfBirth");
        p.dateOfBirth = dob.value;
        const auto mobile = kit::checkUkMobile(childText(e, "Mobile"));
        if (mobile.ok()) p.mobile = mobile.value;
        p.name = joined({childText(e, "FirstNames"), childText(e, "FamilyName")}, " ");
        out.push_back(std::move(p));
        return Result::success();
    });
}

} // namespace emisxml

#include "Replies.h"

#include "LocalTime.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/SafeXml.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

namespace systmonexml {

using clinhub::Result;
using clinhub::kit::childText;

namespace {

template <class F> void forEach(const pugi::xml_node& parent, const char* local, F&& f) {
    std::size_t index = 0;
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling()) {
        if (n.type() != pugi::node_element) continue;
        const char* colon = std::strrchr(n.name(), ':');
        if (std::strcmp(colon == nullptr ? n.name() : colon + 1, local) == 0) f(n, ++index);
    }
}

// The trimmed text of the child element, as a view into the document.
std::string_view field(const pugi::xml_node& n, const char* local) {
    std::string_view text = clinhub::kit::child(n, local).text().get();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string quoted(std::string_view text) {
    std::string out(1, '\'');
    out.append(text.substr(0, 40));
    out += '\'';
    return out;
}

// Fills the slot fields every slot-bearing element shares; "" or what was wrong.
std::string readSlotFields(const pugi::xml_node& n, const Config& config, clinhub::Slot& slot) {
    slot.id = field(n, "SlotID");
    if (slot.id.empty()) return "has no SlotID";
    slot.slotType = field(n, "SlotType");
    if (slot.slotType.empty()) return "has no SlotType";
    const std::string_view start = field(n, "DateTimeStart");
    const auto at = parseLocal(start, config.zone);
    if (!at) return "has DateTimeStart " + quoted(start) + ", not YYYY-MM-DDTHH:MM:SS";
    slot.start = *at;
    const std::string_view duration = field(n, "Duration");
    int minutes = 0;
    const auto [end, error] = std::from_chars(duration.data(), duration.data() + duration.size(), minutes);
    if (duration.empty() || error != std::errc() || end != duration.data() + duration.size() || minutes <= 0 ||
        minutes > 24 * 60)
        return "has Duration " + quoted(duration) + ", not a number of minutes";
    slot.durationMinutes = minutes;
    return {};
}

void readClinic(const pugi::xml_node& n, const Config& config, clinhub::Slot& slot) {
    slot.clinician = field(n, "UserName");
    slot.location = field(n, "SiteName");
    const std::string_view type = field(n, "ClinicType");
    slot.telephone = std::find(config.telephoneClinicTypes.begin(), config.telephoneClinicTypes.end(), type) !=
                     config.telephoneClinicTypes.end();
}

} // namespace

Result readSlots(const pugi::xml_node& response, const Config& config, std::vector<clinhub::Slot>& slots) {
    std::size_t count = 0;
    forEach(response, "Clinic", [&](const pugi::xml_node& clinic, std::size_t) {
        forEach(clinic, "Slot", [&](const pugi::xml_node&, std::size_t) { ++count; });
    });
    slots.reserve(slots.size() + count);
    std::string problem;
    forEach(response, "Clinic", [&](const pugi::xml_node& clinic, std::size_t c) {
        clinhub::Slot shared;
        readClinic(clinic, config, shared);
        forEach(clinic, "Slot", [&](const pugi::xml_node& n, std::size_t s) {
            if (!problem.empty()) return;
            clinhub::Slot slot = shared;
            if (const std::string wrong = readSlotFields(n, config, slot); !wrong.empty())
                problem = "Slot " + std::to_string(s) + " of Clinic " + std::to_string(c) + " " + wrong;
            else
                slots.push_back(std::move(slot));
        });
    });
    if (!problem.empty()) return Result::permanent("SystmOne GetAppointmentSlots reply: " + problem);
    return Result::success();
}

Result readAppointments(const pugi::xml_node& response, const std::string& what, const Config& config,
                        std::vector<AppointmentRecord>& appointments) {
    std::string problem;
    forEach(response, "Appointment", [&](const pugi::xml_node& n, std::size_t i) {
        if (!problem.empty()) return;
        AppointmentRecord a;
        a.appointment.id = childText(n, "AppointmentUID");
        const std::string status = childText(n, "Status");
        a.booked = status == "Booked";
        a.nhsNumber = childText(n, "NHSNumber");
        readClinic(n, config, a.appointment.slot);
        if (a.appointment.id.empty())
            problem = "has no AppointmentUID";
        else if (!a.booked && status != "Cancelled")
            problem = "has Status '" + status.substr(0, 40) + "'";
        else
            problem = readSlotFields(n, config, a.appointment.slot);
        if (problem.empty())
            appointments.push_back(std::move(a));
        else
            problem = "Appointment " + std::to_string(i) + " " + problem;
    });
    if (!problem.empty()) return Result::permanent("SystmOne " + what + " reply: " + problem);
    return Result::success();
}

Result readPatient(const pugi::xml_node& response, const std::string& nhsNumber, const std::string& today,
                   std::optional<clinhub::Patient>& patient) {
    std::string problem;
    int matches = 0;
    forEach(response, "Patient", [&](const pugi::xml_node& n, std::size_t) {
        if (!problem.empty() || childText(n, "NHSNumber") != nhsNumber) return;
        ++matches;
        clinhub::Patient p;
        p.nhsNumber = nhsNumber;
        p.bookId = childText(n, "PatientID");
        if (p.bookId.empty()) problem = "the Patient has no PatientID";
        // Patient data is never quoted: messages end up in logs.
        const auto dob = clinhub::kit::checkDateOfBirth(childText(n, "DateOfBirth"), today);
        if (!dob.ok()) problem = "the Patient's DateOfBirth is missing or not a date";
        p.dateOfBirth = dob.value;
        // A number Notify would refuse is no use to the hub: only a UK mobile is passed on, as E.164.
        const auto mobile = clinhub::kit::checkUkMobile(childText(n, "Mobile"));
        if (mobile.ok()) p.mobile = mobile.value;
        const std::string first = childText(n, "FirstName"), last = childText(n, "Surname");
        p.name = first + (first.empty() || last.empty() ? "" : " ") + last;
        patient = std::move(p);
    });
    if (problem.empty() && matches > 1) problem = "more than one Patient has the NHS number asked for";
    if (!problem.empty()) return Result::permanent("SystmOne PatientSearch reply: " + problem);
    return Result::success();
}

} // namespace systmonexml

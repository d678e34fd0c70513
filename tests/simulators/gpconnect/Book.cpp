#include "Book.h"

#include "Fhir.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gpcsim {

namespace {

using Poco::JSON::Array;

std::string need(const Object::Ptr& o, const std::string& key, const std::string& where) {
    const std::string value = stringAt(o, key);
    if (value.empty()) throw std::runtime_error("fixture: " + where + "." + key + " is required");
    return value;
}

int minuteOfDay(const std::string& hhmm, const std::string& where) {
    if (hhmm.size() != 5 || hhmm[2] != ':') throw std::runtime_error("fixture: " + where + " must be HH:MM");
    return std::stoi(hhmm.substr(0, 2)) * 60 + std::stoi(hhmm.substr(3, 2));
}

int parseOffset(const std::string& text) {
    if (text.empty() || text == "Z") return 0;
    if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':')
        throw std::runtime_error("fixture: utc_offset must be like +01:00");
    const int minutes = std::stoi(text.substr(1, 2)) * 60 + std::stoi(text.substr(4, 2));
    return text[0] == '-' ? -minutes : minutes;
}

Array::Ptr arrayOf(const Object::Ptr& root, const std::string& key) {
    auto a = root->getArray(key);
    if (a.isNull()) throw std::runtime_error("fixture: " + key + " must be an array");
    return a;
}

std::set<unsigned> weekdays(const Object::Ptr& s, const std::string& where) {
    static const std::vector<std::string> names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    std::set<unsigned> days;
    const auto list = s->getArray("weekdays");
    if (list.isNull()) return {0, 1, 2, 3, 4, 5, 6};
    for (size_t i = 0; i < list->size(); ++i) {
        const auto it = std::find(names.begin(), names.end(), list->getElement<std::string>(i));
        if (it == names.end()) throw std::runtime_error("fixture: " + where + ".weekdays: use sun..sat");
        days.insert(static_cast<unsigned>(it - names.begin()));
    }
    return days;
}

} // namespace

bool validNhsNumber(const std::string& nhs) {
    if (nhs.size() != 10 || !std::all_of(nhs.begin(), nhs.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    int sum = 0;
    for (int i = 0; i < 9; ++i)
        sum += (nhs[static_cast<size_t>(i)] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    return check != 10 && check == nhs[9] - '0';
}

Book Book::load(const std::string& fixtureFile) {
    std::ifstream in(fixtureFile);
    if (!in) throw std::runtime_error("cannot read fixture " + fixtureFile);
    std::stringstream text;
    text << in.rdbuf();
    const auto root = parseObject(text.str());
    if (root.isNull()) throw std::runtime_error("fixture " + fixtureFile + " is not a JSON object");

    Book b;
    b.providerAsid = need(root, "provider_asid", "");
    const auto consumers = arrayOf(root, "consumer_asids");
    for (size_t i = 0; i < consumers->size(); ++i)
        b.consumerAsids.insert(consumers->getElement<std::string>(i));
    const auto org = objectAt(root, "organisation");
    b.odsCode = need(org, "ods_code", "organisation");
    b.organisationName = need(org, "name", "organisation");
    b.offsetMinutes = parseOffset(stringAt(root, "utc_offset"));
    b.codedEntryInteraction = stringAt(root, "coded_entry_interaction");
    if (b.codedEntryInteraction.empty())
        b.codedEntryInteraction = "urn:clinhub:names:services:codedentry:fhir:rest:create:observation-1";

    const auto patients = arrayOf(root, "patients");
    for (size_t i = 0; i < patients->size(); ++i) {
        const auto p = patients->getObject(i);
        const std::string where = "patients[" + std::to_string(i) + "]";
        PatientRecord r{need(p, "id", where),     need(p, "nhs_number", where), need(p, "birth_date", where),
                        need(p, "family", where), stringAt(p, "given"),         stringAt(p, "prefix"),
                        stringAt(p, "mobile")};
        if (!validNhsNumber(r.nhsNumber)) throw std::runtime_error("fixture: " + where + ".nhs_number fails mod 11");
        if (r.nhsNumber.rfind("999", 0) != 0)
            throw std::runtime_error("fixture: " + where + ".nhs_number must be a 999 test number");
        b.patients[r.id] = r;
    }
    const auto practitioners = arrayOf(root, "practitioners");
    for (size_t i = 0; i < practitioners->size(); ++i) {
        const auto p = practitioners->getObject(i);
        const std::string where = "practitioners[" + std::to_string(i) + "]";
        b.practitioners[need(p, "id", where)] = {need(p, "id", where), need(p, "family", where), stringAt(p, "given"),
                                                 stringAt(p, "prefix")};
    }
    const auto locations = arrayOf(root, "locations");
    for (size_t i = 0; i < locations->size(); ++i) {
        const auto l = locations->getObject(i);
        const std::string where = "locations[" + std::to_string(i) + "]";
        b.locations[need(l, "id", where)] = {need(l, "id", where), need(l, "name", where)};
    }

    // Slots from tomorrow 00:00 UTC for `days` days, so a fixture never goes stale.
    const int days = root->optValue<int>("days", 28);
    const int64_t tomorrow = (nowSeconds() / 86400 + 1) * 86400;
    int nextSlot = 1000;
    std::vector<SlotRecord> generated;
    const auto schedules = arrayOf(root, "schedules");
    for (size_t i = 0; i < schedules->size(); ++i) {
        const auto s = schedules->getObject(i);
        const std::string where = "schedules[" + std::to_string(i) + "]";
        ScheduleRecord r{need(s, "id", where), need(s, "location", where), stringAt(s, "practitioner"),
                         need(s, "service_type", where), stringAt(s, "delivery_channel")};
        if (r.deliveryChannel.empty()) r.deliveryChannel = "In-person";
        if (!b.locations.count(r.locationId)) throw std::runtime_error("fixture: " + where + ".location is unknown");
        if (!r.practitionerId.empty() && !b.practitioners.count(r.practitionerId))
            throw std::runtime_error("fixture: " + where + ".practitioner is unknown");
        b.schedules[r.id] = r;
        const int from = minuteOfDay(need(s, "start", where), where + ".start");
        const int to = minuteOfDay(need(s, "end", where), where + ".end");
        const int length = s->optValue<int>("slot_minutes", 10);
        if (length <= 0) throw std::runtime_error("fixture: " + where + ".slot_minutes must be positive");
        const auto on = weekdays(s, where);
        for (int d = 0; d < days; ++d) {
            const int64_t day = tomorrow + d * 86400;
            const std::chrono::weekday wd{std::chrono::sys_days(std::chrono::days(day / 86400))};
            if (!on.count(wd.c_encoding())) continue;
            for (int m = from; m + length <= to; m += length)
                generated.push_back({"", r.id, day + m * 60, day + (m + length) * 60, false});
        }
    }
    std::stable_sort(generated.begin(), generated.end(),
                     [](const SlotRecord& a, const SlotRecord& b) { return a.start < b.start; });
    for (auto& s : generated) {
        s.id = std::to_string(nextSlot++);
        b.slotOrder.push_back(s.id);
        b.slots[s.id] = s;
    }
    return b;
}

const PatientRecord* Book::patientByNhs(const std::string& nhs) const {
    for (const auto& [id, p] : patients)
        if (p.nhsNumber == nhs) return &p;
    return nullptr;
}

bool Book::steal(const std::string& slotId) {
    auto it = slots.find(slotId);
    if (it == slots.end() || it->second.busy) return false;
    it->second.busy = true;
    AppointmentRecord a;
    a.id = newAppointmentId();
    a.status = "booked";
    a.patientId = "thief";
    a.slotId = slotId;
    a.stolen = true;
    Object::Ptr resource = new Object;
    resource->set("resourceType", "Appointment");
    resource->set("id", a.id);
    resource->set("status", "booked");
    resource->set("description", "Booked at the practice desk");
    resource->set("start", instant(it->second.start, offsetMinutes));
    resource->set("end", instant(it->second.end, offsetMinutes));
    a.resource = resource;
    appointmentOrder.push_back(a.id);
    appointments[a.id] = a;
    return true;
}

} // namespace gpcsim

#include "Diary.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace emissim {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using namespace std::chrono;
namespace kit = clinhub::kit;

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("fixture: " + what); }

Array::Ptr array(const Object::Ptr& o, const std::string& name) {
    auto a = o->getArray(name);
    if (!a) bad(name + " must be an array");
    return a;
}

Object::Ptr object(const Array::Ptr& a, size_t i, const std::string& where) {
    auto o = a->getObject(static_cast<unsigned>(i));
    if (!o) bad(where + "[" + std::to_string(i) + "] must be an object");
    return o;
}

int minuteOf(const Object::Ptr& o, const std::string& name, const std::string& where) {
    const auto m = kit::parseTimeOfDay(o->optValue<std::string>(name, ""));
    if (!m) bad(where + "." + name + " must be HH:MM");
    return *m;
}

weekday weekdayOf(const std::string& name) {
    static const std::array<std::string, 7> names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    const auto it = std::find(names.begin(), names.end(), name.substr(0, 3));
    if (it == names.end()) bad("unknown weekday '" + name + "'");
    return weekday(static_cast<unsigned>(it - names.begin()));
}

bool contains(const Array::Ptr& a, int value) {
    if (!a) return false;
    for (size_t i = 0; i < a->size(); ++i)
        if (a->getElement<int>(static_cast<unsigned>(i)) == value) return true;
    return false;
}

// SNOMED CT identifiers end in a Verhoeff check digit.
bool verhoeff(const std::string& digits) {
    static const int d[10][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
                                  {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
                                  {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
                                  {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
                                  {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
    static const int p[8][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
                                 {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
                                 {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
                                 {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
    int c = 0;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i)
        c = d[c][p[i % 8][digits[n - 1 - i] - '0']];
    return c == 0;
}

} // namespace

std::string hhmm(int minute) {
    char text[16];
    std::snprintf(text, sizeof text, "%02d:%02d", minute / 60, minute % 60);
    return text;
}

const char* toString(SlotStatus s) {
    switch (s) {
    case SlotStatus::available: return "Available";
    case SlotStatus::booked: return "Booked";
    case SlotStatus::blocked: return "Blocked";
    case SlotStatus::embargoed: return "Embargoed";
    }
    return "Unknown";
}

Diary::Diary(const std::string& fixturePath) {
    std::ifstream in(fixturePath);
    if (!in) throw std::runtime_error("cannot read fixture " + fixturePath);
    std::stringstream text;
    text << in.rdbuf();
    Object::Ptr root;
    try {
        root = Poco::JSON::Parser().parse(text.str()).extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
        bad("not a JSON object: " + e.displayText());
    }
    const auto zone = kit::parseZone(root->optValue<std::string>("timezone", "Europe/London"));
    if (!zone) bad("timezone must be Europe/London or UTC");
    zone_ = *zone;
    const int days = root->optValue<int>("days", 28);
    if (days < 1 || days > 366) bad("days must be between 1 and 366");
    const auto creds = root->getObject("credentials");
    if (!creds) bad("credentials are required");
    credentials_ = {creds->optValue<std::string>("user", ""), creds->optValue<std::string>("password", "")};

    const auto sites = array(root, "sites");
    for (size_t i = 0; i < sites->size(); ++i) {
        const auto s = object(sites, i, "sites");
        sites_[s->getValue<long>("dbid")] = {s->getValue<long>("dbid"), s->getValue<std::string>("name")};
    }
    const auto holders = array(root, "holders");
    for (size_t i = 0; i < holders->size(); ++i) {
        const auto h = object(holders, i, "holders");
        holders_[h->getValue<long>("dbid")] = {h->getValue<long>("dbid"), h->optValue<std::string>("title", ""),
                                               h->getValue<std::string>("first_names"),
                                               h->getValue<std::string>("last_name")};
    }
    const auto types = array(root, "slot_types");
    for (size_t i = 0; i < types->size(); ++i) {
        const auto t = object(types, i, "slot_types");
        slotTypes_[t->getValue<long>("type_id")] = {t->getValue<long>("type_id"),
                                                    t->getValue<std::string>("description")};
    }
    const auto patients = array(root, "patients");
    for (size_t i = 0; i < patients->size(); ++i) {
        const auto p = object(patients, i, "patients");
        Patient patient{p->getValue<long>("dbid"),
                        p->getValue<std::string>("nhs_number"),
                        p->optValue<std::string>("title", ""),
                        p->getValue<std::string>("first_names"),
                        p->getValue<std::string>("family_name"),
                        p->getValue<std::string>("date_of_birth"),
                        p->optValue<std::string>("mobile", "")};
        if (patient.nhsNumber.rfind("999", 0) != 0) bad("patients[" + std::to_string(i) + "] is not a test NHS number");
        patients_[patient.dbid] = patient;
    }

    const auto templates = array(root, "sessions");
    const sys_days tomorrow =
        kit::localDate(duration_cast<seconds>(system_clock::now().time_since_epoch()).count(), zone_) +
        std::chrono::days{1};
    long nextSession = 1001;
    long nextSlot = 200001;
    for (int offset = 0; offset < days; ++offset) {
        const sys_days date = tomorrow + std::chrono::days{offset};
        for (size_t i = 0; i < templates->size(); ++i) {
            const auto t = object(templates, i, "sessions");
            const std::string where = "sessions[" + std::to_string(i) + "]";
            const auto weekdays = array(t, "weekdays");
            bool today = false;
            for (size_t w = 0; w < weekdays->size(); ++w)
                today =
                    today || weekdayOf(weekdays->getElement<std::string>(static_cast<unsigned>(w))) == weekday(date);
            if (!today) continue;
            Session s;
            s.dbid = nextSession++;
            s.name = t->getValue<std::string>("name");
            s.date = date;
            s.startMinute = minuteOf(t, "start", where);
            s.endMinute = minuteOf(t, "end", where);
            s.slotLength = t->getValue<int>("slot_length");
            s.site = t->getValue<long>("site");
            if (!sites_.count(s.site)) bad(where + ".site is not a site");
            const auto holderIds = array(t, "holders");
            for (size_t h = 0; h < holderIds->size(); ++h) {
                s.holders.push_back(holderIds->getElement<long>(static_cast<unsigned>(h)));
                if (!holders_.count(s.holders.back())) bad(where + ".holders names an unknown holder");
            }
            const auto typeIds = array(t, "slot_types");
            if (typeIds->size() == 0 || s.slotLength <= 0 || s.endMinute <= s.startMinute)
                bad(where + " needs slot_types, a positive slot_length and an end after its start");
            const auto blocked = t->getArray("blocked");
            const auto embargoed = t->getArray("embargoed");
            for (int at = s.startMinute, n = 0; at + s.slotLength <= s.endMinute; at += s.slotLength, ++n) {
                Slot slot;
                slot.dbid = nextSlot++;
                slot.session = s.dbid;
                slot.refId = n + 1;
                slot.startMinute = at;
                slot.length = s.slotLength;
                slot.type = typeIds->getElement<long>(static_cast<unsigned>(n) % typeIds->size());
                if (!slotTypes_.count(slot.type)) bad(where + ".slot_types names an unknown type");
                if (contains(blocked, n)) slot.status = SlotStatus::blocked;
                if (contains(embargoed, n)) slot.status = SlotStatus::embargoed;
                s.slots.push_back(slot.dbid);
                slots_[slot.dbid] = slot;
            }
            sessions_[s.dbid] = s;
        }
    }
}

std::vector<const Session*> Diary::sessions(const std::string& slotType, sys_days from, sys_days to) const {
    std::vector<const Session*> out;
    for (const auto& [id, s] : sessions_) {
        if (s.date < from || s.date > to) continue;
        const bool hasType = slotType.empty() || std::any_of(s.slots.begin(), s.slots.end(), [&](long slot) {
                                 const SlotType& t = slotTypes_.at(slots_.at(slot).type);
                                 return t.description == slotType || std::to_string(t.id) == slotType;
                             });
        if (hasType) out.push_back(&s);
    }
    return out;
}

const Session& Diary::session(long dbid) const {
    const auto it = sessions_.find(dbid);
    if (it == sessions_.end()) throw Refusal("Session not found");
    return it->second;
}

const Slot& Diary::slot(long dbid) const {
    const auto it = slots_.find(dbid);
    if (it == slots_.end()) throw Refusal("Slot not found");
    return it->second;
}

Slot& Diary::mutableSlot(long dbid) {
    const auto it = slots_.find(dbid);
    if (it == slots_.end()) throw Refusal("Slot not found");
    return it->second;
}

const SlotType& Diary::slotType(long id) const { return slotTypes_.at(id); }
const Holder& Diary::holder(long dbid) const { return holders_.at(dbid); }
const Site& Diary::site(long dbid) const { return sites_.at(dbid); }

std::vector<const Patient*> Diary::matchPatients(const std::string& nhsNumber) const {
    std::vector<const Patient*> out;
    for (const auto& [id, p] : patients_)
        if (p.nhsNumber == nhsNumber) out.push_back(&p);
    return out;
}

const Patient& Diary::patient(long dbid) const {
    const auto it = patients_.find(dbid);
    if (it == patients_.end()) throw Refusal("Patient not found");
    return it->second;
}

std::vector<const Slot*> Diary::appointmentsOf(long patient) const {
    std::vector<const Slot*> out;
    for (const auto& [id, s] : slots_)
        if (s.status == SlotStatus::booked && !s.stolen && s.patient == patient) out.push_back(&s);
    return out; // slot ids rise with time
}

const Slot& Diary::book(long slotId, long patientId, const std::string& reason, const std::string& note) {
    Slot& s = mutableSlot(slotId);
    (void)patient(patientId);
    if (s.status == SlotStatus::booked) throw Refusal("Slot already booked");
    if (s.status != SlotStatus::available) throw Refusal("Slot is not available");
    s.status = SlotStatus::booked;
    s.patient = patientId;
    s.reason = reason;
    s.bookingNote = note;
    return s;
}

void Diary::cancel(long slotId, long patientId) {
    Slot& s = mutableSlot(slotId);
    (void)patient(patientId);
    if (s.status != SlotStatus::booked) throw Refusal("Slot is not booked");
    if (s.stolen || s.patient != patientId) throw Refusal("Slot is booked to another patient");
    s.status = SlotStatus::available;
    s.patient = 0;
    s.reason.clear();
    s.bookingNote.clear();
}

bool Diary::steal(long slotId) {
    Slot& s = mutableSlot(slotId);
    if (s.status != SlotStatus::available) return false;
    s.status = SlotStatus::booked;
    s.stolen = true;
    s.reason = "Booked at reception";
    return true;
}

bool Diary::file(const Record& record) {
    (void)patient(record.patient);
    if (record.guid.empty()) throw Refusal("Event GUID is required");
    const bool digits = !record.code.empty() && std::all_of(record.code.begin(), record.code.end(),
                                                            [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits || record.code.size() < 6 || record.code.size() > 18 || !verhoeff(record.code))
        throw Refusal("Invalid SNOMED CT code");
    if (record.term.empty()) throw Refusal("Term is required");
    for (const auto& r : records_)
        if (r.guid == record.guid) return false;
    records_.push_back(record);
    return true;
}

Poco::JSON::Array Diary::appointmentsJson() const {
    Array out;
    for (const auto& [id, s] : slots_) {
        if (s.status != SlotStatus::booked) continue;
        const Session& session = sessions_.at(s.session);
        Object a(Poco::JSON_PRESERVE_KEY_ORDER);
        a.set("slot_id", std::to_string(s.dbid));
        a.set("session_id", std::to_string(s.session));
        a.set("patient_id", s.stolen ? std::string() : std::to_string(s.patient));
        a.set("nhs_number", s.stolen ? std::string() : patients_.at(s.patient).nhsNumber);
        a.set("date", kit::isoDate(session.date));
        a.set("start_time", hhmm(s.startMinute));
        a.set("slot_type", slotTypes_.at(s.type).description);
        a.set("reason", s.reason);
        a.set("booking_note", s.bookingNote);
        a.set("stolen", s.stolen);
        out.add(a);
    }
    return out;
}

Poco::JSON::Array Diary::recordsJson() const {
    Array out;
    for (const auto& r : records_) {
        Object o(Poco::JSON_PRESERVE_KEY_ORDER);
        o.set("patient_id", std::to_string(r.patient));
        o.set("nhs_number", patients_.at(r.patient).nhsNumber);
        o.set("guid", r.guid);
        o.set("date", r.date);
        o.set("code", r.code);
        o.set("term", r.term);
        out.add(o);
    }
    return out;
}

} // namespace emissim

#include "Book.h"

#include "WallClock.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>

namespace systmone {

namespace {

std::string numbered(const char* prefix, long n) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%06ld", prefix, n);
    return text;
}

bool matches(const std::string& wanted, const std::string& value) { return wanted.empty() || wanted == value; }

Outcome failure(const char* error) { return {error, {}}; }

} // namespace

void Book::addPatient(Patient p) {
    std::lock_guard lock(mutex_);
    patients_[p.nhsNumber] = std::move(p);
}

std::size_t Book::addClinic(Clinic c) {
    std::lock_guard lock(mutex_);
    clinics_.push_back(std::move(c));
    return clinics_.size() - 1;
}

void Book::addSlot(std::size_t clinic, const std::string& slotType, int64_t start, int minutes) {
    std::lock_guard lock(mutex_);
    Slot s{std::to_string(nextSlot_++), clinic, slotType, start, minutes, {}};
    slots_[s.id] = s;
}

std::vector<ClinicSlots> Book::freeSlots(const SlotFilter& f) const {
    std::lock_guard lock(mutex_);
    std::vector<ClinicSlots> out(clinics_.size());
    for (std::size_t i = 0; i < clinics_.size(); ++i)
        out[i].clinic = clinics_[i];
    for (const auto& [id, s] : slots_) {
        const Clinic& c = clinics_[s.clinic];
        if (s.appointment.empty() && s.start >= f.from && s.start < f.to && matches(f.slotType, s.slotType) &&
            matches(f.siteName, c.siteName) && matches(f.userName, c.userName) && matches(f.clinicType, c.clinicType))
            out[s.clinic].slots.push_back(s);
    }
    std::erase_if(out, [](const ClinicSlots& c) { return c.slots.empty(); });
    for (auto& c : out)
        std::sort(c.slots.begin(), c.slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
    return out;
}

std::optional<Patient> Book::patient(const std::string& nhsNumber) const {
    std::lock_guard lock(mutex_);
    auto it = patients_.find(nhsNumber);
    if (it == patients_.end()) return std::nullopt;
    return it->second;
}

std::optional<std::vector<Appointment>> Book::appointmentsOf(const std::string& nhsNumber) const {
    std::lock_guard lock(mutex_);
    if (!patients_.contains(nhsNumber)) return std::nullopt;
    std::vector<Appointment> out;
    for (const auto& [uid, a] : appointments_)
        if (a.nhsNumber == nhsNumber) out.push_back(a);
    return out;
}

Outcome Book::appointment(const std::string& uid) const {
    std::lock_guard lock(mutex_);
    auto it = appointments_.find(uid);
    if (it == appointments_.end() || it->second.stolen) return failure(kErrAppointmentNotFound);
    return {{}, it->second};
}

Outcome Book::book(const std::string& nhsNumber, const std::string& slotId, const std::string& notes, int64_t now) {
    std::lock_guard lock(mutex_);
    auto p = patients_.find(nhsNumber);
    if (p == patients_.end()) return failure(kErrPatientNotFound);
    auto s = slots_.find(slotId);
    if (s == slots_.end()) return failure(kErrSlotNotFound);
    if (!s->second.appointment.empty()) return failure(kErrSlotTaken);
    if (s->second.start <= now) return failure(kErrSlotPast);
    return take(s->second, &p->second, notes, false);
}

Outcome Book::cancel(const std::string& nhsNumber, const std::string& uid) {
    std::lock_guard lock(mutex_);
    auto a = appointments_.find(uid);
    if (a == appointments_.end() || a->second.stolen || a->second.nhsNumber != nhsNumber)
        return failure(kErrAppointmentNotFound);
    // Cancelling a cancelled appointment is how a client retries after a lost reply.
    if (a->second.status == "Booked") {
        slots_[a->second.slot.id].appointment.clear();
        a->second.status = "Cancelled";
    }
    return {{}, a->second};
}

Outcome Book::move(const std::string& nhsNumber, const std::string& uid, const std::string& slotId, int64_t now) {
    std::lock_guard lock(mutex_);
    auto a = appointments_.find(uid);
    if (a == appointments_.end() || a->second.stolen || a->second.nhsNumber != nhsNumber)
        return failure(kErrAppointmentNotFound);
    if (a->second.status != "Booked") return failure(kErrAppointmentCancelled);
    auto s = slots_.find(slotId);
    if (s == slots_.end()) return failure(kErrSlotNotFound);
    if (s->second.appointment == uid) return {{}, a->second}; // already there: a retried move
    if (!s->second.appointment.empty()) return failure(kErrSlotTaken);
    if (s->second.start <= now) return failure(kErrSlotPast);
    slots_[a->second.slot.id].appointment.clear();
    s->second.appointment = uid;
    a->second.slot = s->second;
    a->second.clinic = clinics_[s->second.clinic];
    return {{}, a->second};
}

Outcome Book::addCode(const std::string& nhsNumber, const std::string& code, const std::string& term,
                      const std::string& date, std::string& uid) {
    std::lock_guard lock(mutex_);
    if (!patients_.contains(nhsNumber)) return failure(kErrPatientNotFound);
    uid = numbered("E", nextEntry_++);
    records_.push_back({uid, nhsNumber, code, term, date});
    return {};
}

void Book::steal(const std::string& slotId, int64_t now) {
    std::lock_guard lock(mutex_);
    auto s = slots_.find(slotId);
    if (s != slots_.end() && s->second.appointment.empty() && s->second.start > now)
        take(s->second, nullptr, "booked at reception", true);
}

Outcome Book::take(Slot& slot, const Patient* patient, const std::string& notes, bool stolen) {
    Appointment a;
    a.uid = numbered("A", nextAppointment_++);
    a.status = "Booked";
    if (patient != nullptr) {
        a.patientId = patient->id;
        a.nhsNumber = patient->nhsNumber;
    }
    a.notes = notes;
    a.stolen = stolen;
    slot.appointment = a.uid;
    a.slot = slot;
    a.clinic = clinics_[slot.clinic];
    appointments_[a.uid] = a;
    return {{}, a};
}

Poco::JSON::Array Book::appointmentsJson() const {
    std::lock_guard lock(mutex_);
    Poco::JSON::Array out;
    for (const auto& [uid, a] : appointments_) {
        Poco::JSON::Object o;
        o.set("uid", uid);
        o.set("status", a.status);
        o.set("nhs_number", a.nhsNumber);
        o.set("patient_id", a.patientId);
        o.set("slot_id", a.slot.id);
        o.set("start", a.slot.start);
        o.set("notes", a.notes);
        o.set("stolen", a.stolen);
        out.add(o);
    }
    return out;
}

Poco::JSON::Array Book::recordsJson() const {
    std::lock_guard lock(mutex_);
    Poco::JSON::Array out;
    for (const auto& e : records_) {
        Poco::JSON::Object o;
        o.set("uid", e.uid);
        o.set("nhs_number", e.nhsNumber);
        o.set("code", e.code);
        o.set("term", e.term);
        o.set("date", e.date);
        out.add(o);
    }
    return out;
}

Poco::JSON::Array Book::slotsJson() const {
    std::lock_guard lock(mutex_);
    Poco::JSON::Array out;
    for (const auto& [id, s] : slots_) {
        const Clinic& c = clinics_[s.clinic];
        Poco::JSON::Object o;
        o.set("id", id);
        o.set("slot_type", s.slotType);
        o.set("start", s.start);
        o.set("local_start", formatLocal(s.start));
        o.set("minutes", s.minutes);
        o.set("user_name", c.userName);
        o.set("site_name", c.siteName);
        o.set("clinic_type", c.clinicType);
        o.set("appointment", s.appointment);
        out.add(o);
    }
    return out;
}

} // namespace systmone

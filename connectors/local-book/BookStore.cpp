#include "BookStore.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

#include <algorithm>
#include <charconv>

namespace localbook {

using namespace Poco::Data::Keywords;
using clinhub::Result;
using Poco::Int64;

namespace {

constexpr const char* kSchema[] = {
    R"(CREATE TABLE IF NOT EXISTS slot_types (
         name TEXT PRIMARY KEY))",
    // appointment_id is NULL while the slot is free. The UNIQUE key is what makes generation idempotent.
    R"(CREATE TABLE IF NOT EXISTS slots (
         id INTEGER PRIMARY KEY,
         slot_type TEXT NOT NULL REFERENCES slot_types(name),
         start INTEGER NOT NULL,
         duration_minutes INTEGER NOT NULL,
         clinician TEXT NOT NULL DEFAULT '',
         location TEXT NOT NULL DEFAULT '',
         telephone INTEGER NOT NULL DEFAULT 0,
         appointment_id INTEGER REFERENCES appointments(id),
         UNIQUE (slot_type, start, clinician, location)))",
    "CREATE INDEX IF NOT EXISTS slots_by_start ON slots(start)",
    "CREATE UNIQUE INDEX IF NOT EXISTS slots_by_appointment ON slots(appointment_id)",
    R"(CREATE TABLE IF NOT EXISTS appointments (
         id INTEGER PRIMARY KEY,
         slot_id INTEGER NOT NULL REFERENCES slots(id),
         status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
         nhs_number TEXT NOT NULL,
         date_of_birth TEXT NOT NULL DEFAULT '',
         mobile TEXT NOT NULL DEFAULT '',
         name TEXT NOT NULL DEFAULT '',
         note TEXT NOT NULL DEFAULT '',
         booked_online INTEGER NOT NULL DEFAULT 1,
         created_at INTEGER NOT NULL))",
    // Every booking, move and cancellation, so the full history of an appointment can be shown.
    R"(CREATE TABLE IF NOT EXISTS appointment_history (
         id INTEGER PRIMARY KEY,
         appointment_id INTEGER NOT NULL REFERENCES appointments(id),
         event TEXT NOT NULL CHECK (event IN ('booked', 'rescheduled', 'cancelled')),
         from_slot_id INTEGER,
         to_slot_id INTEGER,
         at INTEGER NOT NULL))",
    R"(CREATE TABLE IF NOT EXISTS patients (
         nhs_number TEXT PRIMARY KEY,
         date_of_birth TEXT NOT NULL DEFAULT '',
         mobile TEXT NOT NULL DEFAULT '',
         name TEXT NOT NULL DEFAULT ''))",
    // What national immunisation records would say of the seed's patients: doses received, never booked.
    R"(CREATE TABLE IF NOT EXISTS immunisations (
         nhs_number TEXT NOT NULL,
         target TEXT NOT NULL,
         vaccine_code TEXT NOT NULL,
         vaccine_term TEXT NOT NULL DEFAULT '',
         occurred_on TEXT NOT NULL,
         dose_number INTEGER NOT NULL DEFAULT 0))",
    "CREATE INDEX IF NOT EXISTS immunisations_by_patient ON immunisations(nhs_number)",
    R"(CREATE TABLE IF NOT EXISTS coded_entries (
         id INTEGER PRIMARY KEY,
         nhs_number TEXT NOT NULL,
         code TEXT NOT NULL,
         term TEXT NOT NULL,
         written_at INTEGER NOT NULL))",
};

constexpr const char* kSlotColumns = "s.id, s.slot_type, s.start, s.duration_minutes, s.clinician, s.location, "
                                     "s.telephone";
using SlotRow = Poco::Tuple<Int64, std::string, Int64, int, std::string, std::string, int>;

clinhub::Slot toSlot(const SlotRow& r) {
    return {
        "s-" + std::to_string(r.get<0>()), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(), r.get<6>() != 0};
}

// Ids are handed out as "s-<n>" and "a-<n>"; anything else is not one of ours.
std::optional<Int64> parseId(const std::string& id, char prefix) {
    if (id.size() < 3 || id[0] != prefix || id[1] != '-') return std::nullopt;
    Int64 n = 0;
    const auto [end, ec] = std::from_chars(id.data() + 2, id.data() + id.size(), n);
    if (ec != std::errc() || end != id.data() + id.size() || n <= 0) return std::nullopt;
    return n;
}

std::optional<clinhub::Slot> slotById(Poco::Data::Session& s, Int64 id, std::optional<Int64>* appointment = nullptr) {
    std::vector<SlotRow> rows;
    std::vector<Int64> holder; // 0 when free: row ids start at 1
    s << std::string("SELECT ") + kSlotColumns + " FROM slots s WHERE s.id = ?", into(rows), bind(id), now;
    s << "SELECT COALESCE(appointment_id, 0) FROM slots WHERE id = ?", into(holder), bind(id), now;
    if (rows.empty() || holder.empty()) return std::nullopt;
    if (appointment != nullptr)
        *appointment = holder.front() == 0 ? std::nullopt : std::optional<Int64>(holder.front());
    return toSlot(rows.front());
}

struct AppointmentRow {
    Int64 slotId = 0;
    std::string status;
};

std::optional<AppointmentRow> appointmentById(Poco::Data::Session& s, Int64 id) {
    std::vector<Int64> slot;
    std::vector<std::string> status;
    s << "SELECT slot_id, status FROM appointments WHERE id = ?", into(slot), into(status), bind(id), now;
    if (slot.empty()) return std::nullopt;
    return AppointmentRow{slot.front(), status.front()};
}

void history(Poco::Data::Session& s, Int64 appointment, const std::string& event, std::optional<Int64> from,
             std::optional<Int64> to, int64_t at) {
    s << "INSERT INTO appointment_history (appointment_id, event, from_slot_id, to_slot_id, at) "
         "VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)",
        bind(appointment), bind(event), bind(from.value_or(0)), bind(to.value_or(0)), bind(Int64{at}), now;
}

const Result kUnknownSlot = Result::permanent("no such slot in this appointment book");
const Result kUnknownAppointment = Result::permanent("no such appointment in this appointment book");
const Result kTaken = Result::conflict("slot is already booked");

} // namespace

BookStore::BookStore(const std::string& path) : db_(path) {
    auto lease = db_.lease();
    ImmediateTransaction tx(*lease);
    for (const char* sql : kSchema)
        *lease << sql, now;
    tx.commit();
}

size_t BookStore::seed(const std::vector<SeedPatient>& patients, const std::vector<GeneratedSlot>& slots) {
    auto lease = db_.lease();
    auto& s = *lease;
    ImmediateTransaction tx(s);
    for (const auto& p : patients) {
        s << "INSERT INTO patients (nhs_number, date_of_birth, mobile, name) VALUES (?, ?, ?, ?) "
             "ON CONFLICT (nhs_number) DO UPDATE SET date_of_birth = excluded.date_of_birth, "
             "mobile = excluded.mobile, name = excluded.name",
            bind(p.nhsNumber), bind(p.dateOfBirth), bind(p.mobile), bind(p.name), now;
        // The seed says what the records hold: a patient's doses are replaced, not added to.
        s << "DELETE FROM immunisations WHERE nhs_number = ?", bind(p.nhsNumber), now;
        for (const auto& d : p.immunisations)
            s << "INSERT INTO immunisations (nhs_number, target, vaccine_code, vaccine_term, occurred_on, dose_number) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                bind(p.nhsNumber), bind(d.target), bind(d.vaccineCode), bind(d.vaccineDisplay), bind(d.occurredOn),
                bind(d.doseNumber), now;
    }
    Int64 before = 0;
    s << "SELECT COUNT(*) FROM slots", into(before), now;
    for (const auto& g : slots) {
        s << "INSERT OR IGNORE INTO slot_types (name) VALUES (?)", bind(g.slotType), now;
        s << "INSERT OR IGNORE INTO slots (slot_type, start, duration_minutes, clinician, location, telephone) "
             "VALUES (?, ?, ?, ?, ?, ?)",
            bind(g.slotType), bind(Int64{g.start}), bind(g.durationMinutes), bind(g.clinician), bind(g.location),
            bind(g.telephone ? 1 : 0), now;
    }
    Int64 after = 0;
    s << "SELECT COUNT(*) FROM slots", into(after), now;
    tx.commit();
    return static_cast<size_t>(after - before);
}

std::vector<std::string> BookStore::slotTypes(clinhub::TimeRange range) {
    auto lease = db_.lease();
    std::vector<std::string> types;
    *lease << "SELECT DISTINCT slot_type FROM slots WHERE start >= ? AND start < ? ORDER BY slot_type", into(types),
        bind(Int64{range.from}), bind(Int64{range.to}), now;
    return types;
}

std::vector<clinhub::Slot> BookStore::freeSlots(const std::string& slotType, clinhub::TimeRange range) {
    auto lease = db_.lease();
    std::vector<SlotRow> rows;
    *lease << std::string("SELECT ") + kSlotColumns +
                  " FROM slots s WHERE s.slot_type = ? AND s.start >= ? AND s.start < ? AND s.appointment_id IS NULL "
                  "ORDER BY s.start, s.id",
        into(rows), bind(slotType), bind(Int64{range.from}), bind(Int64{range.to}), now;
    std::vector<clinhub::Slot> slots;
    slots.reserve(rows.size());
    for (const auto& r : rows)
        slots.push_back(toSlot(r));
    return slots;
}

Result BookStore::book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note, int64_t at,
                       clinhub::Appointment& booked) {
    const auto id = parseId(slotId, 's');
    if (!id) return kUnknownSlot;
    auto lease = db_.lease();
    auto& s = *lease;
    ImmediateTransaction tx(s);
    std::optional<Int64> holder;
    const auto slot = slotById(s, *id, &holder);
    if (!slot) return kUnknownSlot;
    if (holder) return kTaken;
    if (slot->start <= at) return Result::conflict("slot has already started");
    s << "INSERT INTO appointments (slot_id, status, nhs_number, date_of_birth, mobile, name, note, created_at) "
         "VALUES (?, 'booked', ?, ?, ?, ?, ?, ?)",
        bind(*id), bind(patient.nhsNumber), bind(patient.dateOfBirth), bind(patient.mobile), bind(patient.name),
        bind(note), bind(Int64{at}), now;
    Int64 appointment = 0;
    s << "SELECT last_insert_rowid()", into(appointment), now;
    s << "UPDATE slots SET appointment_id = ? WHERE id = ?", bind(appointment), bind(*id), now;
    history(s, appointment, "booked", std::nullopt, *id, at);
    tx.commit();
    booked = {"a-" + std::to_string(appointment), *slot};
    return Result::success();
}

Result BookStore::cancel(const std::string& appointmentId, int64_t at) {
    const auto id = parseId(appointmentId, 'a');
    if (!id) return kUnknownAppointment;
    auto lease = db_.lease();
    auto& s = *lease;
    ImmediateTransaction tx(s);
    const auto appointment = appointmentById(s, *id);
    if (!appointment) return kUnknownAppointment;
    // Cancelling twice is a retry after a lost reply, not an error.
    if (appointment->status == "cancelled") return Result::success();
    s << "UPDATE slots SET appointment_id = NULL WHERE id = ? AND appointment_id = ?", bind(appointment->slotId),
        bind(*id), now;
    s << "UPDATE appointments SET status = 'cancelled' WHERE id = ?", bind(*id), now;
    history(s, *id, "cancelled", appointment->slotId, std::nullopt, at);
    tx.commit();
    return Result::success();
}

Result BookStore::reschedule(const std::string& appointmentId, const std::string& newSlotId, int64_t at,
                             clinhub::Appointment& moved) {
    const auto id = parseId(appointmentId, 'a');
    if (!id) return kUnknownAppointment;
    const auto target = parseId(newSlotId, 's');
    if (!target) return kUnknownSlot;
    auto lease = db_.lease();
    auto& s = *lease;
    ImmediateTransaction tx(s);
    const auto appointment = appointmentById(s, *id);
    if (!appointment) return kUnknownAppointment;
    if (appointment->status == "cancelled") return Result::conflict("appointment has been cancelled");
    std::optional<Int64> holder;
    const auto slot = slotById(s, *target, &holder);
    if (!slot) return kUnknownSlot;
    moved = {appointmentId, *slot};
    if (holder == *id) return Result::success(); // already there: a retried reschedule
    if (holder) return kTaken;
    if (slot->start <= at) return Result::conflict("slot has already started");
    s << "UPDATE slots SET appointment_id = NULL WHERE id = ? AND appointment_id = ?", bind(appointment->slotId),
        bind(*id), now;
    s << "UPDATE slots SET appointment_id = ? WHERE id = ?", bind(*id), bind(*target), now;
    s << "UPDATE appointments SET slot_id = ? WHERE id = ?", bind(*target), bind(*id), now;
    history(s, *id, "rescheduled", appointment->slotId, *target, at);
    tx.commit();
    return Result::success();
}

void BookStore::writeCode(const clinhub::Patient& patient, const std::string& code, const std::string& term,
                          int64_t at) {
    auto lease = db_.lease();
    *lease << "INSERT INTO coded_entries (nhs_number, code, term, written_at) VALUES (?, ?, ?, ?)",
        bind(patient.nhsNumber), bind(code), bind(term), bind(Int64{at}), now;
}

std::vector<clinhub::Immunisation> BookStore::immunisations(const std::string& nhsNumber,
                                                            const std::vector<std::string>& targets) {
    auto lease = db_.lease();
    std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, int>> rows;
    *lease << "SELECT target, vaccine_code, vaccine_term, occurred_on, dose_number FROM immunisations "
              "WHERE nhs_number = ? ORDER BY occurred_on",
        into(rows), bind(nhsNumber), now;
    std::vector<clinhub::Immunisation> doses;
    for (const auto& r : rows)
        if (std::find(targets.begin(), targets.end(), r.get<0>()) != targets.end())
            doses.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
    return doses;
}

std::optional<clinhub::Patient> BookStore::findPatient(const std::string& nhsNumber) {
    auto lease = db_.lease();
    std::vector<Poco::Tuple<std::string, std::string, std::string>> rows;
    *lease << "SELECT date_of_birth, mobile, name FROM patients WHERE nhs_number = ?", into(rows), bind(nhsNumber), now;
    if (rows.empty()) return std::nullopt;
    const auto& r = rows.front();
    return clinhub::Patient{nhsNumber, r.get<0>(), r.get<1>(), r.get<2>(), {}};
}

} // namespace localbook

// Booking, cancelling and rescheduling: the calls that change the diary, and what is done when their
// reply is lost (see EmisBook.h).
#include "EmisBook.h"

#include <clinhub/kit/SafeXml.hpp>

namespace emisxml {

namespace {

using clinhub::Appointment;
using clinhub::Result;
using clinhub::Slot;

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// BookAppointment's refusals that mean someone else holds the slot (or it is not offered any more).
bool slotTaken(const std::string& error) {
    return startsWith(error, "Slot already booked") || startsWith(error, "Slot is not available");
}

// CancelAppointment's refusals that mean the appointment is already gone.
bool alreadyCancelled(const std::string& error) {
    return startsWith(error, "Slot is not booked") || startsWith(error, "Slot is booked to another patient");
}

bool parseAppointmentId(const std::string& id, std::string& slot, std::string& patient) {
    const auto dash = id.find('-');
    if (dash == std::string::npos) return false;
    slot = id.substr(0, dash);
    patient = id.substr(dash + 1);
    return isDbid(slot) && isDbid(patient);
}

} // namespace

Appointment EmisBook::appointment(const Booking& b, const std::string& patientId) const {
    return {b.slotId + "-" + patientId,
            Slot{b.slotId, b.type, epoch(b.date, b.startMinute), b.length, b.clinician, b.site, telephone(b.type)}};
}

bool EmisBook::unresolved(const std::string& key) {
    std::lock_guard lock(mutex_);
    return unresolved_.count(key) > 0;
}

void EmisBook::setUnresolved(const std::string& key, bool value) {
    std::lock_guard lock(mutex_);
    if (value)
        unresolved_.insert(key);
    else
        unresolved_.erase(key);
}

Result EmisBook::bookingOf(const std::string& patientId, const std::string& slotId, std::optional<Booking>& found) {
    found.reset();
    Reply reply;
    if (Result r = client_.call("GetPatientAppointments", param("PatientId", patientId), reply); !r.ok()) return r;
    std::vector<Booking> bookings;
    if (Result r = readBookings(reply.body, "EMIS GetPatientAppointments reply", bookings); !r.ok()) return r;
    for (auto& b : bookings)
        if (b.slotId == slotId) found = std::move(b);
    return Result::success();
}

Result EmisBook::book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note,
                      Appointment& booked) {
    if (!isDbid(slotId)) return Result::permanent("not an EMIS slot id: " + quote(slotId));
    std::string id;
    if (Result r = patientId(patient, id); !r.ok()) return r;
    return sendBooking(slotId, id, note, booked);
}

Result EmisBook::sendBooking(const std::string& slotId, const std::string& patientId, const std::string& note,
                             Appointment& booked) {
    const std::string key = slotId + "/" + patientId;
    bool check = unresolved(key);
    Result last = Result::retryable("EMIS BookAppointment: not sent");
    for (int attempt = 0; attempt < config_.bookAttempts; ++attempt) {
        if (check) {
            std::optional<Booking> found;
            if (Result r = bookingOf(patientId, slotId, found); !r.ok()) {
                last = r;
                continue;
            }
            if (found) {
                setUnresolved(key, false);
                host_.info("slot " + slotId + " was booked by an earlier attempt whose reply was lost");
                booked = appointment(*found, patientId);
                return Result::success();
            }
            check = false;
        }
        Reply reply;
        Result r = client_.call("BookAppointment",
                                param("SlotId", slotId) + param("PatientId", patientId) +
                                    param("Reason", config_.reason) + param("BookingNote", note),
                                reply, Client::Repeat::once);
        if (r.ok()) {
            setUnresolved(key, false);
            Booking b;
            if (Result read =
                    readBooking(clinhub::kit::child(reply.body, "Appointment"), "EMIS BookAppointment reply", b);
                read.ok()) {
                booked = appointment(b, patientId);
            } else {
                // Outcome 1 says it is booked; the hub fills in the slot it offered.
                host_.warning("slot " + slotId + " is booked but the reply does not describe it: " + read.message);
                booked = {slotId + "-" + patientId, {}};
            }
            return Result::success();
        }
        if (!reply.sent) return r;
        if (reply.answered) {
            setUnresolved(key, false);
            if (slotTaken(reply.error)) return Result::conflict("EMIS BookAppointment: " + reply.error);
            if (startsWith(reply.error, "Patient not found")) {
                std::lock_guard lock(mutex_);
                std::erase_if(patientIds_, [&](const auto& entry) { return entry.second == patientId; });
            }
            return r;
        }
        setUnresolved(key, true);
        host_.warning("booking slot " + slotId + " got no clear answer (" + r.message +
                      "); checking the diary before sending it again");
        last = r;
        check = true;
    }
    return last;
}

Result EmisBook::cancel(const std::string& appointmentId) {
    std::string slot;
    std::string patient;
    if (!parseAppointmentId(appointmentId, slot, patient))
        return Result::permanent("not an EMIS appointment id: " + quote(appointmentId));
    Reply reply;
    Result r = client_.call("CancelAppointment", param("SlotId", slot) + param("PatientId", patient), reply,
                            Client::Repeat::once);
    if (r.ok() || (reply.answered && alreadyCancelled(reply.error))) return Result::success();
    return r;
}

Result EmisBook::reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) {
    std::string oldSlot;
    std::string patient;
    if (!parseAppointmentId(appointmentId, oldSlot, patient))
        return Result::permanent("not an EMIS appointment id: " + quote(appointmentId));
    if (!isDbid(newSlotId)) return Result::permanent("not an EMIS slot id: " + quote(newSlotId));
    std::optional<Booking> old;
    if (Result r = bookingOf(patient, oldSlot, old); !r.ok()) return r;
    if (!old) return Result::permanent("appointment " + appointmentId + " is no longer in the EMIS book");

    // EMIS has no move: the new slot is held before the old one is let go, so a failure leaves the
    // patient with an appointment.
    Appointment fresh;
    if (Result r = sendBooking(newSlotId, patient, old->bookingNote, fresh); !r.ok()) return r;
    const Result cancelled = cancel(appointmentId);
    if (cancelled.ok()) {
        moved = fresh;
        return Result::success();
    }
    if (const Result undone = cancel(fresh.id); !undone.ok()) {
        host_.error("rescheduling " + appointmentId + " left both " + appointmentId + " and " + fresh.id + " booked");
        return Result::permanent("the old appointment could not be cancelled (" + cancelled.message +
                                 ") nor the new one undone (" + undone.message + "): both are booked");
    }
    return {cancelled.status,
            "the old appointment could not be cancelled, so the new one was undone: " + cancelled.message};
}

} // namespace emisxml

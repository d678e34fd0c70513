// A self-book link as the hub keeps it: who it is for, what it follows, its state and what it produced.
#pragma once

#include "hub/config/Config.h"
#include "hub/links/LinkState.h"

#include <clinhub/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::links {

// Who a link is for, as staff send it. Normalised on the way in: NHS number without spaces, date of
// birth YYYY-MM-DD, mobile E.164.
struct PatientDetails {
    std::string nhsNumber;
    std::string dateOfBirth;
    std::string mobile;
    std::string name; // optional, for "Dear Joe"
};

struct LinkEvent {
    int64_t at = 0;    // microseconds since the epoch
    std::string event; // sent, accessed, dob_failed, locked, booked, rescheduled, declined, expired, deleted, failed
    std::string detail;
};

enum class AppointmentState : uint8_t {
    booked,
    replaced,  // by a reschedule
    cancelled, // by the patient or by staff
};
std::string_view toString(AppointmentState state);

// One appointment the link produced, and what became of it.
struct AppointmentRecord {
    std::string appointmentId;
    Slot slot;
    AppointmentState state = AppointmentState::booked;
    int64_t at = 0;
    // A telephone appointment booked as a window of the day: the practice calls between these (seconds since
    // the epoch), whatever the slot's own time; both 0 for an appointment at the slot's time.
    int64_t callFrom = 0;
    int64_t callTo = 0;
};

// What a batch set for the links it sent, in place of its rule's own settings.
struct BatchTerms {
    std::string batchId;
    bool allowDecline = false;
    std::optional<config::Code> declineCode;
};

// What a link is opened with: its first token books, the one sent with the confirmation manages.
enum class TokenPurpose : uint8_t { book, manage };

struct Link {
    std::string id;       // public, for staff: "lnk_…"
    std::string memberId; // a vaccination invite's cohort member; empty for other links
    int dose = 0;         // the dose a vaccination invite is for
    std::string organisation;
    std::string rule;
    LinkState state = LinkState::sent;
    int64_t createdAt = 0;
    int64_t expiresAt = 0;
    PatientDetails patient;
    int failedDobAttempts = 0;
    std::string inviteReference; // the outbox message carrying the invite
    std::vector<LinkEvent> events;
    std::vector<AppointmentRecord> appointments; // oldest first; the last booked one is current
    std::optional<BatchTerms> batch;             // when a batch sent it

    [[nodiscard]] const AppointmentRecord* currentAppointment() const;
};

} // namespace clinhub::links

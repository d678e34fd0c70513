// Every message the hub writes to patients, parents and practices, in one place: the SMS templates a
// rule's YAML may replace (domain/MessageTemplate.h placeholders), and the emails it words itself.
//
// Workflows decide who is sent what and when; the words are here, so a reviewer (or a translator) reads
// them on one page.
#pragma once

#include "hub/config/Config.h"
#include "hub/outbox/Payload.h"

#include <cstdint>
#include <string>

namespace clinhub::workflows::messages {

// ---- SMS templates ----
// A rule's `invite_sms`, or the hub's: {{practice}}, {{title}}, {{name}}, {{url}}.
std::string inviteSms(const config::Rule& rule);
// A rule's `confirmation_sms`, or the hub's: also {{when}}, {{where}}; {{url}} is the manage link. For a
// telephone rule {{when}} is the window, "between 8am and midday on Tuesday 8 December 2026".
std::string confirmationSms(const config::Rule& rule);
// A rule's `cancellation_sms`, or the hub's: {{when}}, {{where}}, {{url}} (the link, now showing it cancelled).
std::string cancellationSms(const config::Rule& rule);
// A rule's `reminder_sms`, or the hub's: an appointment reminder, with {{when}} (or {{date}} and {{time}}),
// {{where}} and {{url}}, a manage link of its own.
std::string reminderSms(const config::Rule& rule);
// A campaign's community clinic invite and reminder (its community `invite_sms`, `reminder_sms`, or the
// hub's), to a child's parent: {{practice}}, {{title}}, {{name}} (the child's), {{url}}.
std::string communityClinicSms(const config::Campaign& campaign, bool reminder);

// ---- Emails ----
// Tells the practice an appointment moved to another clinician. The book's appointment id says which: no
// patient identifiers travel by email.
struct ClinicianMove {
    std::string title; // the rule's
    std::string appointmentId;
    std::string toClinician;
    std::string fromClinician; // may be empty
    int64_t start = 0;         // seconds since the epoch
    std::string location;      // may be empty
};
outbox::EmailPayload clinicianMoved(const std::string& practiceEmail, const ClinicianMove& move);

// A parent's invite (or reminder) to book their child into a community clinic.
outbox::EmailPayload communityClinicEmail(const std::string& to, const std::string& childName, const std::string& title,
                                          const std::string& practice, const std::string& url, bool reminder);
// Asks a parent whose child is booked for the consent not yet recorded.
outbox::EmailPayload consentRequest(const std::string& to, const std::string& childName, const std::string& title,
                                    const std::string& practice);

// Invites a member of staff to set their password (or, `reset`, to set a new one): who asked, for which
// organisation, the link and until when it works. Never a password: the user chooses their own.
struct StaffInvitation {
    std::string invitedBy;    // the admin's name
    std::string organisation; // its name
    std::string url;          // the set-password page
    int64_t expiresAt = 0;    // microseconds since the epoch
    bool reset = false;       // a fresh link for someone already invited
};
outbox::EmailPayload staffInvitation(const std::string& to, const StaffInvitation& invitation);

} // namespace clinhub::workflows::messages

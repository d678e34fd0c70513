// The appointment reminders the hub has queued: one row an appointment and offset (appointment_reminders), so
// the reminder job sends each at most once, however often it runs and on however many processes. Reads the
// booked appointments of the link tables, which this module owns too.
#pragma once

#include "hub/links/Link.h"
#include "hub/store/Session.h"

#include <cstdint>
#include <string>
#include <vector>

namespace clinhub::links {

// A booked appointment whose reminder is due, with whom to remind.
struct DueReminder {
    std::string linkId;
    std::string appointmentId;
    int64_t start = 0; // seconds since the epoch
    std::string location;
    bool telephone = false;
    int64_t callFrom = 0; // a telephone appointment's window (AppointmentRecord), or 0
    int64_t callTo = 0;
    PatientDetails patient;
};

// A reminder queued: its message's outbox reference, and the hash of the manage link it carries.
struct QueuedReminder {
    std::string linkId;
    std::string appointmentId;
    std::string reference;
    std::string tokenHash;
};

class ReminderRepository {
public:
    explicit ReminderRepository(store::Session& session) : s_(session) {}

    // Up to `limit` booked appointments of the organisation's rule whose reminder at `offsetMinutes` before is
    // due at `nowSeconds`, soonest first: starting within `offsetMinutes` of it but more than `nextMinutes` (the
    // next reminder's offset, 0 for none: a reminder is not sent once the next is due), booked before it fell
    // due, not yet reminded at that offset, and their patients' details still held. `after`, the last of the
    // page before: the next page starts past it, so a run's pages never walk the ones it has reminded.
    std::vector<DueReminder> due(const std::string& organisation, const std::string& rule, int offsetMinutes,
                                 int nextMinutes, int64_t nowSeconds, int limit, const DueReminder* after = nullptr);
    // Records the reminders at `offsetMinutes`, and their manage links, at `at` (microseconds), and marks each
    // appointment reminded down to that offset: one statement each. A reminder already recorded fails the whole
    // transaction, so no message is queued twice.
    void record(const std::vector<QueuedReminder>& reminders, int offsetMinutes, int64_t at);
    // The outbox references of the reminders of a link's appointment, for dropping those not yet sent.
    std::vector<std::string> referencesOf(const std::string& linkId, const std::string& appointmentId);

private:
    store::Session& s_;
};

} // namespace clinhub::links

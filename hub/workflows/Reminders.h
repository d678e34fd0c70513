// Appointment reminders: each rule's `reminders` (7d, 1d, ...) before every appointment booked through its
// links, with the rule's reminder_sms and a fresh manage link. A periodic job (one process at a time on a
// shared store) calls queueDue; links::ReminderRepository keeps one row an appointment and offset, so each
// reminder is queued once, in the transaction that records it. A moved appointment is a new appointment, and
// is reminded of its new time only; a cancelled or declined one is never reminded.
#pragma once

#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"

#include <cstdint>
#include <functional>

namespace clinhub::workflows {

class Reminders {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    Reminders(store::Store& store, runtime::Current& runtime, Clock clock = store::nowMicros)
        : store_(store), runtime_(runtime), clock_(std::move(clock)) {}

    // Queues every reminder due now, `batch` appointments a transaction; returns how many it queued.
    int64_t queueDue(int batch = 500);

private:
    // The rule's reminders at `offset` minutes before (`next`: the following offset, 0 for none).
    int64_t queueAt(const config::Config& config, const config::Organisation& organisation, const config::Rule& rule,
                    int offset, int next, int batch);

    store::Store& store_;
    runtime::Current& runtime_;
    Clock clock_;
};

} // namespace clinhub::workflows

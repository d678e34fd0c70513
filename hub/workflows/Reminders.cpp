#include "hub/workflows/Reminders.h"

#include "hub/domain/MessageTemplate.h"
#include "hub/links/ReminderRepository.h"
#include "hub/log/Log.h"
#include "hub/outbox/Outbox.h"
#include "hub/workflows/CallWindows.h"
#include "hub/workflows/Messages.h"
#include "hub/workflows/ToPatient.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/UkTime.hpp>

#include <map>
#include <optional>

namespace clinhub::workflows {

namespace {

// The reminder of one due appointment, as the patient reads it; its manage link's token in `token`.
std::string reminderText(const config::Config& config, const config::Organisation& organisation,
                         const config::Rule& rule, const domain::MessageTemplate& text, const links::DueReminder& d,
                         const std::string& token) {
    // A telephone appointment was booked as a window: "between 8am and midday on ...".
    const bool window = d.callFrom != 0;
    const std::map<std::string, std::string, std::less<>> values = {
        {"practice", organisation.name},
        {"title", rule.title},
        {"name", d.patient.name},
        {"when", window ? callWhenText(d.callFrom, d.callTo) : kit::ukWhenText(d.start)},
        {"date", kit::ukDayText(window ? d.callFrom : d.start, false)},
        {"time", window ? "between " + kit::ukTimeText(d.callFrom) + " and " + kit::ukTimeText(d.callTo)
                        : kit::ukTimeText(d.start)},
        {"where", d.location},
        {"url", config.http.publicUrl + "/b/" + token}};
    return domain::render(text, values);
}

} // namespace

int64_t Reminders::queueDue(int batch) {
    const auto runtime = runtime_.get();
    const auto& config = runtime->config();
    int64_t queued = 0;
    for (const auto& org : config.organisations)
        for (const auto& rule : org.second.rules) {
            const auto& offsets = rule.second.reminderMinutes; // largest first
            for (std::size_t k = 0; k < offsets.size(); ++k)
                queued += queueAt(config, org.second, rule.second, offsets[k],
                                  k + 1 < offsets.size() ? offsets[k + 1] : 0, batch);
        }
    return queued;
}

int64_t Reminders::queueAt(const config::Config& config, const config::Organisation& organisation,
                           const config::Rule& rule, int offset, int next, int batch) {
    // Checked when the config was loaded; scanned here as every text is before it reaches a patient.
    const auto text = domain::scanTemplate(messages::reminderSms(rule), domain::kReminderPlaceholders);
    int64_t queued = 0;
    std::optional<links::DueReminder> last;
    for (bool more = true; more;) {
        store_.write([&](store::Session& s) {
            const int64_t at = clock_();
            links::ReminderRepository repository(s);
            const auto due =
                repository.due(organisation.ods, rule.id, offset, next, at / 1'000'000, batch, last ? &*last : nullptr);
            more = static_cast<int>(due.size()) == batch;
            if (!due.empty()) last = due.back();
            std::vector<outbox::NewMessage> messages;
            std::vector<links::QueuedReminder> reminders;
            messages.reserve(due.size());
            reminders.reserve(due.size());
            for (const auto& d : due) {
                const std::string token = randomToken(32);
                messages.push_back(toPatient(config, organisation, rule, d.patient,
                                             reminderText(config, organisation, rule, text, d, token))
                                       .about(d.linkId));
                reminders.push_back({d.linkId, d.appointmentId, {}, tokenHash(token)});
            }
            const auto references = outbox::Outbox::enqueueAll(s, messages);
            for (std::size_t i = 0; i < reminders.size(); ++i)
                reminders[i].reference = references[i];
            repository.record(reminders, offset, at);
            queued += static_cast<int64_t>(reminders.size());
        });
    }
    if (queued > 0)
        log::info(
            "reminders_queued",
            {{"organisation", organisation.ods}, {"rule", rule.id}, {"minutes_before", offset}, {"count", queued}});
    return queued;
}

} // namespace clinhub::workflows

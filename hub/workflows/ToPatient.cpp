#include "hub/workflows/ToPatient.h"

#include <algorithm>
#include <memory>

namespace clinhub::workflows {

outbox::NewMessage toPatient(const config::Config& config, const config::Organisation& organisation,
                             const config::Rule& rule, const links::PatientDetails& patient, const std::string& body) {
    const auto& channels = rule.channels;
    const auto connector = config.connectors.find(organisation.route.nhsApp);
    const bool app = !channels.empty() && channels.front() == "nhs_app" && connector != config.connectors.end() &&
                     !patient.nhsNumber.empty();
    if (!app) return outbox::NewMessage::of(organisation.ods, outbox::SmsPayload{patient.mobile, body});

    // The hub's own fallback only where the connector has none: a second SMS must never reach the patient.
    const bool fallback = std::find(channels.begin(), channels.end(), "sms") != channels.end() &&
                          !connector->second.cascades && !patient.mobile.empty();
    const int64_t wait = fallback ? int64_t{organisation.readWaitHours} * 3600 : 0;
    auto message = outbox::NewMessage::of(
        organisation.ods, outbox::AppPayload{patient.nhsNumber, patient.dateOfBirth, patient.mobile, body, wait});
    if (fallback)
        message.fallback = std::make_shared<outbox::NewMessage>(
            outbox::NewMessage::of(organisation.ods, outbox::SmsPayload{patient.mobile, body}));
    return message;
}

} // namespace clinhub::workflows

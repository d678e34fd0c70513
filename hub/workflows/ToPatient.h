// How a message to a patient travels, as their rule's `channels` say: by SMS, or through the organisation's NHS
// App connector by NHS number. When that connector does not fall back to SMS itself and the channels go on to
// sms, the hub runs the cascade: one SMS is queued beside the app message as its fallback
// (outbox::NewMessage::fallback), sent if the app fails or the patient has not read it within the
// organisation's read wait.
#pragma once

#include "hub/config/Config.h"
#include "hub/outbox/Outbox.h"

#include "hub/links/Link.h"

#include <string>

namespace clinhub::workflows {

// The message carrying `body` to `patient` (who has a mobile, or an NHS number when the channels start with
// the NHS App); about no link until the caller says.
outbox::NewMessage toPatient(const config::Config& config, const config::Organisation& organisation,
                             const config::Rule& rule, const links::PatientDetails& patient, const std::string& body);

} // namespace clinhub::workflows

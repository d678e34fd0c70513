// What an outbox message carries, typed. This module alone turns a payload into the JSON the store keeps
// (sealed at rest) and back, so a workflow never writes wire JSON and the dispatcher never guesses at keys.
#pragma once

#include <clinhub/plugin.hpp>

#include <stdexcept>
#include <string>
#include <variant>

namespace clinhub::outbox {

// `app`: a message to a patient by NHS number through the organisation's NHS App connector (route.nhs_app).
enum class Channel { sms, email, record, app };

struct SmsPayload {
    std::string to; // E.164
    std::string body;
};

struct EmailPayload {
    std::string to;
    std::string subject;
    std::string text;
    std::string html; // optional
};

// A message to a patient through the NHS App (a patient-messaging connector), and what the hub needs to run the
// cascade itself when that connector does not.
struct AppPayload {
    std::string nhsNumber;
    std::string dateOfBirth; // optional
    std::string mobile;      // optional: for a provider that falls back to SMS itself
    std::string body;
    // With an SMS fallback queued beside it (NewMessage::fallback): how long after this message is sent the
    // fallback goes unless the patient has read it in the app; 0 for none.
    int64_t readWaitSeconds = 0;
};

// A coded entry written to the patient's record through the organisation's appointment book.
struct RecordPayload {
    Patient patient;
    std::string code; // SNOMED CT concept id
    std::string term;
};

using Payload = std::variant<SmsPayload, EmailPayload, RecordPayload, AppPayload>;

Channel channelOf(const Payload& payload);

std::string encode(const Payload& payload);

// A stored payload that cannot be read as its channel's: the dispatcher dead-letters the message.
class PayloadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The payload of a message on `channel`. Throws PayloadError naming what is wrong.
Payload decode(Channel channel, const std::string& json);

} // namespace clinhub::outbox

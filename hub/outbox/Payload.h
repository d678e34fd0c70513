// What an outbox message carries, typed. This module alone turns a payload into the JSON the store keeps
// (sealed at rest) and back, so a workflow never writes wire JSON and the dispatcher never guesses at keys.
#pragma once

#include <clinhub/plugin.hpp>

#include <stdexcept>
#include <string>
#include <variant>

namespace clinhub::outbox {

enum class Channel { sms, email, record };

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

// A coded entry written to the patient's record through the organisation's appointment book.
struct RecordPayload {
    Patient patient;
    std::string code; // SNOMED CT concept id
    std::string term;
};

using Payload = std::variant<SmsPayload, EmailPayload, RecordPayload>;

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

// How the console words what the workflows keep as codes: a link's state and events, a message's progress,
// an NHS number, a workflow's sentence as a page shows it.
#pragma once

#include "hub/links/LinkState.h"
#include "hub/outbox/Outbox.h"

#include <string>
#include <string_view>
#include <vector>

namespace clinhub::console {

// "Booked", "Opened", ...; and the NHS.UK tag colour that goes with it ("nhsuk-tag--green").
std::string stateText(links::LinkState state);
std::string stateTag(links::LinkState state);
// A link event ("accessed") as its history reads ("Opened by the patient").
std::string eventText(std::string_view event);
// "Text message", "Email", "Record update".
std::string channelText(outbox::Channel channel);
// Where a message stands: "Sent, delivered", "Waiting to send", "Failed: …".
std::string messageStateText(const outbox::Message& message);
// What a message is, on a link's page: its channel, the invite, or an NHS App message's SMS fallback.
std::string messageWhatText(const outbox::Message& message, bool invite);
// "999 526 0182": how staff read an NHS number; anything else as it is.
std::string nhsNumberText(const std::string& digits);
// "1 text message", "3 text messages".
std::string countOf(int64_t n, const char* one, const char* many);
// A workflow's message as a sentence: its first letter capitalised.
std::string sentence(std::string text);
std::string lowerCase(std::string text);
// "nhs-number" → "nhsNumber": a field id as a template name.
std::string camelCase(std::string_view id);
// "a, b and c".
std::string joined(const std::vector<std::string>& items);

} // namespace clinhub::console

#include "hub/console/Wording.h"

#include "hub/store/Store.h"

#include <clinhub/kit/UkTime.hpp>

#include <cctype>

namespace clinhub::console {

using links::LinkState;

std::string stateText(LinkState state) {
    switch (state) {
    case LinkState::sent: return "Sent";
    case LinkState::accessed: return "Opened";
    case LinkState::booking: return "Booking";
    case LinkState::booked: return "Booked";
    case LinkState::rescheduled: return "Rescheduled";
    case LinkState::declined: return "Declined";
    case LinkState::expired: return "Expired";
    case LinkState::deleted: return "Deleted";
    case LinkState::failed: return "Not sent";
    case LinkState::locked: return "Locked";
    case LinkState::cancelled: return "Cancelled";
    }
    return "Unknown";
}

std::string stateTag(LinkState state) {
    switch (state) {
    case LinkState::booked:
    case LinkState::rescheduled: return "nhsuk-tag--green";
    case LinkState::sent:
    case LinkState::accessed:
    case LinkState::booking: return "nhsuk-tag--blue";
    case LinkState::failed:
    case LinkState::locked: return "nhsuk-tag--red";
    case LinkState::declined:
    case LinkState::cancelled:
    case LinkState::expired:
    case LinkState::deleted: return "nhsuk-tag--grey";
    }
    return "nhsuk-tag--grey";
}

std::string eventText(std::string_view event) {
    struct Word {
        std::string_view event;
        const char* text;
    };
    static constexpr Word kWords[] = {
        {"sent", "Link sent"},
        {"accessed", "Opened by the patient"},
        {"dob_failed", "Wrong date of birth entered"},
        {"locked", "Locked after too many wrong dates of birth"},
        {"booked", "Booked"},
        {"rescheduled", "Moved to a new time"},
        {"declined", "Declined by the patient"},
        {"expired", "Expired"},
        {"deleted", "Deleted"},
        {"failed", "Booking failed"},
    };
    for (const auto& w : kWords)
        if (w.event == event) return w.text;
    return sentence(std::string(event));
}

std::string channelText(outbox::Channel channel) {
    switch (channel) {
    case outbox::Channel::sms: return "Text message";
    case outbox::Channel::email: return "Email";
    case outbox::Channel::record: return "Record update";
    case outbox::Channel::app: return "NHS App message";
    }
    return "Message";
}

namespace {

// What each channel's receipts said of a patient message: "; NHS App: read; text message: delivered".
std::string channelsText(const std::vector<outbox::ChannelOutcome>& channels) {
    std::string out;
    for (const auto& c : channels) {
        const char* name = c.channel == PatientChannel::nhsApp  ? "NHS App"
                           : c.channel == PatientChannel::sms   ? "text message"
                           : c.channel == PatientChannel::email ? "email"
                                                                : "letter";
        out += std::string("; ") + name + ": " +
               (c.state == "failed" && !c.detail.empty() ? "failed, " + c.detail : c.state);
    }
    return out;
}

} // namespace

std::string messageStateText(const outbox::Message& m) {
    if (m.state == "cancelled") return sentence(m.lastError.empty() ? "not sent" : m.lastError);
    if (!m.fallbackFor.empty() && m.state == "queued") {
        if (m.dueAt == outbox::kHeldForApp) return "Held: goes only if the NHS App does not reach them";
        if (m.dueAt > store::nowMicros())
            return "Goes " + kit::ukWhenText(m.dueAt / 1'000'000) + " unless they read it in the NHS App first";
    }
    if (m.state == "queued" || m.state == "sending") return "Waiting to send";
    if (m.state == "failed")
        return "Failed" + (m.lastError.empty() ? std::string() : ": " + m.lastError) + channelsText(m.channels);
    if (m.delivery == "delivered") return "Sent, delivered" + channelsText(m.channels);
    if (m.delivery == "failed")
        return "Sent, not delivered" + (m.deliveryDetail.empty() ? std::string() : ": " + m.deliveryDetail) +
               channelsText(m.channels);
    return "Sent" + channelsText(m.channels);
}

std::string messageWhatText(const outbox::Message& m, bool invite) {
    if (!m.fallbackFor.empty()) return "Text message, if the NHS App does not reach them";
    if (invite)
        return m.channel == outbox::Channel::app ? "The invite, through the NHS App" : "The invite text message";
    return channelText(m.channel);
}

std::string nhsNumberText(const std::string& digits) {
    if (digits.size() != 10) return digits;
    return digits.substr(0, 3) + " " + digits.substr(3, 3) + " " + digits.substr(6);
}

std::string countOf(int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string sentence(std::string text) {
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text;
}

std::string lowerCase(std::string text) {
    for (auto& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string camelCase(std::string_view id) {
    std::string out;
    bool upper = false;
    for (const char c : id) {
        if (c == '-') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
        out += items[i];
    }
    return out;
}

} // namespace clinhub::console

// A patient-messaging plugin (ABI 1.3) through the C++ SDK: enough to prove each of its calls, and the channel
// receipts, cross the boundary both ways. Receipts, signed in an x-signature header, are lines of "<reference>
// <channel> <state>", channel "-" for the message as a whole; whether it cascades is its config's `cascades`.
#include <clinhub/plugin.hpp>

#include <sstream>

namespace {

clinhub::DeliveryState stateOf(const std::string& word) {
    if (word == "read") return clinhub::DeliveryState::read;
    if (word == "delivered") return clinhub::DeliveryState::delivered;
    if (word == "failed") return clinhub::DeliveryState::failed;
    return clinhub::DeliveryState::accepted;
}

clinhub::PatientChannel channelOf(const std::string& word) {
    if (word == "nhsapp") return clinhub::PatientChannel::nhsApp;
    if (word == "sms") return clinhub::PatientChannel::sms;
    return clinhub::PatientChannel::unknown;
}

class PatientMessages final : public clinhub::Connector, public clinhub::PatientMessenger {
public:
    PatientMessages(const clinhub::Host&, const std::string&) {}
    static bool cascades(const std::string& configJson) {
        return configJson.find("\"cascades\": true") != std::string::npos;
    }
    clinhub::Result send(const clinhub::PatientMessage& message, std::string& providerId) override {
        if (message.nhsNumber == "9990000018") return clinhub::Result::permanent("not on the NHS App");
        if (message.body.empty() || message.reference.empty()) return clinhub::Result::permanent("no body");
        providerId = "p-" + message.reference + "-" + message.mobile;
        return clinhub::Result::success();
    }
    clinhub::Result lookup(const std::string& reference, clinhub::Delivery& delivery,
                           std::vector<clinhub::Receipt>& channels) override {
        delivery = {clinhub::DeliveryState::delivered, "p-" + reference};
        channels.push_back({{}, clinhub::DeliveryState::read, {}, "read", clinhub::PatientChannel::nhsApp});
        return clinhub::Result::success();
    }
    clinhub::Result receipt(const clinhub::Headers& headers, const std::string& body,
                            std::vector<clinhub::Receipt>& receipts) override {
        const auto signature = headers.find("x-signature");
        if (signature == headers.end() || signature->second != "let-me-in")
            return clinhub::Result::permanent("not the provider's signature");
        std::istringstream lines(body);
        std::string reference, channel, state;
        while (lines >> reference >> channel >> state)
            receipts.push_back({reference, stateOf(state), "", state, channelOf(channel)});
        return clinhub::Result::success();
    }
};

} // namespace

CLINHUB_PLUGIN(PatientMessages, "patient-messages", "0.0.1", "a test plugin sending to patients by NHS number",
               R"({"type": "object"})")

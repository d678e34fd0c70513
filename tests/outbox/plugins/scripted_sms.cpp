// An SMS plugin that answers as its config says and journals every send, so outbox tests can count
// exactly what reached a "provider". It reaches patients through the NHS App too, journalling those sends as
// "<reference> app <outcome>": the NHS number 9990000018 is not on the app.
#include <clinhub/plugin.hpp>

#include <Poco/JSON/Parser.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

namespace {

clinhub::Result outcome(const std::string& name) {
    if (name == "retryable") return clinhub::Result::retryable("provider answered 503");
    if (name == "permanent") return clinhub::Result::permanent("provider answered 400: phone number invalid");
    if (name == "not-sent") return clinhub::Result::retryableNotSent("connection refused");
    return clinhub::Result::success();
}

class ScriptedSms final : public clinhub::Connector, public clinhub::SmsSender, public clinhub::PatientMessenger {
public:
    ScriptedSms(const clinhub::Host&, const std::string& json) {
        auto config = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
        outcome_ = config->optValue<std::string>("outcome", "ok");
        lookup_ = config->optValue<std::string>("lookup", "unsupported");
        journal_ = config->getValue<std::string>("journal");
    }

    clinhub::Result send(const clinhub::Sms& sms, std::string& providerId) override {
        // "slow": a provider that takes 600 ms to say yes.
        if (outcome_ == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(600));
        const std::lock_guard lock(mutex_);
        // "not-sent-once": refused before anything was written the first time each message is tried.
        clinhub::Result r = outcome_ == "not-sent-once"
                                ? outcome(refusedOnce_.insert(sms.reference).second ? "not-sent" : "ok")
                                : outcome(outcome_);
        std::ofstream(journal_, std::ios::app) << sms.reference << ' ' << clinhub::outcomeOf(r) << '\n';
        providerId = "scripted-" + sms.reference;
        return r;
    }

    clinhub::Result send(const clinhub::PatientMessage& message, std::string& providerId) override {
        const std::lock_guard lock(mutex_);
        clinhub::Result r =
            message.nhsNumber == "9990000018" ? clinhub::Result::permanent("not on the NHS App") : outcome(outcome_);
        std::ofstream(journal_, std::ios::app) << message.reference << " app " << clinhub::outcomeOf(r) << '\n';
        providerId = "scripted-" + message.reference;
        return r;
    }

    clinhub::Result lookup(const std::string& reference, clinhub::Delivery& delivery,
                           std::vector<clinhub::Receipt>& /*channels*/) override {
        return lookup(reference, delivery);
    }

    clinhub::Result lookup(const std::string& reference, clinhub::Delivery& delivery) override {
        if (lookup_ == "unsupported") return clinhub::Result::permanent("lookup is not supported");
        if (lookup_ == "retryable") return clinhub::Result::retryable("provider answered 503");
        delivery.state = lookup_ == "delivered" ? clinhub::DeliveryState::delivered : clinhub::DeliveryState::unknown;
        delivery.providerId = "scripted-" + reference;
        return clinhub::Result::success();
    }

private:
    std::string outcome_;
    std::string lookup_;
    std::string journal_;
    std::set<std::string> refusedOnce_;
    std::mutex mutex_;
};

} // namespace

CLINHUB_PLUGIN(ScriptedSms, "scripted-sms", "0.0.1", "answers as configured; journals each send",
               R"({"type":"object"})")

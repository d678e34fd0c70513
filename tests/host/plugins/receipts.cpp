// An SMS plugin whose delivery receipts are lines of "<reference> <delivered|failed>", accepted only with
// the bearer token it expects: enough to prove receipts cross the ABI through the C++ SDK.
#include <clinhub/plugin.hpp>

#include <sstream>

namespace {

class Receipts final : public clinhub::Connector, public clinhub::SmsSender {
public:
    Receipts(const clinhub::Host&, const std::string&) {}
    clinhub::Result send(const clinhub::Sms& sms, std::string& providerId) override {
        providerId = sms.reference;
        return clinhub::Result::success();
    }
    clinhub::Result receipt(const std::string& authorization, const std::string& body,
                            std::vector<clinhub::Receipt>& receipts) override {
        if (authorization != "Bearer let-me-in") return clinhub::Result::permanent("not the provider's token");
        std::istringstream lines(body);
        std::string reference, state;
        while (lines >> reference >> state)
            receipts.push_back(
                {reference, state == "delivered" ? clinhub::DeliveryState::delivered : clinhub::DeliveryState::failed,
                 "", state});
        return clinhub::Result::success();
    }
};

} // namespace

CLINHUB_PLUGIN(Receipts, "receipts", "0.0.1", "a test plugin with delivery receipts", R"({"type": "object"})")

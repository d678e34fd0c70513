// The smallest working clinhub plugin: an SMS connector that hands each message to the hub's log
// instead of a network. Copy this folder, rename the class and the plugin, and fill in send().
// It uses the connector kit (clinhub::kit) for what a real connector needs too: reading its config, and
// the same UK mobile rule the hub applies.
#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/JsonConfig.hpp>
#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace {

// JSON Schema of this connector's `config:` section; the hub validates it before we see it.
constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "sender": {"type": "string", "description": "Name the messages appear to come from", "minLength": 1}
  },
  "additionalProperties": false
})";

class TemplateSms final : public clinhub::Connector, public clinhub::SmsSender {
public:
    // configJson is the validated section. A real connector would keep its HTTP client here too
    // (clinhub::kit::HttpClient: kept-alive connections, timeouts, a cap on the reply's size).
    TemplateSms(const clinhub::Host& host, const std::string& configJson) : host_(host) {
        std::vector<clinhub::ConfigError> errors;
        sender_ = clinhub::kit::text(clinhub::kit::parseConfigObject(configJson, errors), "sender", "clinhub");
    }

    // The longest text the provider takes, so the hub refuses a template that could not be sent (config
    // check, at its line and column) instead of failing each message. Leave it out for the hub's default.
    static int maxCharacters(const std::string& /*configJson*/) { return 612; }

    clinhub::Result send(const clinhub::Sms& sms, std::string& providerId) override {
        // A provider would refuse a number that is not a UK mobile: say so at once, and permanently.
        if (const auto mobile = clinhub::kit::checkUkMobile(sms.to); !mobile.ok())
            return clinhub::Result::permanent("not a UK mobile: " + mobile.problem);
        // A real connector says when it knows the provider never got the message (the connection was
        // refused; the kit's HttpClient marks that itself): the hub then tries again without asking after it.
        //   return clinhub::Result::retryableNotSent("connection refused");
        // Never log the number or the body: they are patient data.
        host_.info("template plugin accepted message " + sms.reference + " from " + sender_);
        providerId = "template-" + sms.reference;
        return clinhub::Result::success();
    }

private:
    clinhub::Host host_;
    std::string sender_;
};

} // namespace

CLINHUB_PLUGIN(TemplateSms, "template-sms", "1.0.0", "An SMS connector that only logs: copy it to start a plugin",
               kSchema)

// The smallest working clinhub plugin: an SMS connector that hands each message to the hub's log
// instead of a network. Copy this folder, rename the class and the plugin, and fill in send().
// It uses the connector kit (clinhub::kit) for what a real connector needs too: reading its config, and
// the same UK mobile rule the hub applies.
#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/Identity.hpp>
#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace {

// This connector's `config:` section, declared once: the table gives the parser, the defaults, the JSON
// Schema the hub validates the section against before we see it, and the docs
// (`clinhub plugins schema template-sms --markdown`).
struct Config {
    std::string sender;
};

const clinhub::kit::ConfigMap<Config> kConfigMap{"An SMS connector that only logs",
                                                 {
                                                     clinhub::kit::stringKey("sender", &Config::sender)
                                                         .minLength(1)
                                                         .byDefault("clinhub")
                                                         .describe("Name the messages appear to come from"),
                                                 }};

class TemplateSms final : public clinhub::Connector, public clinhub::SmsSender {
public:
    // configJson is the validated section. A real connector would keep its HTTP client here too
    // (clinhub::kit::HttpClient: kept-alive connections, timeouts, a cap on the reply's size).
    TemplateSms(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(clinhub::kit::parseOrThrow(parse, configJson)) {}

    // What `clinhub config check` reports beyond the schema: here the same parse, as there is nothing more.
    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) { parse(json, errors); }

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
        host_.info("template plugin accepted message " + sms.reference + " from " + config_.sender);
        providerId = "template-" + sms.reference;
        return clinhub::Result::success();
    }

private:
    static Config parse(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
        return kConfigMap.parse(json, errors);
    }

    clinhub::Host host_;
    Config config_;
};

} // namespace

CLINHUB_PLUGIN(TemplateSms, "template-sms", "1.0.0", "An SMS connector that only logs: copy it to start a plugin",
               kConfigMap.schema())

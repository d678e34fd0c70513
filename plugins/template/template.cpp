// The smallest working clinhub plugin: an SMS connector that hands each message to the hub's log
// instead of a network. Copy this folder, rename the class and the plugin, and fill in send().
#include <clinhub/plugin.hpp>

#include <string>

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
    // configJson is the validated section; parse it with any JSON library you like.
    TemplateSms(const clinhub::Host& host, const std::string& /*configJson*/) : host_(host) {}

    clinhub::Result send(const clinhub::Sms& sms, std::string& providerId) override {
        // Never log the number or the body: they are patient data.
        host_.info("template plugin accepted message " + sms.reference);
        providerId = "template-" + sms.reference;
        return clinhub::Result::success();
    }

private:
    clinhub::Host host_;
};

} // namespace

CLINHUB_PLUGIN(TemplateSms, "template-sms", "1.0.0", "An SMS connector that only logs: copy it to start a plugin",
               kSchema)

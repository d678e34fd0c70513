#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace emisxml {

const char* const kSchema = R"json({
  "type": "object",
  "description": "An EMIS Web appointment book through the EMIS Partner API (SOAP over HTTP)",
  "properties": {
    "base_url": {
      "type": "string", "pattern": "^https?://[^/]+",
      "description": "Scheme, host and port of the Partner API, e.g. https://emis-partner.example.nhs.uk"
    },
    "path": {
      "type": "string", "pattern": "^/", "default": "/emis/partnerapi",
      "description": "Path of the SOAP endpoint on base_url"
    },
    "user": {"type": "string", "minLength": 1, "description": "Partner API user name, given at Logon"},
    "password": {
      "type": "string", "minLength": 1,
      "description": "Partner API password; give it as ${ENV_VAR}, never in the file"
    },
    "connect_timeout_ms": {
      "type": "integer", "minimum": 50, "maximum": 60000, "default": 2000,
      "description": "Time allowed to open a connection"
    },
    "timeout_ms": {
      "type": "integer", "minimum": 100, "maximum": 120000, "default": 10000,
      "description": "Time allowed for each call, connection included; a call that takes longer is retryable"
    },
    "timezone": {
      "type": "string", "enum": ["Europe/London", "UTC"], "default": "Europe/London",
      "description": "Time zone of the diary's dates and times"
    },
    "reason": {
      "type": "string", "default": "Booked online",
      "description": "Reason recorded on each appointment booked through the hub"
    },
    "book_attempts": {
      "type": "integer", "minimum": 1, "maximum": 5, "default": 3,
      "description": "Sends of one booking when replies are lost; each resend follows a check that the appointment was not made"
    },
    "parallel_requests": {
      "type": "integer", "minimum": 1, "maximum": 16, "default": 4,
      "description": "Sessions whose slots are fetched at once when listing free slots"
    },
    "telephone_slot_types": {
      "type": "array", "items": {"type": "string", "minLength": 1},
      "description": "Slot types (exact descriptions) that are telephone appointments; when absent, any type whose description mentions 'telephone'"
    }
  },
  "required": ["base_url", "user", "password"],
  "additionalProperties": false
})json";

namespace {

void range(const Poco::JSON::Object::Ptr& root, const std::string& key, int low, int high, int& value,
           std::vector<clinhub::ConfigError>& errors) {
    if (!root->has(key)) return;
    try {
        value = root->getValue<int>(key);
    } catch (const Poco::Exception&) {
        errors.push_back({"/" + key, "must be a whole number"});
        return;
    }
    if (value < low || value > high)
        errors.push_back({"/" + key, "must be between " + std::to_string(low) + " and " + std::to_string(high)});
}

} // namespace

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Config c;
    const auto root = clinhub::kit::parseConfigObject(json, errors);
    if (!root) return c;
    std::string base = root->optValue<std::string>("base_url", "");
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
        errors.push_back({"/base_url", "must be an http:// or https:// URL"});
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    const std::string path = root->optValue<std::string>("path", "/emis/partnerapi");
    if (path.empty() || path.front() != '/') errors.push_back({"/path", "must start with /"});
    c.endpoint = base + path;
    c.user = root->optValue<std::string>("user", "");
    if (c.user.empty()) errors.push_back({"/user", "the Partner API user name is required"});
    c.password = root->optValue<std::string>("password", "");
    if (c.password.empty()) errors.push_back({"/password", "the Partner API password is required"});
    range(root, "connect_timeout_ms", 50, 60000, c.connectTimeoutMs, errors);
    range(root, "timeout_ms", 100, 120000, c.timeoutMs, errors);
    range(root, "book_attempts", 1, 5, c.bookAttempts, errors);
    range(root, "parallel_requests", 1, 16, c.parallelRequests, errors);
    const auto zone = clinhub::kit::parseZone(root->optValue<std::string>("timezone", "Europe/London"));
    if (!zone)
        errors.push_back({"/timezone", "must be Europe/London or UTC"});
    else
        c.zone = *zone;
    c.reason = root->optValue<std::string>("reason", c.reason);
    if (const auto types = root->getArray("telephone_slot_types")) {
        c.telephoneListed = true;
        for (unsigned i = 0; i < types->size(); ++i)
            c.telephoneSlotTypes.push_back(types->getElement<std::string>(i));
    }
    return c;
}

} // namespace emisxml

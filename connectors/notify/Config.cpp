#include "Config.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <stdexcept>

namespace notify {

const char* const kSchema = R"schema({
  "type": "object",
  "description": "GOV.UK Notify (REST API v2): SMS and email through one template each whose personalisation carries the hub's finished text",
  "properties": {
    "base_url": {"type": "string", "minLength": 1, "default": "https://api.notifications.service.gov.uk"},
    "api_key": {"type": "string", "minLength": 73, "description": "The Notify API key, {name}-{service id}-{secret}. Give it as ${ENV_VAR}"},
    "sms_template_id": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "description": "A text message template whose content is just ((body))"},
    "email_template_id": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "description": "An email template whose subject is ((subject)) and body ((body))"},
    "body_field": {"type": "string", "minLength": 1, "default": "body", "description": "The personalisation field the message text goes in"},
    "subject_field": {"type": "string", "minLength": 1, "default": "subject", "description": "The personalisation field an email's subject goes in"},
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 2000},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 120000, "default": 10000, "description": "Whole-request limit; a send that times out is retryable and reconciled by reference"},
    "callback_token": {"type": "string", "minLength": 10, "description": "The bearer token set as the service's delivery-receipt callback token. Give it as ${ENV_VAR}"}
  },
  "required": ["api_key"],
  "additionalProperties": false
})schema";

namespace {

using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& json) {
    Object::Ptr o;
    try {
        o = Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("config is not a JSON object: " + e.displayText());
    }
    if (!o) throw std::runtime_error("config is not a JSON object");
    return o;
}

std::string text(const Object& o, const std::string& name, const std::string& fallback) {
    if (!o.has(name) || o.isNull(name)) return fallback;
    try {
        return o.getValue<std::string>(name);
    } catch (const Poco::Exception&) {
        throw std::runtime_error("config /" + name + ": expected a string");
    }
}

int number(const Object& o, const std::string& name, int fallback) {
    if (!o.has(name) || o.isNull(name)) return fallback;
    try {
        return o.getValue<int>(name);
    } catch (const Poco::Exception&) {
        throw std::runtime_error("config /" + name + ": expected an integer");
    }
}

} // namespace

bool isUuid(const std::string& t) {
    if (t.size() != 36) return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
    }
    return true;
}

std::string splitApiKey(const std::string& key, ApiKey& out) {
    const std::string shape = "expected a Notify API key, {key name}-{service id}-{secret id} ending in two UUIDs";
    if (key.find("${") != std::string::npos)
        return "still holds an unexpanded ${...}: set the environment variable it names";
    if (key.size() < 73) return shape + "; got " + std::to_string(key.size()) + " characters, fewer than 73";
    const std::size_t n = key.size();
    ApiKey k{key.substr(n - 73, 36), key.substr(n - 36)};
    if (key[n - 37] != '-') return shape + "; the character before the last 36 is not '-'";
    if (!isUuid(k.serviceId)) return shape + "; characters [-73:-37] (the service id) are not a UUID";
    if (!isUuid(k.secret)) return shape + "; the last 36 characters (the secret) are not a UUID";
    if (n > 73 && key[n - 74] != '-') return shape + "; the key name is not followed by '-'";
    out = k;
    return {};
}

Config Config::parse(const std::string& json) {
    const auto o = parseObject(json);
    Config c;
    c.baseUrl = text(*o, "base_url", "https://api.notifications.service.gov.uk");
    while (!c.baseUrl.empty() && c.baseUrl.back() == '/')
        c.baseUrl.pop_back();
    if (const auto why = splitApiKey(text(*o, "api_key", ""), c.key); !why.empty())
        throw std::runtime_error("config /api_key: " + why);
    c.smsTemplateId = text(*o, "sms_template_id", "");
    c.emailTemplateId = text(*o, "email_template_id", "");
    c.bodyField = text(*o, "body_field", c.bodyField);
    c.subjectField = text(*o, "subject_field", c.subjectField);
    c.connectTimeoutMs = number(*o, "connect_timeout_ms", c.connectTimeoutMs);
    c.timeoutMs = number(*o, "timeout_ms", c.timeoutMs);
    c.callbackToken = text(*o, "callback_token", "");
    return c;
}

void Config::check(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Object::Ptr o;
    try {
        o = parseObject(json);
    } catch (const std::exception& e) {
        errors.push_back({"", e.what()});
        return;
    }
    ApiKey key;
    if (const auto why = splitApiKey(o->optValue<std::string>("api_key", ""), key); !why.empty())
        errors.push_back({"/api_key", why});
    for (const char* field : {"sms_template_id", "email_template_id"})
        if (o->has(field) && !isUuid(o->optValue<std::string>(field, "")))
            errors.push_back({std::string("/") + field, "expected the template's id, a UUID"});
    if (!o->has("sms_template_id") && !o->has("email_template_id"))
        errors.push_back({"", "give sms_template_id, email_template_id or both: without one there is nothing to send"});
    if (o->optValue<std::string>("body_field", "body") == o->optValue<std::string>("subject_field", "subject"))
        errors.push_back({"/subject_field", "must differ from body_field"});
}

} // namespace notify

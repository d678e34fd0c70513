#include "Config.h"

#include <cctype>

namespace notify {

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

namespace {

using namespace clinhub::kit;

constexpr const char* kUuid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

std::string templateIdProblem(const std::string& id) { return isUuid(id) ? "" : "expected the template's id, a UUID"; }

std::string apiKeyProblem(const std::string& key) {
    ApiKey ignored;
    return splitApiKey(key, ignored);
}

} // namespace

// api_key carries no minLength: its check says more precisely what is wrong with a short one.
const ConfigMap<Config> kConfigMap{
    "GOV.UK Notify (REST API v2): SMS and email through one template each whose personalisation carries the hub's "
    "finished text",
    {
        stringKey("base_url", &Config::baseUrl).minLength(1).byDefault("https://api.notifications.service.gov.uk"),
        stringKey("api_key", &Config::apiKey)
            .required("the Notify API key")
            .check(apiKeyProblem)
            .describe("The Notify API key, {name}-{service id}-{secret}. Give it as ${ENV_VAR}"),
        stringKey("sms_template_id", &Config::smsTemplateId)
            .pattern(kUuid)
            .check(templateIdProblem)
            .describe("A text message template whose content is just ((body))"),
        stringKey("email_template_id", &Config::emailTemplateId)
            .pattern(kUuid)
            .check(templateIdProblem)
            .describe("An email template whose subject is ((subject)) and body ((body))"),
        stringKey("body_field", &Config::bodyField)
            .minLength(1)
            .byDefault("body")
            .describe("The personalisation field the message text goes in"),
        stringKey("subject_field", &Config::subjectField)
            .minLength(1)
            .byDefault("subject")
            .describe("The personalisation field an email's subject goes in"),
        connectTimeoutKey(&Config::connectTimeoutMs),
        timeoutKey(&Config::timeoutMs),
        stringKey("callback_token", &Config::callbackToken)
            .minLength(10)
            .describe("The bearer token set as the service's delivery-receipt callback token. Give it as ${ENV_VAR}"),
    }};

Config Config::parse(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    while (!c.baseUrl.empty() && c.baseUrl.back() == '/')
        c.baseUrl.pop_back();
    splitApiKey(c.apiKey, c.key);
    if (c.smsTemplateId.empty() && c.emailTemplateId.empty())
        errors.push_back({"", "give sms_template_id, email_template_id or both: without one there is nothing to send"});
    if (c.bodyField == c.subjectField) errors.push_back({"/subject_field", "must differ from body_field"});
    return c;
}

} // namespace notify

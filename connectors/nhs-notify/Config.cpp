#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>
#include <clinhub/kit/SignedJwt.hpp>

#include <algorithm>
#include <cctype>

namespace nhsnotify {

const std::vector<GlobalPlan>& globalPlans() {
    static const std::vector<GlobalPlan> plans{
        {"00000000-0000-0000-0000-000000000001", {"body"}, false, true},
        {"00000000-0000-0000-0000-000000000003", {"sms_body"}, false, false},
        {"00000000-0000-0000-0000-000000000006", {"nhsapp_body", "sms_body"}, true, true},
        {"00000000-0000-0000-0000-000000000007", {"nhsapp_body", "sms_body"}, true, true},
    };
    return plans;
}

const GlobalPlan* globalPlan(const std::string& id) {
    for (const auto& p : globalPlans())
        if (id == p.id) return &p;
    return nullptr;
}

namespace {

using clinhub::ConfigError;

bool isUuid(const std::string& t) {
    if (t.size() != 36) return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? t[i] != '-' : std::isxdigit(static_cast<unsigned char>(t[i])) == 0) return false;
    }
    return true;
}

constexpr const char* kUuid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

std::string planProblem(const std::string& id) { return isUuid(id) ? "" : "expected a routing plan id, a UUID"; }

} // namespace

using namespace clinhub::kit;

const ConfigMap<Config> kConfigMap{
    "NHS Notify (NHS England's Communications Manager API): messages to patients by NHS number through the NHS "
    "App, falling back as the routing plan says, authenticated with a signed JWT",
    {
        stringKey("base_url", &Config::baseUrl)
            .check(httpsOrLoopbackCheck)
            .byDefault("https://api.service.nhs.uk/comms")
            .describe("The API's base, under which /v1/messages is (https; http only for a loopback test server)"),
        stringKey("token_url", &Config::tokenUrl)
            .check(httpsOrLoopbackCheck)
            .byDefault("https://api.service.nhs.uk/oauth2/token")
            .describe("The OAuth 2.0 token endpoint; also the signed JWT's aud"),
        apiKeyEnvKey(&Config::apiKeyEnv),
        privateKeyFileKey(&Config::privateKeyFile),
        privateKeyEnvKey(&Config::privateKeyEnv),
        kidKey(&Config::kid),
        stringKey("routing_plan_id", &Config::routingPlanId)
            .pattern(kUuid)
            .check(planProblem)
            .byDefault("00000000-0000-0000-0000-000000000006")
            .describe("The routing plan messages are sent under; by default NHS Notify's global free-text plan "
                      "\"NHS App message with a fallback to Text message\" (24 hours)"),
        stringListKey("body_fields", &Config::bodyFields)
            .minLength(1)
            .describe("The personalisation fields the message text fills; for a global free-text plan, its own "
                      "(body; nhsapp_body and sms_body...) when absent, required for any other plan"),
        // No schema default: the hub fills defaults in before the plugin sees a section, and a global plan's
        // own answer must win over a default it would then take for the sysadmin's word.
        booleanKey("routing_plan_cascades", &Config::cascades)
            .describe("Whether the routing plan itself falls back from the NHS App to SMS (or email, letter); "
                      "false: the hub runs the fallback. Left out: what a global plan does, else true; for a "
                      "global plan it must say what the plan does"),
        stringKey("ods_code", &Config::odsCode)
            .describe("The sending organisation's ODS code, sent as the originator (when NHS Notify has agreed "
                      "it)"),
        booleanKey("send_mobile", &Config::sendMobile)
            .byDefault(false)
            .describe("Send the hub's mobile number as recipient.contactDetails.sms, overriding PDS's (NHS Notify "
                      "must have approved overriding contact details)"),
        stringKey("application_id_env", &Config::applicationIdEnv)
            .pattern(kEnvNamePattern)
            .check(envNameCheck)
            .describe("Name of the environment variable holding the APIM application id, the first half of the "
                      "callbacks' HMAC secret; without it callbacks are refused"),
        stringKey("callback_api_key_env", &Config::callbackApiKeyEnv)
            .pattern(kEnvNamePattern)
            .check(envNameCheck)
            .describe("Name of the environment variable holding the API key NHS Notify sends callbacks with "
                      "(x-api-key, the HMAC secret's second half); api_key_env's when absent"),
        connectTimeoutKey(&Config::connectTimeoutMs),
        timeoutKey(&Config::timeoutMs),
    }};

Config Config::parse(const std::string& json, std::vector<ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    while (!c.baseUrl.empty() && c.baseUrl.back() == '/')
        c.baseUrl.pop_back();
    std::vector<ConfigError> ignored;
    if (const auto section = parseConfigObject(json, ignored);
        section && section->has("routing_plan_cascades") && !section->isNull("routing_plan_cascades"))
        c.cascadesSaid = c.cascades;
    requireOnePrivateKey(c.privateKeyFile, c.privateKeyEnv, errors);
    if (const GlobalPlan* plan = globalPlan(c.routingPlanId)) {
        if (c.bodyFields.empty()) c.bodyFields = plan->fields;
        if (!plan->nhsApp)
            errors.push_back({"/routing_plan_id", "this global plan does not reach the NHS App: use the sms "
                                                  "connectors for text messages"});
        else if (c.cascadesSaid && *c.cascadesSaid != plan->cascades)
            errors.push_back({"/routing_plan_cascades", plan->cascades ? "this global plan falls back to SMS: true"
                                                                       : "this global plan is NHS App only: false"});
        c.cascades = plan->cascades;
    } else if (c.bodyFields.empty()) {
        errors.push_back({"/body_fields", "is required for a routing plan other than NHS Notify's global ones"});
    }
    return c;
}

CallbackSecrets CallbackSecrets::load(const Config& config, const std::string& apiKey) {
    CallbackSecrets out;
    if (config.applicationIdEnv.empty()) return out;
    const std::string application = secretFromEnvironment(config.applicationIdEnv, "application_id_env");
    out.apiKey = config.callbackApiKeyEnv.empty()
                     ? apiKey
                     : secretFromEnvironment(config.callbackApiKeyEnv, "callback_api_key_env");
    out.secret = application + "." + out.apiKey;
    return out;
}

} // namespace nhsnotify

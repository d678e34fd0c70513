#include "Config.h"

namespace emisxml {

using namespace clinhub::kit;

const ConfigMap<Config> kConfigMap{
    "An EMIS Web appointment book through the EMIS Partner API (SOAP over HTTP)",
    {
        stringKey("base_url", &Config::baseUrl)
            .required()
            .pattern("^https?://[^/]+")
            .check(httpUrlCheck)
            .describe("Scheme, host and port of the Partner API, e.g. https://emis-partner.example.nhs.uk"),
        stringKey("path", &Config::path)
            .pattern("^/")
            .check([](const std::string& p) { return p.starts_with('/') ? "" : "must start with /"; })
            .byDefault("/emis/partnerapi")
            .describe("Path of the SOAP endpoint on base_url"),
        stringKey("user", &Config::user)
            .required("the Partner API user name")
            .describe("Partner API user name, given at Logon"),
        stringKey("password", &Config::password)
            .required("the Partner API password")
            .describe("Partner API password; give it as ${ENV_VAR}, never in the file"),
        connectTimeoutKey(&Config::connectTimeoutMs),
        timeoutKey(&Config::timeoutMs),
        choiceKey("timezone", &Config::zone, {{"Europe/London", Zone::europeLondon}, {"UTC", Zone::utc}})
            .byDefault("Europe/London")
            .describe("Time zone of the diary's dates and times"),
        stringKey("reason", &Config::reason)
            .byDefault("Booked online")
            .describe("Reason recorded on each appointment booked through the hub"),
        integerKey("book_attempts", &Config::bookAttempts)
            .range(1, 5)
            .byDefault(3)
            .describe("Sends of one booking when replies are lost; each resend follows a check that the "
                      "appointment was not made"),
        integerKey("parallel_requests", &Config::parallelRequests)
            .range(1, 16)
            .byDefault(4)
            .describe("Sessions whose slots are fetched at once when listing free slots"),
        stringListKey("telephone_slot_types", &Config::telephoneSlotTypes)
            .minLength(1)
            .describe("Slot types (exact descriptions) that are telephone appointments; when absent, any type "
                      "whose description mentions 'telephone'"),
    }};

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    std::string base = c.baseUrl;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    c.endpoint = base + c.path;
    return c;
}

} // namespace emisxml

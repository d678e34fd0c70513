#include "Config.h"

namespace systmonexml {

using namespace clinhub::kit;

const ConfigMap<Config> kConfigMap{
    "A SystmOne unit through TPP's Client Integration API: XML requests to the local client over its TCP port "
    "(messages ended by <EOF>) or its HTTP variant (GET ?requestString=)",
    {
        choiceKey("transport", &Config::transport, {{"tcp", TransportKind::tcp}, {"http", TransportKind::http}})
            .byDefault("tcp")
            .describe("tcp: the local client's loopback port (host, port); http: its HTTP variant (base_url)"),
        stringKey("host", &Config::host)
            .minLength(1)
            .byDefault("127.0.0.1")
            .describe("Host of the local client's TCP port (transport tcp)"),
        integerKey("port", &Config::port)
            .range(1, 65535)
            .describe("The local client's TCP port (required for transport tcp)"),
        stringKey("base_url", &Config::baseUrl)
            .pattern("^https?://")
            .check([](const std::string& url) { return httpUrl(url) ? "" : "must start with http:// or https://"; })
            .describe("URL of the HTTP variant, to which ?requestString= is added (required for transport http)"),
        stringKey("api_key", &Config::apiKey)
            .required("the APIKey TPP issued")
            .describe("The APIKey TPP issued for this integration; write it as ${SYSTMONE_API_KEY}"),
        stringKey("device_id", &Config::deviceId)
            .required("the DeviceID registered with the unit")
            .describe("The DeviceID registered with the unit for this hub"),
        stringKey("device_version", &Config::deviceVersion)
            .minLength(1)
            .byDefault("clinhub 0.1")
            .describe("The DeviceVersion sent with every request"),
        stringKey("site_name", &Config::siteName)
            .describe("Only offer slots at this site (SiteName); all sites when absent"),
        stringKey("user_name", &Config::userName)
            .describe("Only offer slots with this clinician (UserName); all when absent"),
        stringKey("clinic_type", &Config::clinicType).describe("Only offer slots of this ClinicType; all when absent"),
        stringListKey("telephone_clinic_types", &Config::telephoneClinicTypes)
            .minLength(1)
            .byDefault({"Telephone"})
            .describe("ClinicType values whose slots are telephone appointments"),
        choiceKey("timezone", &Config::zone, {{"Europe/London", Zone::europeLondon}, {"UTC", Zone::utc}})
            .byDefault("Europe/London")
            .describe("Zone of the unit's DateTimeStart, MinDateTime and MaxDateTime wall-clock times"),
        connectTimeoutKey(&Config::connectTimeout),
        timeoutKey(&Config::timeout),
        integerKey("max_connections", &Config::maxConnections)
            .range(1, 64)
            .byDefault(4)
            .describe("Persistent TCP connections kept open to the local client; calls beyond wait for one"),
    }};

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    // Which of port and base_url is needed depends on the transport: no one key can say it.
    if (c.transport == TransportKind::tcp && c.port == 0)
        errors.push_back({"/port", "the local client's TCP port is required when transport is tcp"});
    if (c.transport == TransportKind::http && c.baseUrl.empty())
        errors.push_back({"/base_url", "is required when transport is http"});
    return c;
}

} // namespace systmonexml

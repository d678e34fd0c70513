#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>
#include <clinhub/kit/SignedJwt.hpp>

#include <Poco/Exception.h>

#include <algorithm>

namespace immunisation {

namespace {

using clinhub::ConfigError;

std::string trimSlash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

} // namespace

using namespace clinhub::kit;

const ConfigMap<Config> kConfigMap{
    "National immunisation records through NHS England's Immunisation FHIR API (R4), authenticated with a signed "
    "JWT",
    {
        stringKey("base_url", &Config::baseUrl)
            .required()
            .check(httpsOrLoopbackCheck)
            .describe("The API's FHIR base, e.g. https://api.service.nhs.uk/immunisation-fhir-api/FHIR/R4 (https; "
                      "http only for a loopback test server)"),
        stringKey("token_url", &Config::tokenUrl)
            .required()
            .check(httpsOrLoopbackCheck)
            .describe("The OAuth 2.0 token endpoint, e.g. https://api.service.nhs.uk/oauth2/token; also the signed "
                      "JWT's aud"),
        apiKeyEnvKey(&Config::apiKeyEnv),
        privateKeyFileKey(&Config::privateKeyFile),
        privateKeyEnvKey(&Config::privateKeyEnv),
        kidKey(&Config::kid),
        connectTimeoutKey(&Config::connectTimeout),
        timeoutKey(&Config::totalTimeout),
        integerKey("lookback_days", &Config::lookbackDays)
            .range(1, 36500)
            .describe("Only doses given in this many days before today (-date.from); the whole history when absent"),
    }};

Config Config::parse(const std::string& json, std::vector<ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    c.baseUrl = trimSlash(c.baseUrl);
    requireOnePrivateKey(c.privateKeyFile, c.privateKeyEnv, errors);
    return c;
}

} // namespace immunisation

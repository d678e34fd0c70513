#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

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
        stringKey("api_key_env", &Config::apiKeyEnv)
            .required()
            .pattern(kEnvNamePattern)
            .check(envNameCheck)
            .describe("Name of the environment variable holding the application's API key (the JWT's iss and sub)"),
        stringKey("private_key_file", &Config::privateKeyFile)
            .format("path")
            .describe("PEM file of the RSA private key whose public key is registered under kid"),
        stringKey("private_key_env", &Config::privateKeyEnv)
            .pattern(kEnvNamePattern)
            .check(envNameCheck)
            .describe("Instead of private_key_file: name of the environment variable holding that PEM text"),
        stringKey("kid", &Config::kid)
            .required("the key id registered with the API platform")
            .describe("The key id the public key is registered under (the JWT header's kid)"),
        connectTimeoutKey(&Config::connectTimeout),
        timeoutKey(&Config::totalTimeout),
        integerKey("lookback_days", &Config::lookbackDays)
            .range(1, 36500)
            .describe("Only doses given in this many days before today (-date.from); the whole history when absent"),
    }};

Config Config::parse(const std::string& json, std::vector<ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    c.baseUrl = trimSlash(c.baseUrl);
    // A key source already refused was given all the same: saying neither was given would mislead.
    const bool refused = std::any_of(errors.begin(), errors.end(), [](const ConfigError& e) {
        return e.pointer == "/private_key_file" || e.pointer == "/private_key_env";
    });
    if (!refused && c.privateKeyFile.empty() == c.privateKeyEnv.empty())
        errors.push_back({"", "give exactly one of private_key_file and private_key_env"});
    return c;
}

} // namespace immunisation

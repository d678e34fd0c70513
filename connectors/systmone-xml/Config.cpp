#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace systmonexml {

const char* const kSchema = R"json({
  "type": "object",
  "description": "A SystmOne unit through TPP's Client Integration API: XML requests to the local client over its TCP port (messages ended by <EOF>) or its HTTP variant (GET ?requestString=)",
  "properties": {
    "transport": {
      "type": "string", "enum": ["tcp", "http"], "default": "tcp",
      "description": "tcp: the local client's loopback port (host, port); http: its HTTP variant (base_url)"
    },
    "host": {
      "type": "string", "minLength": 1, "default": "127.0.0.1",
      "description": "Host of the local client's TCP port (transport tcp)"
    },
    "port": {
      "type": "integer", "minimum": 1, "maximum": 65535,
      "description": "The local client's TCP port (required for transport tcp)"
    },
    "base_url": {
      "type": "string", "pattern": "^https?://",
      "description": "URL of the HTTP variant, to which ?requestString= is added (required for transport http)"
    },
    "api_key": {
      "type": "string", "minLength": 1,
      "description": "The APIKey TPP issued for this integration; write it as ${SYSTMONE_API_KEY}"
    },
    "device_id": {
      "type": "string", "minLength": 1,
      "description": "The DeviceID registered with the unit for this hub"
    },
    "device_version": {
      "type": "string", "minLength": 1, "default": "clinhub 0.1",
      "description": "The DeviceVersion sent with every request"
    },
    "site_name": {"type": "string", "description": "Only offer slots at this site (SiteName); all sites when absent"},
    "user_name": {"type": "string", "description": "Only offer slots with this clinician (UserName); all when absent"},
    "clinic_type": {"type": "string", "description": "Only offer slots of this ClinicType; all when absent"},
    "telephone_clinic_types": {
      "type": "array", "items": {"type": "string", "minLength": 1}, "default": ["Telephone"],
      "description": "ClinicType values whose slots are telephone appointments"
    },
    "timezone": {
      "type": "string", "enum": ["Europe/London", "UTC"], "default": "Europe/London",
      "description": "Zone of the unit's DateTimeStart, MinDateTime and MaxDateTime wall-clock times"
    },
    "connect_timeout_ms": {
      "type": "integer", "minimum": 1, "maximum": 60000, "default": 2000,
      "description": "Milliseconds to wait for a connection"
    },
    "timeout_ms": {
      "type": "integer", "minimum": 1, "maximum": 300000, "default": 10000,
      "description": "Milliseconds a whole request may take, connection and reply included; then it is retryable"
    },
    "max_connections": {
      "type": "integer", "minimum": 1, "maximum": 64, "default": 4,
      "description": "Persistent TCP connections kept open to the local client; calls beyond wait for one"
    }
  },
  "required": ["api_key", "device_id"],
  "additionalProperties": false
})json";

namespace {

using clinhub::ConfigError;

int bounded(const Poco::JSON::Object& root, const std::string& key, int fallback, int min, int max,
            std::vector<ConfigError>& errors) {
    try {
        const int value = root.optValue<int>(key, fallback);
        if (value < min || value > max)
            errors.push_back({"/" + key, "must be between " + std::to_string(min) + " and " + std::to_string(max)});
        return value;
    } catch (const Poco::Exception&) {
        errors.push_back({"/" + key, "must be an integer"});
        return fallback;
    }
}

} // namespace

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c;
    const auto root = clinhub::kit::parseConfigObject(json, errors);
    if (!root) return c;
    const std::string transport = root->optValue<std::string>("transport", "tcp");
    if (transport == "http")
        c.transport = TransportKind::http;
    else if (transport != "tcp")
        errors.push_back({"/transport", "must be tcp or http"});

    c.host = root->optValue<std::string>("host", c.host);
    c.port = bounded(*root, "port", 0, 0, 65535, errors);
    c.baseUrl = root->optValue<std::string>("base_url", "");
    if (c.transport == TransportKind::tcp && c.port == 0)
        errors.push_back({"/port", "the local client's TCP port is required when transport is tcp"});
    if (c.transport == TransportKind::http) {
        if (c.baseUrl.empty())
            errors.push_back({"/base_url", "is required when transport is http"});
        else if (c.baseUrl.rfind("http://", 0) != 0 && c.baseUrl.rfind("https://", 0) != 0)
            errors.push_back({"/base_url", "must start with http:// or https://"});
    }

    c.apiKey = root->optValue<std::string>("api_key", "");
    if (c.apiKey.empty()) errors.push_back({"/api_key", "the APIKey TPP issued is required"});
    c.deviceId = root->optValue<std::string>("device_id", "");
    if (c.deviceId.empty()) errors.push_back({"/device_id", "the DeviceID registered with the unit is required"});
    c.deviceVersion = root->optValue<std::string>("device_version", c.deviceVersion);
    c.siteName = root->optValue<std::string>("site_name", "");
    c.userName = root->optValue<std::string>("user_name", "");
    c.clinicType = root->optValue<std::string>("clinic_type", "");
    if (const auto types = root->getArray("telephone_clinic_types")) {
        c.telephoneClinicTypes.clear();
        for (std::size_t i = 0; i < types->size(); ++i)
            c.telephoneClinicTypes.push_back(types->getElement<std::string>(static_cast<unsigned>(i)));
    }
    const auto zone = clinhub::kit::parseZone(root->optValue<std::string>("timezone", "Europe/London"));
    if (zone)
        c.zone = *zone;
    else
        errors.push_back({"/timezone", "must be Europe/London or UTC"});
    c.connectTimeout = std::chrono::milliseconds(bounded(*root, "connect_timeout_ms", 2000, 1, 60000, errors));
    c.timeout = std::chrono::milliseconds(bounded(*root, "timeout_ms", 10000, 1, 300000, errors));
    c.maxConnections = bounded(*root, "max_connections", 4, 1, 64, errors);
    return c;
}

} // namespace systmonexml

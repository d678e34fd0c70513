// The connector's settings: who the hub is on Spine (ASIDs, the organisation and practitioner named in
// every JWT) and where the provider is. Parsed once, checked in full, so a typo is reported at start.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gpconnect {

struct Organisation {
    std::string odsCode;
    std::string name;
    std::string telephone;
    std::string type; // GPConnect-OrganisationType-1 code, sent as a slot searchFilter
};

struct Practitioner {
    std::string id; // the hub's local user id: the JWT's sub and requesting_practitioner.id
    std::string sdsUserId;
    std::string sdsRoleProfileId;
    std::string family;
    std::string given;
    std::string prefix;
};

struct Device {
    std::string system;
    std::string value;
    std::string model;
    std::string version;
};

struct Tls {
    std::string clientCertificate;
    std::string clientKey;
    std::string keyPassword;
    std::string caBundle;
};

enum class CodedEntries { fhirObservation, unsupported };

struct CodedEntry {
    CodedEntries mode = CodedEntries::fhirObservation;
    std::string baseUrl; // defaults to base_url
    std::string interaction;
    std::string identifierSystem;
};

struct Config {
    std::string baseUrl; // the provider's FHIR endpoint, without a trailing '/'
    std::string sspUrl;  // when set, requests go to <ssp_url>/<base_url>/... as through the Spine Security Proxy
    std::string consumerAsid;
    std::string providerAsid;
    std::string issuer;
    Organisation organisation;
    Practitioner practitioner;
    Device device;
    Tls tls;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds totalTimeout{0};
    int searchWindowDays = 0;
    int bookingAttempts = 0;
    std::string cancellationReason;
    CodedEntry codedEntry;
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

// Fills `errors` (JSON Pointers into the section) and returns what could be read.
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace gpconnect

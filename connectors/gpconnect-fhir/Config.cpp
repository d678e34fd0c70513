#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>

namespace gpconnect {

const char* const kSchema = R"schema({
  "type": "object",
  "description": "A practice's appointment book reached through GP Connect Appointment Management 1.2 (FHIR STU3)",
  "properties": {
    "base_url": {"type": "string", "minLength": 1, "description": "The provider's FHIR endpoint (nhsMhsEndPoint), e.g. https://provider.example/gpc/fhir; also the JWT aud"},
    "ssp_url": {"type": "string", "description": "The Spine Security Proxy; when set, every request goes to <ssp_url>/<base_url>/..."},
    "consumer_asid": {"type": "string", "pattern": "^[0-9]{1,12}$", "description": "The hub's ASID (Ssp-From)"},
    "provider_asid": {"type": "string", "pattern": "^[0-9]{1,12}$", "description": "The practice system's ASID (Ssp-To)"},
    "issuer": {"type": "string", "minLength": 1, "description": "The JWT iss: the hub's own URL", "default": "https://clinhub.invalid"},
    "organisation": {
      "type": "object",
      "description": "The organisation the hub acts for: the JWT requesting_organization and the appointment's booking organisation",
      "properties": {
        "ods_code": {"type": "string", "pattern": "^[A-Z0-9]{3,10}$"},
        "name": {"type": "string", "minLength": 1},
        "telephone": {"type": "string", "minLength": 1},
        "type": {"type": "string", "default": "gp-practice", "description": "GPConnect-OrganisationType-1 code of the booking organisation, e.g. gp-practice or urgent-care"}
      },
      "required": ["ods_code", "name", "telephone"],
      "additionalProperties": false
    },
    "practitioner": {
      "type": "object",
      "description": "The JWT requesting_practitioner (and sub): the user or role on whose behalf the hub books",
      "properties": {
        "id": {"type": "string", "minLength": 1},
        "sds_user_id": {"type": "string", "minLength": 1},
        "sds_role_profile_id": {"type": "string"},
        "family": {"type": "string", "minLength": 1},
        "given": {"type": "string"},
        "prefix": {"type": "string"}
      },
      "required": ["id", "sds_user_id", "family"],
      "additionalProperties": false
    },
    "device": {
      "type": "object",
      "description": "The JWT requesting_device",
      "properties": {
        "system": {"type": "string"}, "value": {"type": "string"},
        "model": {"type": "string"}, "version": {"type": "string"}
      },
      "additionalProperties": false
    },
    "tls": {
      "type": "object",
      "description": "Mutual TLS towards the SSP or provider",
      "properties": {
        "client_certificate": {"type": "string", "format": "path"},
        "client_key": {"type": "string", "format": "path"},
        "key_password": {"type": "string", "description": "Give it as ${ENV_VAR}"},
        "ca_bundle": {"type": "string", "format": "path"}
      },
      "additionalProperties": false
    },
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 2000},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 120000, "default": 10000, "description": "Whole-request limit; a request taking longer is retryable"},
    "search_window_days": {"type": "integer", "minimum": 1, "maximum": 14, "default": 14, "description": "Longest slot search sent; longer ranges are paged"},
    "booking_attempts": {"type": "integer", "minimum": 1, "maximum": 5, "default": 2, "description": "POSTs per book call; each after the first only once a check found no appointment"},
    "cancellation_reason": {"type": "string", "minLength": 1, "default": "Cancelled online by the patient"},
    "coded_entries": {
      "type": "object",
      "description": "GP Connect Appointment Management has no coded-entry write: how writeCode is carried",
      "properties": {
        "mode": {"type": "string", "enum": ["fhir-observation", "unsupported"], "default": "fhir-observation",
                 "description": "fhir-observation: POST a FHIR STU3 Observation to the practice's coded-entry endpoint; unsupported: refuse"},
        "base_url": {"type": "string", "description": "The coded-entry FHIR endpoint; defaults to base_url"},
        "interaction_id": {"type": "string", "default": "urn:clinhub:names:services:codedentry:fhir:rest:create:observation-1"},
        "identifier_system": {"type": "string", "default": "https://clinhub.invalid/Id/coded-entry"}
      },
      "additionalProperties": false
    }
  },
  "required": ["base_url", "consumer_asid", "provider_asid", "organisation", "practitioner"],
  "additionalProperties": false
})schema";

using clinhub::kit::httpUrl;
using clinhub::kit::integer;
using clinhub::kit::text;

namespace {

using clinhub::ConfigError;
using Poco::JSON::Object;

bool digits(const std::string& s, size_t max) {
    return !s.empty() && s.size() <= max &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string trimSlash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

void required(std::vector<ConfigError>& errors, const std::string& pointer, const std::string& value,
              const std::string& what) {
    if (value.empty()) errors.push_back({pointer, what + " is required"});
}

} // namespace

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c;
    const Object::Ptr root = clinhub::kit::parseConfigObject(json, errors);
    if (root.isNull()) return c;
    try {
        c.baseUrl = trimSlash(text(root, "base_url"));
        if (!httpUrl(c.baseUrl)) errors.push_back({"/base_url", "must be an http:// or https:// URL"});
        c.sspUrl = trimSlash(text(root, "ssp_url"));
        if (!c.sspUrl.empty() && !httpUrl(c.sspUrl))
            errors.push_back({"/ssp_url", "must be an http:// or https:// URL"});
        c.consumerAsid = text(root, "consumer_asid");
        if (!digits(c.consumerAsid, 12)) errors.push_back({"/consumer_asid", "must be an ASID: up to 12 digits"});
        c.providerAsid = text(root, "provider_asid");
        if (!digits(c.providerAsid, 12)) errors.push_back({"/provider_asid", "must be an ASID: up to 12 digits"});
        c.issuer = text(root, "issuer", "https://clinhub.invalid");

        const auto org = root->getObject("organisation");
        if (org.isNull()) errors.push_back({"/organisation", "the organisation the hub books for is required"});
        c.organisation = {text(org, "ods_code"), text(org, "name"), text(org, "telephone"),
                          text(org, "type", "gp-practice")};
        if (!org.isNull()) {
            required(errors, "/organisation/ods_code", c.organisation.odsCode, "the ODS code");
            required(errors, "/organisation/name", c.organisation.name, "the name");
            required(errors, "/organisation/telephone", c.organisation.telephone,
                     "a telephone number (GP Connect requires one for the booking organisation)");
        }

        const auto pr = root->getObject("practitioner");
        if (pr.isNull()) errors.push_back({"/practitioner", "the practitioner named in the JWT is required"});
        c.practitioner = {text(pr, "id"),     text(pr, "sds_user_id"), text(pr, "sds_role_profile_id"),
                          text(pr, "family"), text(pr, "given"),       text(pr, "prefix")};
        if (!pr.isNull()) {
            required(errors, "/practitioner/id", c.practitioner.id, "the local user id");
            required(errors, "/practitioner/sds_user_id", c.practitioner.sdsUserId, "the SDS user id");
            required(errors, "/practitioner/family", c.practitioner.family, "the family name");
        }

        const auto device = root->getObject("device");
        c.device = {text(device, "system", "https://clinhub.invalid/Id/device"), text(device, "value", "clinhub"),
                    text(device, "model", "clinhub"), text(device, "version", "1.0")};

        const auto tls = root->getObject("tls");
        c.tls = {text(tls, "client_certificate"), text(tls, "client_key"), text(tls, "key_password"),
                 text(tls, "ca_bundle")};
        if (c.tls.clientCertificate.empty() != c.tls.clientKey.empty())
            errors.push_back({"/tls", "client_certificate and client_key go together"});

        c.connectTimeout = std::chrono::milliseconds(integer(root, "connect_timeout_ms", 2000, 1, 60000, errors));
        c.totalTimeout = std::chrono::milliseconds(integer(root, "timeout_ms", 10000, 1, 120000, errors));
        c.searchWindowDays = integer(root, "search_window_days", 14, 1, 14, errors);
        c.bookingAttempts = integer(root, "booking_attempts", 2, 1, 5, errors);
        c.cancellationReason = text(root, "cancellation_reason", c.cancellationReason);

        const auto coded = root->getObject("coded_entries");
        const std::string mode = text(coded, "mode", "fhir-observation");
        if (mode == "unsupported")
            c.codedEntries = CodedEntries::unsupported;
        else if (mode != "fhir-observation")
            errors.push_back({"/coded_entries/mode", "must be fhir-observation or unsupported"});
        c.codedEntryBaseUrl = trimSlash(text(coded, "base_url", c.baseUrl));
        if (!httpUrl(c.codedEntryBaseUrl))
            errors.push_back({"/coded_entries/base_url", "must be an http:// or https:// URL"});
        c.codedEntryInteraction =
            text(coded, "interaction_id", "urn:clinhub:names:services:codedentry:fhir:rest:create:observation-1");
        c.codedEntryIdentifierSystem = text(coded, "identifier_system", "https://clinhub.invalid/Id/coded-entry");
    } catch (const Poco::Exception& e) {
        errors.push_back({"", "unexpected value: " + e.displayText()});
    }
    return c;
}

} // namespace gpconnect

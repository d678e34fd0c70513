#include "Config.h"

#include <algorithm>
#include <cctype>

namespace gpconnect {

namespace {

using clinhub::ConfigError;

bool digits(const std::string& s, size_t max) {
    return !s.empty() && s.size() <= max &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string trimSlash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

std::string asidProblem(const std::string& s) { return digits(s, 12) ? "" : "must be an ASID: up to 12 digits"; }

std::string optionalUrlProblem(const std::string& s) { return s.empty() ? "" : clinhub::kit::httpUrlCheck(s); }

} // namespace

using namespace clinhub::kit;

namespace {

const ConfigMap<Organisation> kOrganisation{
    "The organisation the hub acts for: the JWT requesting_organization and the appointment's booking organisation",
    {
        stringKey("ods_code", &Organisation::odsCode).required("the ODS code").pattern("^[A-Z0-9]{3,10}$"),
        stringKey("name", &Organisation::name).required("the name"),
        stringKey("telephone", &Organisation::telephone)
            .required("a telephone number (GP Connect requires one for the booking organisation)"),
        stringKey("type", &Organisation::type)
            .byDefault("gp-practice")
            .describe("GPConnect-OrganisationType-1 code of the booking organisation, e.g. gp-practice or "
                      "urgent-care"),
    }};

const ConfigMap<Practitioner> kPractitioner{
    "The JWT requesting_practitioner (and sub): the user or role on whose behalf the hub books",
    {
        stringKey("id", &Practitioner::id).required("the local user id"),
        stringKey("sds_user_id", &Practitioner::sdsUserId).required("the SDS user id"),
        stringKey("sds_role_profile_id", &Practitioner::sdsRoleProfileId),
        stringKey("family", &Practitioner::family).required("the family name"),
        stringKey("given", &Practitioner::given),
        stringKey("prefix", &Practitioner::prefix),
    }};

const ConfigMap<Device> kDevice{"The JWT requesting_device",
                                {
                                    stringKey("system", &Device::system).byDefault("https://clinhub.invalid/Id/device"),
                                    stringKey("value", &Device::value).byDefault("clinhub"),
                                    stringKey("model", &Device::model).byDefault("clinhub"),
                                    stringKey("version", &Device::version).byDefault("1.0"),
                                }};

const ConfigMap<Tls> kTls{"Mutual TLS towards the SSP or provider",
                          {
                              stringKey("client_certificate", &Tls::clientCertificate).format("path"),
                              stringKey("client_key", &Tls::clientKey).format("path"),
                              stringKey("key_password", &Tls::keyPassword).describe("Give it as ${ENV_VAR}"),
                              stringKey("ca_bundle", &Tls::caBundle).format("path"),
                          }};

const ConfigMap<CodedEntry> kCodedEntry{
    "GP Connect Appointment Management has no coded-entry write: how writeCode is carried",
    {
        choiceKey("mode", &CodedEntry::mode,
                  {{"fhir-observation", CodedEntries::fhirObservation}, {"unsupported", CodedEntries::unsupported}})
            .byDefault("fhir-observation")
            .describe("fhir-observation: POST a FHIR STU3 Observation to the practice's coded-entry endpoint; "
                      "unsupported: refuse"),
        stringKey("base_url", &CodedEntry::baseUrl)
            .check(httpUrlCheck)
            .describe("The coded-entry FHIR endpoint; defaults to base_url"),
        stringKey("interaction_id", &CodedEntry::interaction)
            .byDefault("urn:clinhub:names:services:codedentry:fhir:rest:create:observation-1"),
        stringKey("identifier_system", &CodedEntry::identifierSystem)
            .byDefault("https://clinhub.invalid/Id/coded-entry"),
    }};

} // namespace

const ConfigMap<Config> kConfigMap{
    "A practice's appointment book reached through GP Connect Appointment Management 1.2 (FHIR STU3)",
    {
        stringKey("base_url", &Config::baseUrl)
            .required()
            .check(httpUrlCheck)
            .describe("The provider's FHIR endpoint (nhsMhsEndPoint), e.g. https://provider.example/gpc/fhir; "
                      "also the JWT aud"),
        stringKey("ssp_url", &Config::sspUrl)
            .check(optionalUrlProblem)
            .describe("The Spine Security Proxy; when set, every request goes to <ssp_url>/<base_url>/..."),
        stringKey("consumer_asid", &Config::consumerAsid)
            .required("the hub's ASID")
            .pattern("^[0-9]{1,12}$")
            .check(asidProblem)
            .describe("The hub's ASID (Ssp-From)"),
        stringKey("provider_asid", &Config::providerAsid)
            .required("the practice system's ASID")
            .pattern("^[0-9]{1,12}$")
            .check(asidProblem)
            .describe("The practice system's ASID (Ssp-To)"),
        stringKey("issuer", &Config::issuer)
            .minLength(1)
            .byDefault("https://clinhub.invalid")
            .describe("The JWT iss: the hub's own URL"),
        objectKey("organisation", &Config::organisation, kOrganisation).required("the organisation the hub books for"),
        objectKey("practitioner", &Config::practitioner, kPractitioner).required("the practitioner named in the JWT"),
        objectKey("device", &Config::device, kDevice),
        objectKey("tls", &Config::tls, kTls),
        connectTimeoutKey(&Config::connectTimeout),
        timeoutKey(&Config::totalTimeout),
        integerKey("search_window_days", &Config::searchWindowDays)
            .range(1, 14)
            .byDefault(14)
            .describe("Longest slot search sent; longer ranges are paged"),
        integerKey("booking_attempts", &Config::bookingAttempts)
            .range(1, 5)
            .byDefault(2)
            .describe("POSTs per book call; each after the first only once a check found no appointment"),
        stringKey("cancellation_reason", &Config::cancellationReason)
            .minLength(1)
            .byDefault("Cancelled online by the patient"),
        objectKey("coded_entries", &Config::codedEntry, kCodedEntry),
    }};

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    c.baseUrl = trimSlash(c.baseUrl);
    c.sspUrl = trimSlash(c.sspUrl);
    c.codedEntry.baseUrl = c.codedEntry.baseUrl.empty() ? c.baseUrl : trimSlash(c.codedEntry.baseUrl);
    if (c.tls.clientCertificate.empty() != c.tls.clientKey.empty())
        errors.push_back({"/tls", "client_certificate and client_key go together"});
    return c;
}

} // namespace gpconnect

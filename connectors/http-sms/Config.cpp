#include "Config.h"

#include <stdexcept>

namespace httpsms {

namespace {

using clinhub::ConfigError;
using clinhub::DeliveryState;
using namespace clinhub::kit;

JsonPointer pointer(const std::string& where, const std::string& value, std::vector<ConfigError>& errors) {
    try {
        return JsonPointer(value);
    } catch (const std::invalid_argument& e) {
        errors.push_back({where, "'" + value + "' " + e.what()});
        return {};
    }
}

Template tmpl(const std::string& where, const std::string& value, Escaping escaping,
              const std::vector<std::string>& names, std::vector<ConfigError>& errors) {
    try {
        return Template(value, escaping, names);
    } catch (const std::invalid_argument& e) {
        errors.push_back({where, e.what()});
        return {};
    }
}

const ConfigMap<LookupSettings> kLookup{
    "",
    {
        stringKey("url", &LookupSettings::url)
            .required()
            .check(httpUrlCheck)
            .describe("URL template with {{reference}}, e.g. https://sms.example/v1/messages?client_ref={{reference}}"),
        stringKey("method", &LookupSettings::method).oneOf({"GET", "POST"}).byDefault("GET"),
        stringKey("status", &LookupSettings::status)
            .required("the JSON Pointer to the message's status")
            .describe("JSON Pointer to the message's status; nothing there (or a 404) means the provider never got "
                      "it"),
        stringKey("provider_id", &LookupSettings::providerId).describe("JSON Pointer to the provider's message id"),
        stringMapKey("states", &LookupSettings::states)
            .oneOf({"accepted", "delivered", "failed"})
            .describe("The provider's status words mapped to accepted, delivered or failed; a word not listed counts "
                      "as accepted (the provider has the message)"),
    }};

std::optional<Lookup> lookup(const std::optional<LookupSettings>& given, std::vector<ConfigError>& errors) {
    if (!given) return std::nullopt;
    Lookup l;
    // The reference is filled in first so a URL template is judged as the URL it becomes.
    l.url = tmpl("/lookup/url", given->url, Escaping::url, {"reference"}, errors);
    l.method = given->method;
    l.status = pointer("/lookup/status", given->status, errors);
    l.providerId = pointer("/lookup/provider_id", given->providerId, errors);
    for (const auto& [word, ours] : given->states)
        l.states[word] = ours == "delivered" ? DeliveryState::delivered
                         : ours == "failed"  ? DeliveryState::failed
                                             : DeliveryState::accepted;
    return l;
}

} // namespace

const ConfigMap<Settings> kConfigMap{
    "A generic HTTP SMS gateway, for providers without their own plugin: the request, and where the answer keeps "
    "the message id and the error, are all configured",
    {
        stringKey("url", &Settings::url)
            .required()
            .check(httpUrlCheck)
            .describe("Where messages are sent, e.g. https://sms.example/v1/messages"),
        stringKey("method", &Settings::method).oneOf({"POST", "PUT"}).byDefault("POST"),
        stringMapKey("headers", &Settings::headers)
            .check([](const std::string& value) {
                return value.find_first_of("\r\n") == std::string::npos ? "" : "a header value cannot hold line breaks";
            })
            .describe("Extra request headers, e.g. {X-Api-Key: ${SMS_API_KEY}}: give secrets as ${ENV_VAR}"),
        stringKey("content_type", &Settings::contentType)
            .byDefault("application/json")
            .describe("The body's Content-Type; it decides how values are escaped (JSON, form, XML, or not at all)"),
        stringKey("body", &Settings::body)
            .required("the request body template")
            .describe("Mustache template of the request body with {{to}} (E.164), {{body}} and {{reference}} (the "
                      "hub's unique id: send it where the provider keeps a client reference), e.g. "
                      "{\"to\":\"{{to}}\",\"text\":\"{{body}}\",\"client_ref\":\"{{reference}}\"}"),
        stringKey("provider_id", &Settings::providerId)
            .required("the JSON Pointer to the provider's message id")
            .describe("JSON Pointer to the provider's message id in a 2xx answer, e.g. /messages/0/id"),
        stringKey("error", &Settings::error)
            .describe("JSON Pointer to the error text in a failed answer, e.g. /error/message"),
        integerListKey("permanent_statuses", &Settings::permanent)
            .range(100, 599)
            .describe("HTTP statuses that are permanent failures, beyond the default (4xx except 408 and 429)"),
        integerListKey("retryable_statuses", &Settings::retryable)
            .range(100, 599)
            .describe("HTTP statuses worth retrying, beyond the default (5xx, 408, 429)"),
        connectTimeoutKey(&Settings::connectTimeout),
        timeoutKey(&Settings::timeout),
        objectKey("lookup", &Settings::lookup, kLookup)
            .describe("How to ask the provider about a message by its reference (reconciliation after a crash); "
                      "without it lookup is unsupported"),
    }};

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    const Settings s = kConfigMap.parse(json, errors);
    Config c;
    c.url = s.url;
    c.method = s.method;
    for (const auto& [name, value] : s.headers)
        if (name.find_first_of(":\r\n ") != std::string::npos)
            errors.push_back({"/headers/" + name, "a header name cannot hold ':', spaces or line breaks"});
        else
            c.headers.emplace_back(name, value);
    c.contentType = s.contentType;
    c.body = tmpl("/body", s.body, escapingFor(c.contentType), {"to", "body", "reference"}, errors);
    c.providerId = pointer("/provider_id", s.providerId, errors);
    c.error = pointer("/error", s.error, errors);
    c.permanent = s.permanent;
    c.retryable = s.retryable;
    for (long status : c.permanent)
        if (c.retryable.count(status) != 0)
            errors.push_back({"/retryable_statuses", std::to_string(status) + " is also listed as permanent"});
    c.timeouts = {s.connectTimeout, s.timeout};
    c.lookup = lookup(s.lookup, errors);
    return c;
}

} // namespace httpsms

#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <stdexcept>

namespace httpsms {

const char* const kSchema = R"schema({
  "type": "object",
  "description": "A generic HTTP SMS gateway, for providers without their own plugin: the request, and where the answer keeps the message id and the error, are all configured",
  "properties": {
    "url": {"type": "string", "minLength": 1, "description": "Where messages are sent, e.g. https://sms.example/v1/messages"},
    "method": {"type": "string", "enum": ["POST", "PUT"], "default": "POST"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"},
                "description": "Extra request headers, e.g. {X-Api-Key: ${SMS_API_KEY}}: give secrets as ${ENV_VAR}"},
    "content_type": {"type": "string", "default": "application/json",
                     "description": "The body's Content-Type; it decides how values are escaped (JSON, form, XML, or not at all)"},
    "body": {"type": "string", "minLength": 1,
             "description": "Mustache template of the request body with {{to}} (E.164), {{body}} and {{reference}} (the hub's unique id: send it where the provider keeps a client reference), e.g. {\"to\":\"{{to}}\",\"text\":\"{{body}}\",\"client_ref\":\"{{reference}}\"}"},
    "provider_id": {"type": "string", "description": "JSON Pointer to the provider's message id in a 2xx answer, e.g. /messages/0/id"},
    "error": {"type": "string", "description": "JSON Pointer to the error text in a failed answer, e.g. /error/message"},
    "permanent_statuses": {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599},
                           "description": "HTTP statuses that are permanent failures, beyond the default (4xx except 408 and 429)"},
    "retryable_statuses": {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599},
                           "description": "HTTP statuses worth retrying, beyond the default (5xx, 408, 429)"},
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 2000},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 120000, "default": 10000},
    "lookup": {
      "type": "object",
      "description": "How to ask the provider about a message by its reference (reconciliation after a crash); without it lookup is unsupported",
      "properties": {
        "url": {"type": "string", "minLength": 1, "description": "URL template with {{reference}}, e.g. https://sms.example/v1/messages?client_ref={{reference}}"},
        "method": {"type": "string", "enum": ["GET", "POST"], "default": "GET"},
        "status": {"type": "string", "description": "JSON Pointer to the message's status; nothing there (or a 404) means the provider never got it"},
        "provider_id": {"type": "string", "description": "JSON Pointer to the provider's message id"},
        "states": {"type": "object", "additionalProperties": {"type": "string", "enum": ["accepted", "delivered", "failed"]},
                   "description": "The provider's status words mapped to accepted, delivered or failed; a word not listed counts as accepted (the provider has the message)"}
      },
      "required": ["url", "status"],
      "additionalProperties": false
    }
  },
  "required": ["url", "body", "provider_id"],
  "additionalProperties": false
})schema";

using clinhub::kit::httpUrl;
using clinhub::kit::integer;
using clinhub::kit::text;

namespace {

using clinhub::ConfigError;
using clinhub::DeliveryState;
using Poco::JSON::Object;

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

std::set<long> statuses(const Object::Ptr& o, const std::string& key, std::vector<ConfigError>& errors) {
    std::set<long> out;
    const auto array = o->getArray(key);
    if (array.isNull()) return out;
    for (unsigned i = 0; i < array->size(); ++i) {
        try {
            const long status = array->getElement<int>(i);
            if (status < 100 || status > 599) throw std::out_of_range("status");
            out.insert(status);
        } catch (const std::exception&) {
            errors.push_back({"/" + key + "/" + std::to_string(i), "must be an HTTP status between 100 and 599"});
        }
    }
    return out;
}

std::optional<Lookup> lookup(const Object::Ptr& o, std::vector<ConfigError>& errors) {
    if (o.isNull()) return std::nullopt;
    Lookup l;
    const std::string url = text(o, "url");
    // The reference is filled in first so a URL template is judged as the URL it becomes.
    if (!httpUrl(url)) errors.push_back({"/lookup/url", "must be an http:// or https:// URL"});
    l.url = tmpl("/lookup/url", url, Escaping::url, {"reference"}, errors);
    l.method = text(o, "method", "GET");
    if (l.method != "GET" && l.method != "POST") errors.push_back({"/lookup/method", "must be GET or POST"});
    if (!o->has("status")) errors.push_back({"/lookup/status", "the JSON Pointer to the message's status is required"});
    l.status = pointer("/lookup/status", text(o, "status"), errors);
    l.providerId = pointer("/lookup/provider_id", text(o, "provider_id"), errors);
    const auto states = o->getObject("states");
    if (!states.isNull()) {
        for (const auto& name : states->getNames()) {
            const std::string ours = text(states, name);
            if (ours == "accepted")
                l.states[name] = DeliveryState::accepted;
            else if (ours == "delivered")
                l.states[name] = DeliveryState::delivered;
            else if (ours == "failed")
                l.states[name] = DeliveryState::failed;
            else
                errors.push_back({"/lookup/states/" + name, "must be accepted, delivered or failed"});
        }
    }
    return l;
}

} // namespace

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c;
    const Object::Ptr root = clinhub::kit::parseConfigObject(json, errors);
    if (root.isNull()) return c;
    try {
        c.url = text(root, "url");
        if (!httpUrl(c.url)) errors.push_back({"/url", "must be an http:// or https:// URL"});
        c.method = text(root, "method", "POST");
        if (c.method != "POST" && c.method != "PUT") errors.push_back({"/method", "must be POST or PUT"});
        const auto headers = root->getObject("headers");
        if (!headers.isNull())
            for (const auto& name : headers->getNames()) {
                const std::string value = text(headers, name);
                if (name.find_first_of(":\r\n ") != std::string::npos ||
                    value.find_first_of("\r\n") != std::string::npos)
                    errors.push_back(
                        {"/headers/" + name, "a header name or value cannot hold ':', spaces or line breaks"});
                else
                    c.headers.emplace_back(name, value);
            }
        c.contentType = text(root, "content_type", c.contentType);
        if (!root->has("body")) errors.push_back({"/body", "the request body template is required"});
        c.body = tmpl("/body", text(root, "body"), escapingFor(c.contentType), {"to", "body", "reference"}, errors);
        if (!root->has("provider_id"))
            errors.push_back({"/provider_id", "the JSON Pointer to the provider's message id is required"});
        c.providerId = pointer("/provider_id", text(root, "provider_id"), errors);
        c.error = pointer("/error", text(root, "error"), errors);
        c.permanent = statuses(root, "permanent_statuses", errors);
        c.retryable = statuses(root, "retryable_statuses", errors);
        for (long s : c.permanent)
            if (c.retryable.count(s) != 0)
                errors.push_back({"/retryable_statuses", std::to_string(s) + " is also listed as permanent"});
        c.timeouts.connect = std::chrono::milliseconds(integer(root, "connect_timeout_ms", 2000, 1, 60000, errors));
        c.timeouts.total = std::chrono::milliseconds(integer(root, "timeout_ms", 10000, 1, 120000, errors));
        c.lookup = lookup(root->getObject("lookup"), errors);
    } catch (const Poco::Exception& e) {
        errors.push_back({"", e.displayText()});
    }
    return c;
}

} // namespace httpsms

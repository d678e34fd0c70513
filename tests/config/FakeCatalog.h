// Plugins as config checking sees them, without loading any: config tests must not need real plugins.
#pragma once

#include "hub/config/PluginCatalog.h"

#include <map>
#include <string>
#include <vector>

namespace clinhub::config::testing {

class FakeCatalog : public PluginCatalog {
public:
    FakeCatalog& add(PluginInfo info) {
        const std::string name = info.name;
        plugins_[name] = std::move(info);
        return *this;
    }

    [[nodiscard]] const PluginInfo* find(const std::string& name) const override {
        auto it = plugins_.find(name);
        return it == plugins_.end() ? nullptr : &it->second;
    }

    [[nodiscard]] std::vector<std::string> names() const override {
        std::vector<std::string> out;
        for (const auto& [name, info] : plugins_)
            out.push_back(name);
        return out;
    }

private:
    std::map<std::string, PluginInfo> plugins_;
};

// Stand-ins for the shipped plugins, with schemas shaped like theirs.
inline FakeCatalog standardCatalog() {
    FakeCatalog catalog;
    catalog.add({"local-book",
                 {Kind::appointmentBook, Kind::immunisationRecords},
                 R"({
        "type": "object", "additionalProperties": false, "required": ["database"],
        "properties": {
            "database": {"type": "string", "format": "path", "description": "SQLite file of the book"},
            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 120, "description": "slot length"},
            "seed_demo_slots": {"type": "boolean", "description": "fill an empty book with demo slots"}
        }})",
                 {}});
    catalog.add({"notify",
                 {Kind::sms, Kind::email},
                 R"({
        "type": "object", "additionalProperties": false, "required": ["api_key"],
        "properties": {
            "api_key": {"type": "string", "minLength": 1},
            "base_url": {"type": "string", "pattern": "^https?://"},
            "timeout_ms": {"type": "integer", "minimum": 100},
            "sms_sender_id": {"type": "string"},
            "email_reply_to_id": {"type": "string"}
        }})",
                 [](const std::string& json) {
                     // Like Notify's own rule: a key carries its service id, so it is never this short.
                     std::vector<ConfigError> errors;
                     if (json.find("\"api_key\":\"short\"") != std::string::npos)
                         errors.push_back({"/api_key", "the API key is too short to be a Notify key"});
                     return errors;
                 },
                 [](const std::string&) { return 918; }});
    // An SMS gateway whose limit follows its config, as a plugin's max_characters may.
    // Reaches the NHS App; with {"plan": "with-sms"} its routing plan falls back to SMS itself.
    catalog.add({"nhs-app",
                 {Kind::patientMessaging},
                 R"({"type": "object", "properties": {"plan": {"type": "string"}}})",
                 {},
                 {},
                 [](const std::string& json) { return json.find("with-sms") != std::string::npos; }});
    catalog.add({"short-sms",
                 {Kind::sms},
                 R"({"type": "object", "properties": {"max": {"type": "integer"}}})",
                 {},
                 [](const std::string& json) { return json.find("\"max\":300") != std::string::npos ? 300 : 200; }});
    catalog.add({"http-sms",
                 {Kind::sms},
                 R"({
        "type": "object", "additionalProperties": false, "required": ["url"],
        "properties": {
            "url": {"type": "string", "pattern": "^https?://"},
            "token": {"type": "string"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "sender": {"type": "string"}
        }})",
                 {}});
    catalog.add({"smtp-email",
                 {Kind::email},
                 R"({
        "type": "object", "additionalProperties": false, "required": ["host", "from"],
        "properties": {
            "host": {"type": "string"},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "starttls": {"type": "boolean"},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "from": {"type": "string"}
        }})",
                 {}});
    catalog.add({"fhir-immunisation",
                 {Kind::immunisationRecords},
                 R"({
        "type": "object", "additionalProperties": false, "required": ["base_url"],
        "properties": {
            "base_url": {"type": "string", "pattern": "^https?://"},
            "client_certificate": {"type": "string", "format": "path"},
            "client_key": {"type": "string", "format": "path"},
            "timeout_ms": {"type": "integer", "minimum": 100}
        }})",
                 {}});
    return catalog;
}

} // namespace clinhub::config::testing

// What config checking needs to know of the plugins the host could load.
#pragma once

#include <clinhub/plugin.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace clinhub::config {

enum class Kind { appointmentBook, immunisationRecords, sms, email, patientMessaging };

const char* toString(Kind kind);

struct PluginInfo {
    std::string name;
    std::set<Kind> kinds;
    std::string configSchema; // JSON Schema text of its section
    // The plugin's own checks beyond the schema; empty when it has none.
    std::function<std::vector<ConfigError>(const std::string& configJson)> checkConfig;
    // The longest SMS a connector with that section can send (clinhub_sms_v1.max_characters); empty when
    // the plugin declares none, and then smsMaxCharacters() gives the default.
    std::function<int(const std::string& configJson)> maxCharacters;
    // Whether a patient-messaging connector with that section runs its own cascade to SMS
    // (clinhub_patient_messaging_v1.cascades); empty when the plugin does not say: it does not.
    std::function<bool(const std::string& configJson)> cascades;
};

// The longest SMS a connector of this plugin with that section can send: what it declares, or
// CLINHUB_SMS_DEFAULT_MAX_CHARACTERS when it declares nothing (or nothing usable).
int smsMaxCharacters(const PluginInfo& plugin, const std::string& configJson);

class PluginCatalog {
public:
    virtual ~PluginCatalog() = default;
    [[nodiscard]] virtual const PluginInfo* find(const std::string& name) const = 0;
    [[nodiscard]] virtual std::vector<std::string> names() const = 0;
};

} // namespace clinhub::config

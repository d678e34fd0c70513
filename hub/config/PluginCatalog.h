// What config checking needs to know of the plugins the host could load.
#pragma once

#include <clinhub/plugin.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace clinhub::config {

enum class Kind { appointmentBook, immunisationRecords, sms, email };

const char* toString(Kind kind);

struct PluginInfo {
    std::string name;
    std::set<Kind> kinds;
    std::string configSchema; // JSON Schema text of its section
    // The plugin's own checks beyond the schema; empty when it has none.
    std::function<std::vector<ConfigError>(const std::string& configJson)> checkConfig;
};

class PluginCatalog {
public:
    virtual ~PluginCatalog() = default;
    [[nodiscard]] virtual const PluginInfo* find(const std::string& name) const = 0;
    [[nodiscard]] virtual std::vector<std::string> names() const = 0;
};

} // namespace clinhub::config

// Loading the routing config: YAML in, a checked Config out, or every problem found, each at
// FILE:LINE:COL.
//
// What is checked: YAML syntax; the shape of the file against hub/config/hub.schema.json (unknown keys
// with a "did you mean", wrong types, missing keys, out-of-range values, SNOMED CT check digits);
// duplicate keys; ${VAR}s that are not set; every connector's plugin exists and accepts its section
// (its schema, then its own checkConfig); every route names a connector whose plugin serves that need.
//
// On any problem no Config is returned, so a reload can keep the config it has.
#pragma once

#include "hub/config/Config.h"
#include "hub/config/Diagnostic.h"
#include "hub/config/PluginCatalog.h"

#include <optional>
#include <string>
#include <vector>

namespace clinhub::config {

struct LoadResult {
    std::optional<Config> config;
    std::vector<Diagnostic> problems; // in file order
    // What loads but should be written another way (a deprecated word): shown, never refused.
    std::vector<Diagnostic> warnings;
    [[nodiscard]] bool ok() const { return problems.empty() && config; }
};

// Reads and checks a file. Relative paths inside it are taken from the file's folder.
LoadResult loadConfig(const std::string& path, const PluginCatalog& plugins,
                      const Environment& env = processEnvironment());

// Checks text as though it were the file `fileName` (which need not exist: it names the file in
// messages and anchors relative paths).
LoadResult loadConfigText(const std::string& text, const std::string& fileName, const PluginCatalog& plugins,
                          const Environment& env);

// The JSON Schema of the hub's own sections (hub/config/hub.schema.json, built into the library); each
// connector's `config` is checked by its plugin's. editorSchema() joins them.
std::string hubSchema();

} // namespace clinhub::config

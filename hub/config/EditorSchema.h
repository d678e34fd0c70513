// The config's JSON Schema as editors want it: the hub's own sections, and each connector's `config` checked
// by the schema of the plugin its `plugin:` names, so an editor completes and checks the part sysadmins get
// wrong most. schemas/config.schema.json is this, made with the shipped plugins (`clinhub config schema`).
#pragma once

#include "hub/config/PluginCatalog.h"

#include <string>

namespace clinhub::config {

// hubSchema() with $defs.connector's `plugin` limited to the catalogue's names and, for each, its `config`
// checked by that plugin's schema (if/then, which editors' JSON Schema draft 7 support understands). Throws
// std::invalid_argument naming a plugin whose schema is not a JSON object.
std::string editorSchema(const PluginCatalog& plugins);

} // namespace clinhub::config

// What the loader reports, and where it looks up ${VAR}s. Kept apart from Loader.h so the loader's
// internals can share them without pulling in the whole API.
#pragma once

#include "hub/config/Config.h"

#include <functional>
#include <optional>
#include <string>

namespace clinhub::config {

// One problem with a config file, at a 1-based position (line 0 when it concerns the whole file).
struct Diagnostic {
    Mark mark;
    std::string message;
    // "FILE:LINE:COL: message", the form editors and compilers use, so sysadmins' tools can jump to it.
    [[nodiscard]] std::string str() const;
};

// Looks up an environment variable; nothing when unset. Tests pass their own instead of the process's.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

Environment processEnvironment();

// A scalar after ${VAR} substitution. "$${" stands for a literal "${".
struct Substitution {
    std::string text;
    bool changed = false;            // whether any variable was substituted
    std::vector<std::string> errors; // one per unset variable or malformed reference
};

Substitution substituteVariables(const std::string& text, const Environment& env);

} // namespace clinhub::config

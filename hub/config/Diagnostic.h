// What the loader reports, and where it looks up ${VAR}s. Kept apart from Loader.h so the loader's
// internals can share them without pulling in the whole API.
#pragma once

#include "hub/config/Config.h"

#include <filesystem>
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

// A scalar after substitution. "$${" stands for a literal "${". Three references are read:
// - ${NAME}: the environment variable; ${NAME:-TEXT} gives TEXT when it is unset or empty;
// - ${file:PATH}: the file's text, PATH relative to `baseDirectory` (the config file's folder);
// - ${credential:NAME}: the file NAME in $CREDENTIALS_DIRECTORY, where systemd puts what the unit's
//   LoadCredential= lines give the service.
// Files are read each time a config is loaded, so a secret rotated on disk takes effect on reload. One
// trailing newline is dropped: `echo KEY > file` writes one.
struct Substitution {
    std::string text;
    bool changed = false;            // whether any reference was substituted
    std::vector<std::string> errors; // one per unset variable, unreadable file or malformed reference
};

Substitution substituteVariables(const std::string& text, const Environment& env,
                                 const std::string& baseDirectory = {});

// A secret file is a key or a password, never more.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// A secret file's text without one trailing newline; nullopt with `why` set ("does not exist", "is not a
// file", ...), which never quotes what is in it.
std::optional<std::string> readSecretFile(const std::filesystem::path& path, std::string& why);

} // namespace clinhub::config

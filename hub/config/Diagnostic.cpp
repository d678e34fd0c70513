#include "hub/config/Diagnostic.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace clinhub::config {

std::string Diagnostic::str() const {
    if (mark.line <= 0) return mark.file + ": " + message;
    return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " + message;
}

Environment processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        // getenv is only unsafe against concurrent setenv, which the hub never calls.
        if (const char* value = std::getenv(name.c_str())) return std::string(value);
        return std::nullopt;
    };
}

namespace {

bool isNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

bool isVariableName(const std::string& name) {
    return !name.empty() && isNameStart(name.front()) && std::all_of(name.begin(), name.end(), isNameChar);
}

// systemd's credential names: no slash, and not "." or "..".
bool isCredentialName(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

} // namespace

// Opened without blocking and checked after opening, so a FIFO or a kernel file that waits for data
// (/proc/kmsg) is refused at once rather than holding the load up.
std::optional<std::string> readSecretFile(const std::filesystem::path& path, std::string& why) {
    struct Descriptor {
        int fd;
        ~Descriptor() {
            if (fd >= 0) ::close(fd);
        }
    } const file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
    const int fd = file.fd;
    if (fd < 0) {
        why = errno == ENOENT ? "does not exist" : std::string("cannot be read (") + std::strerror(errno) + ")";
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        why = "is not a file";
        return std::nullopt;
    }
    std::string text(kMaxSecretFileBytes + 1, '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            why = std::string("cannot be read (") + std::strerror(errno) + ")";
            return std::nullopt;
        }
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    if (text.size() > kMaxSecretFileBytes) {
        why = "is larger than " + std::to_string(kMaxSecretFileBytes / 1024) + " KiB: is it the right file?";
        return std::nullopt;
    }
    if (text.ends_with('\n')) text.pop_back();
    if (text.ends_with('\r')) text.pop_back();
    return text;
}

namespace {

// What one ${...} stands for; nullopt with `error` set.
std::optional<std::string> lookUp(const std::string& reference, const Environment& env,
                                  const std::string& baseDirectory, std::string& error) {
    std::string why;
    if (reference.starts_with("file:")) {
        const std::string path = reference.substr(5);
        if (path.empty()) {
            error = "'${file:' needs a path, as in ${file:/etc/clinhub/notify-api-key}";
            return std::nullopt;
        }
        const auto full = std::filesystem::path(baseDirectory) / path; // an absolute PATH stands alone
        auto text = readSecretFile(full, why);
        if (!text) error = "secret file '" + full.lexically_normal().string() + "' " + why;
        return text;
    }
    if (reference.starts_with("credential:")) {
        const std::string name = reference.substr(11);
        if (!isCredentialName(name)) {
            error = "'${credential:' needs the name a LoadCredential= line gives, as in ${credential:notify-api-key}";
            return std::nullopt;
        }
        const auto directory = env("CREDENTIALS_DIRECTORY");
        if (!directory || directory->empty()) {
            error = "credential '" + name +
                    "' asked for, but CREDENTIALS_DIRECTORY is not set: systemd sets it for a unit with "
                    "LoadCredential=" +
                    name + ":PATH (see docs/operations.md); elsewhere use ${file:PATH}";
            return std::nullopt;
        }
        auto text = readSecretFile(std::filesystem::path(*directory) / name, why);
        if (!text) error = "credential '" + name + "' in " + *directory + " " + why;
        return text;
    }
    // ${NAME:-default}, as in the shell: for a setting such as systemd's $STATE_DIRECTORY, which a copied
    // example config uses when it is set and does without when it is not.
    if (const auto dash = reference.find(":-");
        dash != std::string::npos && isVariableName(reference.substr(0, dash))) {
        auto value = env(reference.substr(0, dash));
        return value && !value->empty() ? *value : reference.substr(dash + 2);
    }
    if (!isVariableName(reference)) {
        error = "'${' must start a variable such as ${NOTIFY_API_KEY}, ${file:PATH} or ${credential:NAME}; "
                "write '$${' for a literal '${'";
        return std::nullopt;
    }
    auto value = env(reference);
    if (!value) error = "environment variable '" + reference + "' is not set";
    return value;
}

} // namespace

Substitution substituteVariables(const std::string& text, const Environment& env, const std::string& baseDirectory) {
    Substitution out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "$${") == 0) {
            out.text += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out.text += text[i++];
            continue;
        }
        const std::size_t close = text.find('}', i + 2);
        if (close == std::string::npos) {
            out.errors.emplace_back("'${' is not closed by '}'; write '$${' for a literal '${'");
            out.text += text.substr(i, 2);
            i += 2;
            continue;
        }
        std::string error;
        if (auto value = lookUp(text.substr(i + 2, close - i - 2), env, baseDirectory, error)) {
            out.text += *value;
            out.changed = true;
        } else {
            out.errors.push_back(std::move(error));
            out.text += text.substr(i, close + 1 - i);
        }
        i = close + 1;
    }
    return out;
}

} // namespace clinhub::config

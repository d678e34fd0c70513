#include "hub/config/Surroundings.h"

#include "hub/store/StoreUrl.h"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace clinhub::config {
namespace {

namespace fs = std::filesystem;

// Why an SQLite database at `path` cannot be opened for writing, or nothing. SQLite in WAL mode writes
// its -wal and -shm files beside the database, so the folder must be writable even when the file is.
std::optional<std::string> sqliteProblem(const fs::path& path) {
    const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code error;
    const auto status = fs::status(folder, error);
    if (!fs::exists(status)) return "the folder " + folder.string() + " of the SQLite database does not exist";
    if (!fs::is_directory(status)) return folder.string() + ", which should hold the SQLite database, is not a folder";
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        return "cannot write to " + folder.string() + ", the folder of the SQLite database (" + std::strerror(errno) +
               "): SQLite writes its -wal and -shm files there";
    if (fs::is_directory(path, error)) return path.string() + " is a folder, not an SQLite database";
    if (fs::exists(path, error) && ::access(path.c_str(), R_OK | W_OK) != 0)
        return "cannot write to the SQLite database " + path.string() + " (" + std::strerror(errno) + ")";
    return std::nullopt;
}

} // namespace

Diagnostic about(const Mark& mark, const std::string& key, const std::string& message) {
    return {mark, key + (mark.line > 0 ? "" : " (not set, so the default)") + ": " + message};
}

std::vector<Diagnostic> checkSurroundings(const Config& config) {
    std::vector<Diagnostic> problems;
    const std::string sqlite = "sqlite:";
    if (config.storeUrl.starts_with(sqlite))
        if (auto problem = sqliteProblem(config.storeUrl.substr(sqlite.size())))
            problems.push_back(about(config.storeMark, "hub.store", store::hidingPassword(*problem, config.storeUrl)));
    try {
        // Looks the host up as the server will; a number needs no lookup.
        Poco::Net::SocketAddress address(config.http.listen);
    } catch (const Poco::Exception& e) {
        problems.push_back(
            about(config.listenMark, "hub.listen", "cannot listen on " + config.http.listen + ": " + e.displayText()));
    }
    return problems;
}

} // namespace clinhub::config

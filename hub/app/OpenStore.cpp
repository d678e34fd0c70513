#include "hub/app/OpenStore.h"

#include "hub/app/Hub.h"
#include "hub/config/Diagnostic.h"
#include "hub/config/Surroundings.h"
#include "hub/log/Log.h"

#include <Poco/Data/DataException.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace clinhub::app {
namespace {

// The credential systemd's LoadCredential=data-key:PATH gives the service, read when CLINHUB_DATA_KEY is not set.
constexpr const char* kDataKeyCredential = "data-key";

// libpq's messages run over several lines; a start-up failure is one.
std::string oneLine(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
    text.erase(std::unique(text.begin(), text.end(), [](char a, char b) { return a == ' ' && b == ' '; }), text.end());
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

[[noreturn]] void refuse(const config::Config& config, const std::string& reason) {
    const std::string shown = store::withoutPassword(config.storeUrl);
    throw StartupError({config::about(config.storeMark, "hub.store",
                                      shown + ": " + oneLine(store::hidingPassword(reason, config.storeUrl)))
                            .str()});
}

[[noreturn]] void refuseKeys(const std::string& reason) {
    throw StartupError({std::string(store::kDataKeyVariable) + ": " + reason});
}

// The demo's own key: made once, readable by this user only, beside the database it seals.
std::string demoKeySpec(const config::Config& config) {
    const std::string path = config.storeUrl.substr(std::string("sqlite:").size()) + ".data-key";
    const int made = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (made >= 0) {
        const std::string spec = store::DataKeys::generateSpec("demo") + "\n";
        const bool written = ::write(made, spec.data(), spec.size()) == static_cast<ssize_t>(spec.size());
        ::close(made);
        if (!written) refuseKeys("cannot write the demo key file " + path);
        log::warning(
            "data_key_generated",
            {{"file", path},
             {"action", "a local demo only: set " + std::string(store::kDataKeyVariable) + " for real patients"}});
    } else if (errno != EEXIST) {
        refuseKeys("cannot create the demo key file " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077U) != 0)
        refuseKeys("the demo key file " + path + " must be readable by its owner only (chmod 600)");
    std::ifstream in(path);
    std::string spec;
    std::getline(in, spec);
    return spec;
}

} // namespace

store::DataKeys dataKeys(const config::Config& config) {
    std::string spec;
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    const auto credential = std::filesystem::path(credentials != nullptr ? credentials : "") / kDataKeyCredential;
    std::error_code ec;
    if (const char* given = std::getenv(store::kDataKeyVariable); given != nullptr && *given != '\0') {
        spec = given;
    } else if (credentials != nullptr && *credentials != '\0' && std::filesystem::exists(credential, ec)) {
        // systemd's LoadCredential=data-key:PATH: the key never passes through an environment.
        std::string why;
        auto text = config::readSecretFile(credential, why);
        if (!text) refuseKeys("the credential " + credential.string() + " " + why);
        spec = *text;
    } else if (config.http.localDemo && config.storeUrl.starts_with("sqlite:")) {
        spec = demoKeySpec(config);
    } else {
        refuseKeys("not set. The outbox seals patients' links and details with it (AES-256-GCM). Set it to "
                   "ID:BASE64, e.g. " +
                   std::string(store::kDataKeyVariable) +
                   "=1:$(openssl rand -base64 32), kept out of the config, or give it as the systemd credential " +
                   kDataKeyCredential + "; or, on a demo, hub.local_demo: true");
    }
    try {
        return store::DataKeys::parse(spec);
    } catch (const std::invalid_argument& e) {
        refuseKeys(e.what());
    }
}

std::unique_ptr<store::Store> openStore(const config::Config& config, std::chrono::seconds patience) {
    auto keys = dataKeys(config);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (int attempt = 1;; ++attempt) {
        try {
            auto store = store::Store::open(config.storeUrl);
            store->useKeys(keys);
            for (int version : store->migrate())
                log::info("store_migrated", {{"version", version}});
            return store;
        } catch (const Poco::Data::ConnectionFailedException& e) {
            // Only a server can come up later: a file that cannot be opened now will not be openable in a second.
            const bool server = !config.storeUrl.starts_with("sqlite:");
            if (!server || std::chrono::steady_clock::now() + std::chrono::seconds(1) > deadline)
                refuse(config, (server && attempt > 1 ? "unreachable after " + std::to_string(patience.count()) + " s: "
                                                      : std::string()) +
                                   e.displayText());
            log::warning("store_unreachable",
                         {{"store", store::withoutPassword(config.storeUrl)},
                          {"attempt", attempt},
                          {"reason", oneLine(store::hidingPassword(e.displayText(), config.storeUrl))},
                          {"action", "trying again in 1 s"}});
            std::this_thread::sleep_for(std::chrono::seconds(1));
        } catch (const Poco::Exception& e) {
            refuse(config, e.displayText());
        } catch (const std::exception& e) {
            refuse(config, e.what());
        }
    }
}

} // namespace clinhub::app

#include "hub/runtime/OpenStore.h"

#include "hub/config/Surroundings.h"
#include "hub/log/Log.h"
#include "hub/runtime/Hub.h"

#include <Poco/Data/DataException.h>

#include <algorithm>
#include <thread>

namespace clinhub::runtime {
namespace {

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

} // namespace

std::unique_ptr<store::Store> openStore(const config::Config& config, std::chrono::seconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (int attempt = 1;; ++attempt) {
        try {
            auto store = store::Store::open(config.storeUrl);
            for (int version : store->migrate())
                log::info("store_migrated", {{"version", std::to_string(version)}});
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
                          {"attempt", std::to_string(attempt)},
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

} // namespace clinhub::runtime

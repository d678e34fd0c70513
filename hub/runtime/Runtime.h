// One generation of the running configuration: the config and the connector instances made from it.
//
// A reload builds a whole new Runtime beside the old one and swaps it in only if every connector was
// created, so a bad config never replaces a good one. In-flight work keeps the generation it started
// with alive through its shared_ptr.
#pragma once

#include "hub/config/Config.h"
#include "hub/host/PluginHost.h"
#include "hub/outbox/Dispatcher.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace clinhub::runtime {

class Runtime {
public:
    // Creates every connector of the config; on any failure returns nullptr with every reason in `errors`.
    static std::shared_ptr<const Runtime> build(const config::Config& config, const host::PluginHost& host,
                                                std::vector<std::string>& errors);

    [[nodiscard]] const config::Config& config() const { return config_; }
    [[nodiscard]] std::shared_ptr<host::ConnectorInstance> connector(const std::string& name) const;
    // Where the outbox sends a channel's messages for an organisation, in failover order.
    [[nodiscard]] std::vector<std::shared_ptr<host::ConnectorInstance>> route(const std::string& organisation,
                                                                              outbox::Channel channel) const;
    // The organisation's appointment book, which workflows ask for free slots, patients and bookings;
    // nullptr when it routes none.
    [[nodiscard]] std::shared_ptr<host::ConnectorInstance> appointmentBook(const std::string& organisation) const;
    // The longest SMS every connector the organisation routes SMS to can send: any of them may carry a
    // message after a failover, so the shortest limit. The ABI's default when it routes none.
    [[nodiscard]] int smsMaxCharacters(const std::string& organisation) const;

private:
    config::Config config_;
    std::map<std::string, std::shared_ptr<host::ConnectorInstance>> connectors_;
};

// The current generation, swappable while workers and requests read it.
class Current : public outbox::Routes {
public:
    explicit Current(std::shared_ptr<const Runtime> runtime) : runtime_(std::move(runtime)) {}

    [[nodiscard]] std::shared_ptr<const Runtime> get() const;
    void replace(std::shared_ptr<const Runtime> runtime);

    std::vector<std::shared_ptr<host::ConnectorInstance>> route(const std::string& organisation,
                                                                outbox::Channel channel) override;
    std::shared_ptr<host::ConnectorInstance> connector(const std::string& name) override;
    int ratePerMinute(const std::string& connector) override;
    std::optional<int64_t> quietUntil(const std::string& organisation, int64_t epochSeconds) override;

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Runtime> runtime_;
};

// The plugin folders a config file asks for, read before the full load (which needs the plugins loaded
// to check connector sections), plus the host's default folders. Problems are left to the full load.
std::vector<std::string> pluginDirectories(const std::string& configPath);
// The plugins a config file's connectors name, read the same way: a serving hub loads only these.
std::set<std::string> pluginNames(const std::string& configPath);

} // namespace clinhub::runtime

#include "hub/runtime/Runtime.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

namespace clinhub::runtime {

std::shared_ptr<const Runtime> Runtime::build(const config::Config& config, const host::PluginHost& host,
                                              std::vector<std::string>& errors) {
    auto runtime = std::shared_ptr<Runtime>(new Runtime());
    runtime->config_ = config;
    for (const auto& [name, connector] : config.connectors) {
        std::string error;
        auto instance = host.create(name, connector.plugin, connector.configJson, error);
        if (!instance) {
            errors.push_back(error);
            continue;
        }
        runtime->connectors_.emplace(name, std::move(instance));
    }
    if (!errors.empty()) return nullptr;
    return runtime;
}

std::shared_ptr<host::ConnectorInstance> Runtime::connector(const std::string& name) const {
    auto it = connectors_.find(name);
    return it != connectors_.end() ? it->second : nullptr;
}

std::vector<std::shared_ptr<host::ConnectorInstance>> Runtime::route(const std::string& organisation,
                                                                     outbox::Channel channel) const {
    auto org = config_.organisations.find(organisation);
    if (org == config_.organisations.end()) return {};
    const config::Route& route = org->second.route;
    std::vector<std::string> names;
    switch (channel) {
    case outbox::Channel::sms: names = route.sms; break;
    case outbox::Channel::email: names = {route.email}; break;
    case outbox::Channel::record: names = {route.appointmentBook}; break;
    case outbox::Channel::app: names = {route.nhsApp}; break;
    }
    std::vector<std::shared_ptr<host::ConnectorInstance>> out;
    for (const auto& name : names)
        if (auto c = connector(name)) out.push_back(std::move(c));
    return out;
}

std::shared_ptr<host::ConnectorInstance> Runtime::appointmentBook(const std::string& organisation) const {
    const auto org = config_.organisations.find(organisation);
    return org == config_.organisations.end() ? nullptr : connector(org->second.route.appointmentBook);
}

int Runtime::smsMaxCharacters(const std::string& organisation) const {
    const auto org = config_.organisations.find(organisation);
    int shortest = 0;
    if (org != config_.organisations.end())
        for (const auto& name : org->second.route.sms)
            if (const auto c = config_.connectors.find(name);
                c != config_.connectors.end() && c->second.smsMaxCharacters > 0)
                shortest = shortest == 0 ? c->second.smsMaxCharacters : std::min(shortest, c->second.smsMaxCharacters);
    return shortest > 0 ? shortest : CLINHUB_SMS_DEFAULT_MAX_CHARACTERS;
}

std::shared_ptr<const Runtime> Current::get() const {
    const std::lock_guard lock(mutex_);
    return runtime_;
}

void Current::replace(std::shared_ptr<const Runtime> runtime) {
    std::shared_ptr<const Runtime> old;
    {
        const std::lock_guard lock(mutex_);
        old = std::exchange(runtime_, std::move(runtime));
    }
    // `old` is released here, outside the lock: destroying connectors may take a while.
}

std::vector<std::shared_ptr<host::ConnectorInstance>> Current::route(const std::string& organisation,
                                                                     outbox::Channel channel) {
    return get()->route(organisation, channel);
}

std::shared_ptr<host::ConnectorInstance> Current::connector(const std::string& name) { return get()->connector(name); }

int Current::ratePerMinute(const std::string& connector) {
    const auto runtime = get();
    const auto& connectors = runtime->config().connectors;
    const auto it = connectors.find(connector);
    return it == connectors.end() ? 0 : it->second.ratePerMinute;
}

std::optional<int64_t> Current::quietUntil(const std::string& organisation, int64_t epochSeconds) {
    const auto runtime = get();
    const auto& organisations = runtime->config().organisations;
    const auto it = organisations.find(organisation);
    return it == organisations.end() ? std::nullopt : it->second.quietHours.endOf(epochSeconds);
}

std::vector<std::string> pluginDirectories(const std::string& configPath) {
    std::vector<std::string> dirs;
    try {
        const YAML::Node root = YAML::LoadFile(configPath);
        const auto base = std::filesystem::absolute(configPath).parent_path();
        if (root.IsMap() && root["plugins"] && root["plugins"]["paths"] && root["plugins"]["paths"].IsSequence())
            for (const auto& p : root["plugins"]["paths"])
                if (p.IsScalar()) dirs.push_back((base / p.as<std::string>()).lexically_normal().string());
    } catch (const YAML::Exception&) { // NOLINT(bugprone-empty-catch): the full load reports it with its position
    }
    for (auto& d : host::PluginHost::defaultDirectories())
        if (std::filesystem::is_directory(d)) dirs.push_back(std::move(d));
    return dirs;
}

std::set<std::string> pluginNames(const std::string& configPath) {
    std::set<std::string> names;
    try {
        const YAML::Node root = YAML::LoadFile(configPath);
        if (root.IsMap() && root["connectors"] && root["connectors"].IsMap())
            for (const auto& connector : root["connectors"])
                if (connector.second.IsMap() && connector.second["plugin"] && connector.second["plugin"].IsScalar())
                    names.insert(connector.second["plugin"].as<std::string>());
    } catch (const YAML::Exception&) { // NOLINT(bugprone-empty-catch): the full load reports it with its position
    }
    return names;
}

} // namespace clinhub::runtime

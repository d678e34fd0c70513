// The plugin host: loads connector plugins from shared objects and makes connector instances.
//
// A file is refused, with its path and the reason, when it is writable by others than its owner (or its
// folder is: whoever can write it runs code in the hub), is not a shared object, lacks the entry point, was
// built for another ABI, or returns no descriptor. Two files declaring one plugin name make that name
// unusable, with both named in the refusal: which one runs must never depend on the order of a folder.
// A refusal never stops the other files from loading.
#pragma once

#include "hub/config/PluginCatalog.h"
#include "hub/host/CallObserver.h"

#include <clinhub/plugin.h>
#include <clinhub/plugin.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace clinhub::host {

// One shared object the host opened and accepted.
struct PluginFile {
    std::string path;
    const clinhub_plugin* descriptor = nullptr;
    config::PluginInfo info;
    std::string version;
    std::string description;
    std::shared_ptr<void> handle; // dlclose()s when the last user lets go
};

struct Refusal {
    std::string path;
    std::string reason;
};

// A live instance of a plugin, configured for one named connector. The accessors return nullptr for
// the kinds the plugin does not implement. Safe to call from several threads when the plugin is.
class ConnectorInstance {
public:
    virtual ~ConnectorInstance() = default;
    [[nodiscard]] virtual const std::string& name() const = 0;
    [[nodiscard]] virtual const PluginFile& plugin() const = 0;
    virtual AppointmentBook* appointmentBook() = 0;
    virtual ImmunisationRecords* immunisationRecords() = 0;
    virtual SmsSender* sms() = 0;
    virtual EmailSender* email() = 0;
    virtual PatientMessenger* patientMessaging() = 0;
};

class PluginHost : public config::PluginCatalog {
public:
    PluginHost();
    ~PluginHost() override;
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // The folders searched when a config names none: <exe>/plugins and <exe>/../lib/clinhub/plugins.
    static std::vector<std::string> defaultDirectories();

    // Loads every *.so in the folder (not recursively), for listing and checking. A missing folder is
    // itself a refusal.
    void loadDirectory(const std::string& directory);
    // Loads only the named plugins, each from the file libclinhub-<name>.so in one of the folders, as a
    // serving hub does: a file nobody named is never opened. A name with no such file is a refusal.
    void loadNamed(const std::vector<std::string>& directories, const std::set<std::string>& names);
    // Loads one file; false (and a refusal recorded) when it was refused.
    bool loadFile(const std::string& path);

    [[nodiscard]] const std::vector<Refusal>& refused() const { return refused_; }
    [[nodiscard]] std::vector<const PluginFile*> loaded() const;

    [[nodiscard]] const config::PluginInfo* find(const std::string& name) const override;
    [[nodiscard]] std::vector<std::string> names() const override;

    // Who watches the calls of the instances create() makes from now on; none by default (a call then costs
    // nothing extra). Instances made before keep the observer they were made with.
    void observe(std::shared_ptr<CallObserver> observer) { observer_ = std::move(observer); }

    // Makes a connector instance; on failure returns nullptr and says why in `error` (naming the file).
    std::shared_ptr<ConnectorInstance> create(const std::string& connectorName, const std::string& pluginName,
                                              const std::string& configJson, std::string& error) const;

private:
    std::map<std::string, std::shared_ptr<const PluginFile>> plugins_; // by plugin name
    std::vector<Refusal> refused_;
    std::map<std::string, std::string> ambiguous_; // plugin name -> the files declaring it
    std::shared_ptr<CallObserver> observer_;
};

} // namespace clinhub::host

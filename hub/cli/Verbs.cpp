#include "hub/cli/Verbs.h"

#include "hub/api/ApiKeys.h"
#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/runtime/Hub.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/SelfBook.h"

#include <Poco/Exception.h>

#include <csignal>
#include <functional>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <pthread.h>
#include <sstream>

namespace clinhub::cli {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct Verb {
    std::string usage;
    std::string summary;
    std::string help;
    std::function<int(const std::vector<std::string>&, std::ostream&, std::ostream&)> run;
};

// `--config F` or `--config=F`, or else the first positional argument when `positional` is set.
std::optional<std::string> configArgument(const std::vector<std::string>& args, bool positional) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) return args[i + 1];
        if (args[i].rfind("--config=", 0) == 0) return args[i].substr(9);
    }
    if (positional)
        for (const auto& a : args)
            if (a.rfind("--", 0) != 0) return a;
    return std::nullopt;
}

void loadPlugins(host::PluginHost& host, const std::optional<std::string>& configPath) {
    const auto dirs = configPath ? runtime::pluginDirectories(*configPath) : host::PluginHost::defaultDirectories();
    for (const auto& dir : dirs)
        host.loadDirectory(dir);
}

// The config at `path`, with its plugins loaded; every problem printed to `err` when it cannot be used.
std::optional<config::Config> usableConfig(host::PluginHost& host, const std::string& path, std::ostream& err) {
    loadPlugins(host, path);
    auto result = config::loadConfig(path, host);
    for (const auto& p : result.problems)
        err << p.str() << '\n';
    return result.ok() ? std::move(result.config) : std::nullopt;
}

int configCheck(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const auto path = configArgument(args, true);
    if (!path) {
        err << "usage: clinhub config check FILE\n";
        return kUsage;
    }
    host::PluginHost host;
    loadPlugins(host, path);
    const auto result = config::loadConfig(*path, host);
    for (const auto& p : result.problems)
        err << p.str() << '\n';
    if (!result.ok()) {
        err << *path << ": " << result.problems.size() << (result.problems.size() == 1 ? " problem" : " problems")
            << '\n';
        return kUsage;
    }
    out << *path << ": OK (" << result.config->connectors.size() << " connectors, "
        << result.config->organisations.size() << " organisations)\n";
    return 0;
}

int configSchema(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
    const std::string schema = config::hubSchema();
    out << schema << (schema.ends_with('\n') ? "" : "\n");
    return 0;
}

std::string kinds(const config::PluginInfo& info) {
    std::string out;
    for (auto k : info.kinds)
        out += (out.empty() ? "" : ",") + std::string(config::toString(k));
    return out;
}

int pluginsList(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
    host::PluginHost host;
    loadPlugins(host, configArgument(args, false));
    out << std::left << std::setw(16) << "NAME" << std::setw(26) << "KIND" << std::setw(9) << "VERSION" << std::setw(5)
        << "ABI" << std::setw(9) << "STATUS"
        << "FILE\n";
    for (const auto* p : host.loaded())
        out << std::setw(16) << p->info.name << std::setw(26) << kinds(p->info) << std::setw(9) << p->version
            << std::setw(5)
            << (std::to_string(p->descriptor->abi_major) + "." + std::to_string(p->descriptor->abi_minor))
            << std::setw(9) << "loaded" << p->path << '\n';
    for (const auto& r : host.refused())
        out << std::setw(16) << "-" << std::setw(26) << "-" << std::setw(9) << "-" << std::setw(5) << "-"
            << std::setw(9) << "refused" << r.path << ": " << r.reason << '\n';
    return 0;
}

int pluginsSchema(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::optional<std::string> name;
    for (const auto& a : args)
        if (a.rfind("--", 0) != 0) name = a;
    if (!name) {
        err << "usage: clinhub plugins schema NAME [--config FILE]\n";
        return kUsage;
    }
    host::PluginHost host;
    loadPlugins(host, configArgument(args, false));
    const auto* info = host.find(*name);
    if (info == nullptr) {
        err << "clinhub: no plugin named '" << *name << "' (`clinhub plugins list` shows what was found)\n";
        return kFailed;
    }
    out << info->configSchema << (info->configSchema.ends_with('\n') ? "" : "\n");
    return 0;
}

int migrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const auto path = configArgument(args, false);
    if (!path) {
        err << "usage: clinhub migrate --config FILE\n";
        return kUsage;
    }
    host::PluginHost host;
    const auto config = usableConfig(host, *path, err);
    if (!config) return kUsage;
    auto store = store::Store::open(config->storeUrl);
    const auto applied = store->migrate();
    out << config->storeUrl << ": schema version " << store->schemaVersion() << " (" << applied.size()
        << " migrations applied now)\n";
    return 0;
}

int serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const auto path = configArgument(args, false);
    if (!path) {
        err << "usage: clinhub serve --config FILE\n";
        return kUsage;
    }
    // Every thread started from here on inherits this mask, so the signals reach only sigwait below.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    runtime::Hub hub(*path);
    try {
        hub.start();
    } catch (const runtime::StartupError& e) {
        for (const auto& p : e.problems())
            err << p << '\n';
        err << "clinhub: not started\n";
        return kUsage;
    }
    out << "clinhub serving on port " << hub.port() << " (config " << *path << ")" << std::endl;
    for (;;) {
        int signal = 0;
        sigwait(&signals, &signal);
        if (signal == SIGHUP) {
            hub.reload();
            continue;
        }
        break;
    }
    hub.stop();
    return 0;
}

int keysCreate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const auto path = configArgument(args, false);
    std::optional<std::string> org;
    std::string name = "staff API";
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--org") org = args[i + 1];
        if (args[i] == "--name") name = args[i + 1];
    }
    if (!path || !org || org->empty() || name.empty()) {
        err << "usage: clinhub keys create --config FILE --org ODS [--name NAME]\n";
        return kUsage;
    }
    host::PluginHost host;
    const auto config = usableConfig(host, *path, err);
    if (!config) return kUsage;
    if (!config->organisations.contains(*org)) {
        err << "clinhub keys create: organisation '" << *org << "' is not in " << *path << '\n';
        return kUsage;
    }
    auto store = store::Store::open(config->storeUrl);
    store->migrate();
    api::ApiKeys keys(*store);
    const auto created = keys.create(*org, name);
    // The key alone on the first line, so `| head -n1` hands it to a script.
    out << created.key << '\n'
        << "API key " << created.id << " for " << *org << " (" << name
        << "): shown only once; clinhub keeps only its hash, so store it now.\n";
    return 0;
}

std::optional<std::string> option(const std::vector<std::string>& args, const std::string& name) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) return args[i + 1];
    return std::nullopt;
}

int linksCreate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const auto path = configArgument(args, false);
    const auto org = option(args, "--org");
    const auto rule = option(args, "--rule");
    const auto nhs = option(args, "--nhs-number");
    const auto dob = option(args, "--date-of-birth");
    const auto mobile = option(args, "--mobile");
    if (!path || !org || !rule || !nhs || !dob || !mobile) {
        err << "usage: clinhub links create --config FILE --org ODS --rule RULE --nhs-number N --date-of-birth D "
               "--mobile M [--name NAME]\n";
        return kUsage;
    }
    host::PluginHost host;
    const auto config = usableConfig(host, *path, err);
    if (!config) return kUsage;
    std::vector<std::string> problems;
    auto built = runtime::Runtime::build(*config, host, problems);
    for (const auto& p : problems)
        err << p << '\n';
    if (!built) return kFailed;
    runtime::Current current(built);
    auto store = store::Store::open(config->storeUrl);
    store->migrate();
    workflows::SelfBook selfBook(*store, current);
    try {
        const auto created =
            selfBook.createLink(*org, *rule, {*nhs, *dob, *mobile, option(args, "--name").value_or("")});
        out << created.url << '\n' << "Link " << created.link.id << " queued its invite SMS; a running hub sends it.\n";
        return 0;
    } catch (const workflows::InvalidRequest& e) {
        for (const auto& f : e.errors())
            err << f.field << ": " << f.message << '\n';
    } catch (const workflows::NotFound& e) {
        err << "clinhub links create: organisation '" << *org << "' is not in " << *path << '\n';
    }
    return kUsage;
}

const std::map<std::string, Verb>& verbs() {
    static const std::map<std::string, Verb> all{
        {"serve",
         {"clinhub serve --config FILE", "run the hub",
          "Loads the plugins and the config, migrates the store, and serves HTTP until SIGINT or SIGTERM.\n"
          "SIGHUP re-reads the config: a valid one takes effect, an invalid one is logged and the running\n"
          "one keeps serving.",
          serve}},
        {"config check",
         {"clinhub config check FILE", "check a config file and report every problem",
          "Reports every problem as FILE:LINE:COL: message and exits 2 when there is any; the plugins the\n"
          "config names are loaded so their sections are checked too.",
          configCheck}},
        {"config schema",
         {"clinhub config schema", "print the config's JSON Schema (for editors)",
          "Prints the JSON Schema of the YAML config, as published in schemas/config.schema.json.", configSchema}},
        {"plugins list",
         {"clinhub plugins list [--config FILE]", "list plugins found, loaded or refused",
          "Loads every plugin from the config's plugin folders (or the default folders) and lists each\n"
          "with its kinds, version, ABI, file and status; a refused file is listed with the reason.",
          pluginsList}},
        {"plugins schema",
         {"clinhub plugins schema NAME [--config FILE]", "print the JSON Schema of a plugin's config section",
          "Prints the schema the named plugin publishes for its `config:` section: every key it takes.",
          pluginsSchema}},
        {"migrate",
         {"clinhub migrate --config FILE", "bring the store's schema up to date",
          "Applies every numbered migration the store lacks. `serve` does this too, at start.", migrate}},
        {"links create",
         {"clinhub links create --config FILE --org ODS --rule RULE --nhs-number N --date-of-birth D --mobile M",
          "send one patient a self-book link",
          "Creates a self-book link for one patient under the organisation's booking rule and queues its invite\n"
          "SMS, exactly as the staff API does; prints the link on the first line. A running hub sends the SMS.\n"
          "--name NAME adds the name the messages address the patient by.",
          linksCreate}},
        {"keys create",
         {"clinhub keys create --config FILE --org ODS [--name NAME]", "create a staff API key for one organisation",
          "Creates a key for the staff API that opens only the organisation ODS (which must be in the\n"
          "config), migrating the store first. The key is printed once, alone on the first line; only its\n"
          "SHA-256 is stored, so it cannot be shown again. NAME says who or what uses it (default \"staff API\").",
          keysCreate}},
    };
    return all;
}

void usage(std::ostream& out) {
    out << "clinhub " << CLINHUB_VERSION << ": an integration hub for clinical systems\n\nusage:\n";
    // Summary under usage: the longest usage lines would push a column past any terminal's width.
    for (const auto& [name, verb] : verbs())
        out << "  " << verb.usage << "\n      " << verb.summary << '\n';
    out << "\n`clinhub VERB --help` tells more.\n";
}

} // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        usage(args.empty() ? err : out);
        return args.empty() ? kUsage : 0;
    }
    if (args[0] == "--version") {
        out << "clinhub " << CLINHUB_VERSION << " (plugin ABI " << CLINHUB_ABI_MAJOR << "." << CLINHUB_ABI_MINOR
            << ")\n";
        return 0;
    }
    // Verbs are one or two words: take the longest that matches.
    for (size_t words = 2; words >= 1; --words) {
        if (args.size() < words) continue;
        std::string name = args[0];
        if (words == 2) name += " " + args[1];
        auto it = verbs().find(name);
        if (it == verbs().end()) continue;
        std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(words), args.end());
        for (const auto& a : rest)
            if (a == "--help" || a == "-h") {
                out << "usage: " << it->second.usage << "\n\n" << it->second.help << '\n';
                return 0;
            }
        try {
            return it->second.run(rest, out, err);
        } catch (const Poco::Exception& e) {
            err << "clinhub " << name << ": " << e.displayText() << '\n';
            return kFailed;
        }
    }
    err << "clinhub: unknown command '" << args[0] << "'\n\n";
    usage(err);
    return kUsage;
}

} // namespace clinhub::cli

#include "hub/cli/Verbs.h"

#include "hub/app/Hub.h"
#include "hub/app/OpenStore.h"
#include "hub/app/Supervisor.h"
#include "hub/audit/AuditLog.h"
#include "hub/batch/BatchRows.h"
#include "hub/cli/Options.h"
#include "hub/config/EditorSchema.h"
#include "hub/config/Loader.h"
#include "hub/config/Surroundings.h"
#include "hub/host/PluginHost.h"
#include "hub/log/Log.h"
#include "hub/runtime/Probe.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/ApiKeys.h"
#include "hub/staff/Passwords.h"
#include "hub/staff/Sessions.h"
#include "hub/staff/Users.h"
#include "hub/store/Backup.h"
#include "hub/store/Store.h"
#include "hub/workflows/SelfBook.h"

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <pthread.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace clinhub::cli {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;
// A key for a contractor or a pilot should lapse; ten years is "until revoked" without saying so.
constexpr long kMaxKeyDays = 3650;
constexpr const char* kKeysCreateUsage =
    "clinhub keys create --config FILE --org ODS|'*' [--name NAME] [--expires-in DAYS] "
    "[--role viewer|staff|admin|operator] [--user EMAIL]";
constexpr const char* kUsersCreateUsage =
    "clinhub users create --config FILE --org ODS|'*' --email EMAIL --role viewer|staff|admin|operator [--name NAME]";
constexpr int64_t kMicrosPerDay = int64_t{24} * 3600 * 1'000'000;

struct Verb {
    std::string usage;
    std::string summary;
    std::string help;
    Syntax syntax;
    std::function<int(const Options&, std::ostream&, std::ostream&)> run;
    // A verb that does one thing and exits: its stderr is for warnings and errors, so the info lines a
    // running hub logs (a plugin loaded, a key created) appear only with --verbose.
    bool oneShot = true;
};

void loadPlugins(host::PluginHost& host, const std::optional<std::string>& configPath) {
    if (configPath) {
        for (const auto& dir : runtime::pluginDirectories(*configPath))
            host.loadDirectory(dir);
        return;
    }
    // Of the default folders, a build tree has the first and an installed hub the second: the other is
    // not missing, only not used.
    for (const auto& dir : host::PluginHost::defaultDirectories())
        if (std::error_code ec; std::filesystem::is_directory(dir, ec)) host.loadDirectory(dir);
}

// The config at `path`, with its plugins loaded; every problem printed to `err` when it cannot be used.
std::optional<config::Config> usableConfig(host::PluginHost& host, const std::string& path, std::ostream& err) {
    loadPlugins(host, path);
    auto result = config::loadConfig(path, host);
    for (const auto& p : result.problems)
        err << p.str() << '\n';
    for (const auto& w : result.warnings)
        err << w.str() << " (warning)\n";
    return result.ok() ? std::move(result.config) : std::nullopt;
}

// The config's store, migrated; nullptr, with the reason on `err`, when it cannot be used.
std::unique_ptr<store::Store> openStore(const config::Config& config, std::ostream& err) {
    try {
        return app::openStore(config);
    } catch (const app::StartupError& e) {
        for (const auto& p : e.problems())
            err << p << '\n';
    }
    return nullptr;
}

// `config check --probe`: a table of what each connector answered, then the rules' slot types no book holds.
int probeConnectors(const config::Config& config, const host::PluginHost& host, std::ostream& out, std::ostream& err) {
    std::vector<std::string> errors;
    const auto runtime = runtime::Runtime::build(config, host, errors);
    if (!runtime) {
        for (const auto& e : errors)
            err << e << '\n';
        return kFailed;
    }
    const auto report = runtime::probe(*runtime);
    std::size_t name = 11, plugin = 8, kind = 6;
    for (const auto& r : report.rows) {
        name = std::max(name, r.connector.size() + 2);
        plugin = std::max(plugin, r.plugin.size() + 2);
        kind = std::max(kind, r.kind.size() + 2);
    }
    const auto width = [](std::size_t w) { return std::setw(static_cast<int>(w)); };
    out << '\n'
        << std::left << width(name) << "CONNECTOR" << width(plugin) << "PLUGIN" << width(kind) << "KIND" << std::setw(9)
        << "RESULT" << std::setw(9) << "TIME"
        << "ANSWER\n";
    for (const auto& r : report.rows)
        out << width(name) << r.connector << width(plugin) << r.plugin << width(kind) << r.kind << std::setw(9)
            << (r.reached ? "ok" : "FAILED") << std::setw(9) << (std::to_string(r.took.count()) + "ms") << r.outcome
            << '\n';
    for (const auto& p : report.problems)
        err << p.str() << '\n';
    const auto unreached =
        std::count_if(report.rows.begin(), report.rows.end(), [](const auto& r) { return !r.reached; });
    if (unreached > 0 || !report.problems.empty())
        err << config.file << ": probing found " << unreached << " connector call" << (unreached == 1 ? "" : "s")
            << " failed and " << report.problems.size() << " slot type" << (report.problems.size() == 1 ? "" : "s")
            << " not in a book\n";
    return report.ok() ? 0 : kFailed;
}

int configCheck(const Options& options, std::ostream& out, std::ostream& err) {
    auto path = options.value("--config");
    if (path.has_value() == !options.arguments.empty()) {
        err << "usage: clinhub config check FILE\n";
        return kUsage;
    }
    if (!path) path = options.arguments.front();
    host::PluginHost host;
    loadPlugins(host, path);
    auto result = config::loadConfig(*path, host);
    if (result.ok()) result.problems = config::checkSurroundings(*result.config);
    for (const auto& p : result.problems)
        err << p.str() << '\n';
    if (!result.problems.empty()) {
        err << *path << ": " << result.problems.size() << (result.problems.size() == 1 ? " problem" : " problems")
            << '\n';
        return kUsage;
    }
    out << *path << ": OK (" << result.config->connectors.size() << " connectors, "
        << result.config->organisations.size() << " organisations)\n";
    return options.flag("--probe") ? probeConnectors(*result.config, host, out, err) : 0;
}

int configSchema(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    loadPlugins(host, options.value("--config"));
    try {
        out << config::editorSchema(host);
    } catch (const std::invalid_argument& e) {
        err << "clinhub: " << e.what() << '\n';
        return kFailed;
    }
    return 0;
}

std::string kinds(const config::PluginInfo& info) {
    std::string out;
    for (auto k : info.kinds)
        out += (out.empty() ? "" : ",") + std::string(config::toString(k));
    return out;
}

int pluginsList(const Options& options, std::ostream& out, std::ostream&) {
    host::PluginHost host;
    loadPlugins(host, options.value("--config"));
    // Wide enough for the longest name and kinds (fhir-immunisation, immunisation-records), so a column
    // never runs into the next.
    int name = 16, kind = 26;
    for (const auto* p : host.loaded()) {
        name = std::max(name, static_cast<int>(p->info.name.size()) + 2);
        kind = std::max(kind, static_cast<int>(kinds(p->info).size()) + 2);
    }
    out << std::left << std::setw(name) << "NAME" << std::setw(kind) << "KIND" << std::setw(9) << "VERSION"
        << std::setw(5) << "ABI" << std::setw(9) << "STATUS"
        << "FILE\n";
    for (const auto* p : host.loaded())
        out << std::setw(name) << p->info.name << std::setw(kind) << kinds(p->info) << std::setw(9) << p->version
            << std::setw(5)
            << (std::to_string(p->descriptor->abi_major) + "." + std::to_string(p->descriptor->abi_minor))
            << std::setw(9) << "loaded" << p->path << '\n';
    for (const auto& r : host.refused())
        out << std::setw(name) << "-" << std::setw(kind) << "-" << std::setw(9) << "-" << std::setw(5) << "-"
            << std::setw(9) << "refused" << r.path << ": " << r.reason << '\n';
    return 0;
}

int pluginsSchema(const Options& options, std::ostream& out, std::ostream& err) {
    const std::string& name = options.arguments.front();
    host::PluginHost host;
    loadPlugins(host, options.value("--config"));
    const auto* info = host.find(name);
    if (info == nullptr) {
        err << "clinhub: no plugin named '" << name << "' (`clinhub plugins list` shows what was found)\n";
        return kFailed;
    }
    if (options.flag("--markdown")) {
        try {
            out << kit::configMarkdown(info->configSchema.empty() ? "{}" : info->configSchema);
        } catch (const Poco::Exception& e) {
            err << "clinhub: plugin '" << name << "' publishes a schema that is not JSON: " << e.displayText() << '\n';
            return kFailed;
        }
        return 0;
    }
    out << info->configSchema << (info->configSchema.ends_with('\n') ? "" : "\n");
    return 0;
}

int migrate(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    // Each migration applied now is a store_migrated line of the log, shown with --verbose.
    out << store->url() << ": schema version " << store->schemaVersion() << '\n';
    return 0;
}

// The SQLite store's file; nullopt, with where to look instead on `err`, for a PostgreSQL store, which
// PostgreSQL's own tools back up and restore.
std::optional<std::string> sqliteFile(const config::Config& config, const std::string& verb, std::ostream& err) {
    const std::string sqlite = "sqlite:";
    if (config.storeUrl.starts_with(sqlite)) return config.storeUrl.substr(sqlite.size());
    err << "clinhub " << verb << ": the store is PostgreSQL (" << store::withoutPassword(config.storeUrl)
        << "): use pg_dump -Fc and pg_restore --clean --if-exists (docs/operations.md, \"Backup and restore\")\n";
    return std::nullopt;
}

int backup(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    const auto file = sqliteFile(*config, "backup", err);
    if (!file) return kFailed;
    const std::string& to = options.arguments.front();
    try {
        const auto info = store::backupSqlite(*file, to, options.flag("--force"));
        out << to << ": " << *file << " at schema version " << info.schemaVersion << ", " << info.bytes << " bytes\n";
    } catch (const std::exception& e) { // store::BackupError, or the file system's own
        err << "clinhub backup: " << e.what() << '\n';
        return kFailed;
    }
    return 0;
}

int restore(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    const auto file = sqliteFile(*config, "restore", err);
    if (!file) return kFailed;
    const std::string& from = options.arguments.front();
    try {
        const auto info = store::restoreSqlite(from, *file);
        out << *file << ": restored from " << from << ", schema version " << info.schemaVersion << ", " << info.bytes
            << " bytes";
        if (info.schemaVersion < store::Store::knownVersion())
            out << " (the next start migrates it to " << store::Store::knownVersion() << ")";
        out << '\n';
    } catch (const std::exception& e) {
        err << "clinhub restore: " << e.what() << '\n';
        return kFailed;
    }
    return 0;
}

// SIGHUP, SIGINT and SIGTERM, all taken by one thread of their own. While the hub starts or stops, SIGINT or
// SIGTERM ends the process at once: nothing half done needs undoing (every store write is a transaction),
// and a hub stuck at start (a store that does not answer) must yield to systemd's SIGTERM, not need a
// SIGKILL. While it serves, each signal is handed to next().
class Signals {
public:
    enum class Phase { starting, serving, stopping };

    // Call before any thread is started: each inherits the mask, so the signals reach only this sigwait.
    static Signals& watch(std::ostream& err) {
        // Never deleted: its thread waits for signals until the process ends.
        auto* signals = new Signals(err);
        std::thread([signals] { signals->run(); }).detach();
        return *signals;
    }

    void enter(Phase phase) {
        const std::lock_guard lock(mutex_);
        phase_ = phase;
    }

    int next() {
        std::unique_lock lock(mutex_);
        arrived_.wait(lock, [this] { return !pending_.empty(); });
        const int signal = pending_.front();
        pending_.pop_front();
        return signal;
    }

private:
    explicit Signals(std::ostream& err) : err_(err) {
        sigemptyset(&set_);
        for (int signal : {SIGHUP, SIGINT, SIGTERM})
            sigaddset(&set_, signal);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    }

    void run() {
        for (;;) {
            int signal = 0;
            if (sigwait(&set_, &signal) != 0) continue;
            const std::lock_guard lock(mutex_);
            if (phase_ == Phase::serving) {
                pending_.push_back(signal);
                arrived_.notify_one();
            } else if (signal != SIGHUP) { // a reload before the config is read, or after, means nothing
                err_ << "clinhub: SIG" << sigabbrev_np(signal) << " while "
                     << (phase_ == Phase::starting ? "starting: not started" : "stopping: stopped at once")
                     << std::endl;
                std::_Exit(128 + signal);
            }
        }
    }

    std::ostream& err_;
    sigset_t set_{};
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<int> pending_;
    Phase phase_ = Phase::starting;
};

int serve(const Options& options, std::ostream& out, std::ostream& err) {
    const auto path = options.value("--config");
    Signals& signals = Signals::watch(err);
    app::Hub hub(*path);
    try {
        hub.start();
    } catch (const app::StartupError& e) {
        for (const auto& p : e.problems())
            err << p << '\n';
        err << "clinhub: not started\n";
        return kUsage;
    }
    signals.enter(Signals::Phase::serving);
    std::ostringstream serving;
    serving << "serving on port " << hub.port();
    if (hub.adminPort() != hub.port()) serving << "; staff API and metrics on port " << hub.adminPort();
    out << "clinhub serving on port " << hub.port() << " (config " << *path << ")";
    if (hub.adminPort() != hub.port()) out << "; staff API and metrics on port " << hub.adminPort();
    out << std::endl;
    app::Supervisor supervisor([&hub] { return hub.alive(); });
    supervisor.ready(serving.str());
    // Whoever sent the signal is not known to the hub: the trail names the signal.
    while (signals.next() == SIGHUP) {
        supervisor.reloading();
        const auto problems = hub.reload({"hub", "", "SIGHUP", ""});
        supervisor.reloaded(problems.empty() ? serving.str() : serving.str() + "; the last reload was refused");
    }
    signals.enter(Signals::Phase::stopping);
    supervisor.stopping();
    hub.stop();
    return 0;
}

// `--expires-in DAYS` in microseconds: 0 for none, nullopt for anything but 1 to kMaxKeyDays whole days.
std::optional<int64_t> lifetimeOf(const Options& options) {
    const auto days = options.value("--expires-in");
    if (!days) return 0;
    char* end = nullptr;
    const long n = std::strtol(days->c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > kMaxKeyDays) return std::nullopt;
    return n * kMicrosPerDay;
}

// A stored time as the operator reads it, in UTC to the minute; "-" for never or none.
std::string shownTime(int64_t micros) {
    return micros == 0 ? "-" : Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%d %H:%MZ");
}

// What the command line changed in users and keys, for the audit log: written in the change's own transaction
// when it is made, or on its own when it is refused.
audit::Entry byCommandLine(std::string action, std::string organisation, std::string resource,
                           audit::Outcome outcome = audit::Outcome::success, std::string detail = {}) {
    return {0,
            audit::Actor::commandLine(),
            std::move(action),
            std::move(organisation),
            std::move(resource),
            {},
            outcome,
            std::move(detail)};
}

// Why `role` cannot be held in `org` ("" when it can): an organisation of the config holds a practice role,
// and '*' (every organisation) the hub's operator only.
std::string roleProblem(const config::Config& config, const std::string& path, const std::string& org,
                        const std::optional<staff::Role>& role) {
    if (!role) return "--role is viewer, staff, admin or operator";
    const bool everywhere = org == staff::kEveryOrganisation;
    if (*role == staff::Role::hubOperator && !everywhere)
        return "the operator role is hub-wide: give it with --org '*'";
    if (everywhere && *role != staff::Role::hubOperator)
        return "--org '*' (every organisation) is for the operator role";
    if (!everywhere && !config.organisations.contains(org)) return "organisation '" + org + "' is not in " + path;
    return {};
}

int keysCreate(const Options& options, std::ostream& out, std::ostream& err) {
    const std::string path = *options.value("--config");
    const std::string org = *options.value("--org");
    const std::string name = options.value("--name").value_or("staff API");
    const auto lifetime = lifetimeOf(options);
    if (!lifetime) {
        err << "clinhub keys create: --expires-in takes a whole number of days, 1 to " << kMaxKeyDays
            << "\nusage: " << kKeysCreateUsage << '\n';
        return kUsage;
    }
    host::PluginHost host;
    const auto config = usableConfig(host, path, err);
    if (!config) return kUsage;
    const auto role = staff::roleFrom(options.value("--role").value_or("staff"));
    if (const auto problem = roleProblem(*config, path, org, role); !problem.empty()) {
        err << "clinhub keys create: " << problem << "\nusage: " << kKeysCreateUsage << '\n';
        return kUsage;
    }
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    std::string userId;
    if (const auto email = options.value("--user")) {
        const auto user = staff::Users(*store).byEmail(*email);
        if (!user) {
            err << "clinhub keys create: no user with that email (`clinhub users list` shows them)\n";
            return kFailed;
        }
        userId = user->id;
    }
    staff::NewApiKey created;
    const std::string detail = "role " + std::string(staff::toString(*role)) +
                               (userId.empty() ? std::string() : ", user " + userId) +
                               (*lifetime != 0 ? ", expires in " + *options.value("--expires-in") + " days" : "");
    try {
        store->write([&](store::Session& s) {
            created = staff::ApiKeys(*store).create(s, org, name, *lifetime, *role, userId);
            audit::AuditLog::append(s, byCommandLine("createApiKey", org, created.id, audit::Outcome::success, detail));
        });
    } catch (const staff::UserError& e) {
        audit::AuditLog(*store).append(byCommandLine("createApiKey", org, {}, audit::Outcome::failure, e.what()));
        err << "clinhub keys create: " << e.what() << '\n';
        return kFailed;
    }
    const auto expires = *lifetime != 0 ? store::nowMicros() + *lifetime : 0; // to the minute shown
    // The key alone on the first line, so `| head -n1` hands it to a script.
    out << created.key << '\n'
        << "API key " << created.id << " for " << org << " (" << name << "), role " << staff::toString(*role)
        << (userId.empty() ? std::string() : ", belonging to " + userId)
        << (expires != 0 ? ", expiring " + shownTime(expires) : std::string())
        << ": shown only once; clinhub keeps only its hash, so store it now.\n";
    return 0;
}

int usersCreate(const Options& options, std::ostream& out, std::ostream& err) {
    const std::string path = *options.value("--config");
    const std::string org = *options.value("--org");
    const std::string email = *options.value("--email");
    const auto role = staff::roleFrom(*options.value("--role"));
    host::PluginHost host;
    const auto config = usableConfig(host, path, err);
    if (!config) return kUsage;
    if (const auto problem = roleProblem(*config, path, org, role); !problem.empty()) {
        err << "clinhub users create: " << problem << "\nusage: " << kUsersCreateUsage << '\n';
        return kUsage;
    }
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    staff::Users users(*store);
    auto user = users.byEmail(email);
    const bool existed = user.has_value();
    try {
        // The user and their role together: a refused role leaves no user without one behind.
        store->write([&](store::Session& s) {
            if (!user) {
                user = users.create(s, options.value("--name").value_or(email.substr(0, email.find('@'))), email);
                audit::AuditLog::append(s, byCommandLine("createUser", org, user->id));
            }
            users.grant(s, user->id, org, *role);
            audit::AuditLog::append(s, byCommandLine("grantRole", org, user->id, audit::Outcome::success,
                                                     "role " + std::string(staff::toString(*role))));
        });
    } catch (const staff::UserError& e) {
        audit::AuditLog(*store).append(byCommandLine(existed ? "grantRole" : "createUser", org, existed ? user->id : "",
                                                     audit::Outcome::failure, e.what()));
        err << "clinhub users create: " << e.what() << '\n';
        return kFailed;
    }
    out << user->id << '\n'
        << (existed ? "User " : "New user ") << user->id << " (" << user->email << ") is " << staff::toString(*role)
        << " in " << org << ".\n";
    // A new user signs in once they have set a password; the first admin has nobody to email them a link,
    // so it is handed to whoever runs this.
    if (!existed) {
        const auto link = staff::Passwords(*store).issueLink(user->id);
        const auto base = config->http.staffPagesUrl();
        out << "Set-password link, for " << user->email << " only, one use, until " << shownTime(link.expiresAt)
            << (base.empty() ? " (on the staff address, hub.admin_listen; hub.staff_url would give it in full)" : "")
            << ":\n"
            << base << "/staff/set-password/" << link.token << '\n';
    }
    return 0;
}

int usersList(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    const auto users = staff::Users(*store).list(options.value("--org"));
    int email = 7;
    for (const auto& u : users)
        email = std::max(email, static_cast<int>(u.email.size()) + 2);
    constexpr int kId = 32, kState = 10;
    out << std::left << std::setw(kId) << "ID" << std::setw(email) << "EMAIL" << std::setw(kState) << "STATE"
        << "ROLES\n";
    for (const auto& u : users) {
        std::string roles;
        for (const auto& [organisation, role] : u.roles)
            roles += (roles.empty() ? "" : ", ") + std::string(staff::toString(role)) + " in " + organisation;
        out << std::setw(kId) << u.id << std::setw(email) << u.email << std::setw(kState)
            << (u.active ? "active" : "disabled") << (roles.empty() ? "-" : roles) << '\n';
    }
    return 0;
}

int usersSetActive(const Options& options, std::ostream& out, std::ostream& err, bool active) {
    const char* verb = active ? "enable" : "disable";
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    staff::Users users(*store);
    const auto user = users.byEmail(options.arguments.front());
    if (!user) {
        err << "clinhub users " << verb << ": no user with that email (`clinhub users list` shows them)\n";
        return kFailed;
    }
    // A user is the hub's, their roles organisations': each organisation they hold one in is told.
    std::vector<std::string> organisations;
    for (const auto& [organisation, role] : user->roles)
        organisations.push_back(organisation);
    if (organisations.empty()) organisations.emplace_back(audit::kHubWide);
    const std::string action = active ? "enableUser" : "disableUser";
    bool changed = false;
    store->write([&](store::Session& s) {
        changed = users.setActive(s, user->id, active);
        if (changed)
            for (const auto& organisation : organisations)
                audit::AuditLog::append(s, byCommandLine(action, organisation, user->id));
    });
    if (!changed) {
        const std::string why = std::string(active ? "active" : "disabled") + " already";
        audit::AuditLog log(*store);
        for (const auto& organisation : organisations)
            log.append(byCommandLine(action, organisation, user->id, audit::Outcome::failure, why));
        err << "clinhub users " << verb << ": " << user->id << " is " << why << '\n';
        return kFailed;
    }
    if (!active) staff::Sessions(*store).endAll(user->id);
    out << "User " << user->id << (active ? " enabled.\n" : " disabled: their keys and sessions stop working now.\n");
    return 0;
}

int keysList(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    const auto keys = staff::ApiKeys(*store).list(options.value("--org"));
    const int64_t now = store::nowMicros();
    int name = 6;
    for (const auto& k : keys)
        name = std::max(name, static_cast<int>(k.name.size()) + 2);
    constexpr int kId = 18, kOrganisation = 14, kTime = 19, kRole = 8, kState = 9;
    out << std::left << std::setw(kId) << "ID" << std::setw(kOrganisation) << "ORGANISATION" << std::setw(name)
        << "NAME" << std::setw(kRole) << "ROLE" << std::setw(kTime) << "CREATED" << std::setw(kTime) << "LAST USED"
        << std::setw(kTime) << "EXPIRES" << std::setw(kState) << "STATE"
        << "USER\n";
    for (const auto& k : keys) {
        const char* state = "active";
        if (k.revokedAt != 0)
            state = "revoked";
        else if (k.expiresAt != 0 && k.expiresAt <= now)
            state = "expired";
        out << std::setw(kId) << k.id << std::setw(kOrganisation) << k.organisation << std::setw(name) << k.name
            << std::setw(kRole) << staff::toString(k.role) << std::setw(kTime) << shownTime(k.createdAt)
            << std::setw(kTime) << shownTime(k.lastUsedAt) << std::setw(kTime) << shownTime(k.expiresAt)
            << std::setw(kState) << state << (k.userId.empty() ? "-" : k.userId) << '\n';
    }
    return 0;
}

int keysRevoke(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    const std::string& id = options.arguments.front();
    staff::ApiKeys keys(*store);
    // A key's organisation never changes, so it may be read before the change.
    std::string organisation = audit::kHubWide;
    for (const auto& k : keys.list())
        if (k.id == id) organisation = k.organisation;
    bool revoked = false;
    store->write([&](store::Session& s) {
        revoked = keys.revoke(s, id);
        if (revoked) audit::AuditLog::append(s, byCommandLine("revokeApiKey", organisation, id));
    });
    if (!revoked) {
        audit::AuditLog(*store).append(byCommandLine("revokeApiKey", organisation, id, audit::Outcome::failure,
                                                     "no such key, or revoked already"));
        err << "clinhub keys revoke: no key " << id
            << " that is not revoked already (`clinhub keys list` shows them)\n";
        return kFailed;
    }
    out << "API key " << id << " revoked: the next request made with it is refused.\n";
    return 0;
}

// A UK date as the first microsecond of that day (`nextDay`: of the day after), or nullopt when malformed.
std::optional<int64_t> ukDayStart(const std::string& date, bool nextDay) {
    const auto day = kit::parseDate(date);
    if (!day) return std::nullopt;
    const auto start = std::chrono::sys_days(*day) + std::chrono::days(nextDay ? 1 : 0);
    return kit::ukMidnight(kit::isoDate(start)) * 1'000'000;
}

int auditList(const Options& options, std::ostream& out, std::ostream& err) {
    host::PluginHost host;
    const auto config = usableConfig(host, *options.value("--config"), err);
    if (!config) return kUsage;
    audit::Filter filter{*options.value("--org")};
    filter.actorId = options.value("--user");
    if (const auto nhs = options.value("--nhs-number")) {
        const auto checked = kit::checkNhsNumber(*nhs);
        if (!checked.ok()) {
            err << "clinhub audit: --nhs-number: " << checked.problem << '\n';
            return kUsage;
        }
        filter.nhsNumber = checked.value;
    }
    for (const auto& [option, next] : {std::pair{"--from", false}, std::pair{"--to", true}}) {
        const auto text = options.value(option);
        if (!text) continue;
        const auto at = ukDayStart(*text, next);
        if (!at) {
            err << "clinhub audit: " << option << " takes a date, YYYY-MM-DD\n";
            return kUsage;
        }
        (next ? filter.to : filter.from) = *at;
    }
    filter.limit = std::numeric_limits<int>::max();
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    batch::CsvWriter csv(out, batch::CsvWriter::Cells::forSpreadsheets);
    csv.write({"at", "actor_kind", "actor_id", "actor_name", "address", "action", "resource", "nhs_number", "outcome",
               "detail"});
    for (const auto& e : audit::AuditLog(*store).find(filter))
        csv.write({Poco::DateTimeFormatter::format(Poco::Timestamp(e.at), "%Y-%m-%dT%H:%M:%SZ"), e.actor.kind,
                   e.actor.id, e.actor.name, e.actor.address, e.action, e.resource, e.nhsNumber,
                   std::string(audit::toString(e.outcome)), e.detail});
    return 0;
}

int linksCreate(const Options& options, std::ostream& out, std::ostream& err) {
    const auto path = options.value("--config");
    const auto org = options.value("--org");
    const auto rule = options.value("--rule");
    const auto nhs = options.value("--nhs-number");
    const auto dob = options.value("--date-of-birth");
    const auto mobile = options.value("--mobile");
    host::PluginHost host;
    const auto config = usableConfig(host, *path, err);
    if (!config) return kUsage;
    std::vector<std::string> problems;
    auto built = runtime::Runtime::build(*config, host, problems);
    for (const auto& p : problems)
        err << p << '\n';
    if (!built) return kFailed;
    runtime::Current current(built);
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    workflows::SelfBook selfBook(*store, current);
    try {
        const auto created =
            selfBook.createLink(*org, *rule, {*nhs, *dob, *mobile, options.value("--name").value_or("")},
                                {audit::Actor::commandLine(), "createLink"});
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

int prune(const Options& options, std::ostream& out, std::ostream& err) {
    const auto path = *options.value("--config");
    host::PluginHost host;
    const auto config = usableConfig(host, path, err);
    if (!config) return kUsage;
    const auto only = options.value("--org");
    if (only && !config->organisations.contains(*only)) {
        err << "clinhub prune: organisation '" << *only << "' is not in " << path << '\n';
        return kUsage;
    }
    auto store = openStore(*config, err);
    if (!store) return kFailed;
    const bool dryRun = options.flag("--dry-run");
    workflows::Retention retention(*store);
    out << std::left << std::setw(14) << "ORGANISATION" << std::setw(7) << "DAYS" << std::setw(8) << "LINKS"
        << std::setw(12) << "BATCH ROWS" << std::setw(15) << "REJECTED ROWS" << std::setw(16) << "COHORT MEMBERS"
        << "MESSAGES\n";
    int64_t total = 0;
    for (const auto& [ods, organisation] : config->organisations) {
        if (only && ods != *only) continue;
        const auto f = retention.prune(ods, organisation.retentionDays, dryRun);
        out << std::setw(14) << ods << std::setw(7) << organisation.retentionDays << std::setw(8) << f.links
            << std::setw(12) << f.batchRows << std::setw(15) << f.rejectedRows << std::setw(16) << f.cohortMembers
            << f.messagePayloads << '\n';
        total += f.total();
    }
    out << (dryRun ? "Would forget" : "Forgot") << " the patient details of " << total
        << " rows past their organisation's retention_days" << (dryRun ? " (dry run: nothing changed)" : "") << ".\n";
    return 0;
}

// How far through a file of `total` bytes the reading is, as a bar redrawn in place on a terminal.
class ProgressBar {
public:
    ProgressBar(std::ostream& out, std::uintmax_t total) : out_(out), total_(total) {}
    ~ProgressBar() {
        if (shown_ >= 0) out_ << '\r' << std::string(kWidth + 8, ' ') << '\r' << std::flush;
    }
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void show(std::uintmax_t bytes) {
        const int percent = total_ == 0 ? 100 : static_cast<int>(std::min<std::uintmax_t>(bytes * 100 / total_, 100));
        if (percent == shown_) return;
        shown_ = percent;
        const int done = percent * kWidth / 100;
        out_ << "\r[" << std::string(static_cast<size_t>(done), '#')
             << std::string(static_cast<size_t>(kWidth - done), '.') << "] " << std::setw(3) << percent << '%'
             << std::flush;
    }

private:
    static constexpr int kWidth = 40;
    std::ostream& out_;
    std::uintmax_t total_;
    int shown_ = -1;
};

// The rows that cannot be sent, as uploaded plus their reason. The file appears whole or not at all: it is
// written beside its name and renamed only once the upload has been read to its end.
class RejectedList {
public:
    explicit RejectedList(const std::string& path)
        : path_(path), part_(path + ".part"), out_(part_, std::ios::binary | std::ios::trunc),
          writer_(out_, batch::CsvWriter::Cells::forSpreadsheets) {}
    ~RejectedList() {
        if (kept_) return;
        out_.close();
        std::error_code ignored;
        std::filesystem::remove(part_, ignored);
    }
    RejectedList(const RejectedList&) = delete;
    RejectedList& operator=(const RejectedList&) = delete;

    [[nodiscard]] bool opened() const { return out_.is_open(); }
    [[nodiscard]] const std::string& partPath() const { return part_; }
    void write(std::vector<std::string> fields, std::string last) {
        fields.push_back(std::move(last));
        writer_.write(fields);
    }
    // False when the file could not be written in full.
    bool keep() {
        out_.close();
        if (!out_) return false;
        std::filesystem::rename(part_, path_);
        kept_ = true;
        return true;
    }

private:
    std::string path_;
    std::string part_;
    std::ofstream out_;
    batch::CsvWriter writer_;
    bool kept_ = false;
};

void printCounts(std::ostream& out, const std::string& path, batch::ListColumns style, const batch::Counts& counts) {
    if (style == batch::ListColumns::nhsNumberOnly)
        out << "A list of NHS numbers only: each patient's mobile number and date of birth come from the\n"
               "appointment book, so offline only NHS numbers and duplicates are checked.\n";
    out << path << ": " << counts.accepted + counts.rejected << " patients (" << batch::toString(style) << ")\n";
    const auto width = static_cast<int>(std::to_string(std::max(counts.accepted, counts.rejected)).size());
    out << "  can be sent:    " << std::setw(width) << counts.accepted << '\n'
        << "  cannot be sent: " << std::setw(width) << counts.rejected << '\n';
    std::vector<std::pair<std::string, int64_t>> reasons(counts.byReason.begin(), counts.byReason.end());
    std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [reason, count] : reasons)
        out << "    " << std::setw(width) << count << "  " << reason << '\n';
}

int batchValidate(const Options& options, std::ostream& out, std::ostream& err) {
    const std::string format = *options.value("--format");
    const auto style = batch::listColumnsFromString(format);
    if (style && batch::isDeprecatedListWord(format))
        err << "clinhub batch validate: --format " << format << " is deprecated: write --format "
            << batch::toString(*style) << '\n';
    const auto rejectedPath = options.value("--rejected");
    const auto maxMib = options.value("--max-mib");
    std::size_t maxBytes = batch::kDefaultMaxBytes;
    if (maxMib) {
        char* end = nullptr;
        const unsigned long mib = std::strtoul(maxMib->c_str(), &end, 10);
        maxBytes = *end == '\0' && mib > 0 && mib <= 4096 ? mib * 1024 * 1024 : 0;
    }
    if (!style || maxBytes == 0) {
        err << "usage: clinhub batch validate FILE --format nhs_number_only|with_contacts [--rejected OUT.csv] "
               "[--max-mib N]\n";
        return kUsage;
    }
    const batch::ListColumns bookStyle = *style;
    const std::string& path = options.arguments.front();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err << "clinhub batch validate: cannot read " << path << ": " << std::strerror(errno) << '\n';
        return kUsage;
    }
    std::optional<RejectedList> rejected;
    if (rejectedPath && !rejected.emplace(*rejectedPath).opened()) {
        err << "clinhub batch validate: cannot write " << rejected->partPath() << ": " << std::strerror(errno) << '\n';
        return kFailed;
    }
    // A bar only for a person watching: not in a pipe, a log, or a test's captured stream.
    std::optional<ProgressBar> bar;
    std::error_code noSize;
    if (&err == &std::cerr && isatty(STDERR_FILENO) != 0) bar.emplace(err, std::filesystem::file_size(path, noSize));
    batch::Counts counts;
    try {
        counts = batch::validateCsv(
            in, bookStyle, kit::ukDate(Poco::Timestamp().epochMicroseconds()), maxBytes,
            [&](const batch::Row& row) {
                if (rejected && !row.accepted()) rejected->write(row.fields, row.reason);
            },
            [&](std::size_t bytes) {
                if (bar) bar->show(bytes);
            },
            [&](const std::vector<std::string>& header) {
                if (rejected) rejected->write(header, "reason");
            });
    } catch (const batch::FileError& e) {
        bar.reset();
        err << path << ": " << e.what() << "\nNothing was taken from this file: correct it and validate it again.\n";
        return kFailed;
    }
    bar.reset();
    if (rejected && !rejected->keep()) {
        err << "clinhub batch validate: cannot write " << rejected->partPath() << '\n';
        return kFailed;
    }
    printCounts(out, path, bookStyle, counts);
    if (rejectedPath) out << "Rows that cannot be sent, each with its reason: " << *rejectedPath << '\n';
    return 0;
}

const std::map<std::string, Verb>& verbs() {
    static const std::map<std::string, Verb> all{
        {"serve",
         {"clinhub serve --config FILE",
          "run the hub",
          "Loads the plugins and the config, migrates the store, and serves HTTP until SIGINT or SIGTERM.\n"
          "SIGHUP re-reads the config: a valid one takes effect, an invalid one is logged and the running\n"
          "one keeps serving. A start that cannot succeed fails within seconds, with one line at the key\n"
          "concerned (a PostgreSQL store is waited for 10 s); SIGINT or SIGTERM during start-up or shutdown\n"
          "ends the process at once, with status 128 + the signal. Under systemd (Type=notify, NOTIFY_SOCKET)\n"
          "it says READY=1 once serving, RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1, and with\n"
          "WatchdogSec= pings the watchdog at half its interval while the server and outbox workers live.",
          {{"--config"}},
          serve,
          false}},
        {"config check",
         {"clinhub config check FILE [--probe]",
          "check a config file and report every problem",
          "Reports every problem as FILE:LINE:COL: message and exits 2 when there is any; the plugins the\n"
          "config names are loaded so their sections are checked too. Like serve, it also checks that the\n"
          "SQLite store's folder exists and can be written (run it as the hub's user) and that hub.listen\n"
          "can be looked up.\n"
          "With --probe it then contacts every connector once, reading only (a book lists its slot types;\n"
          "SMS, email and NHS App connectors look up a reference no message has; immunisation records are\n"
          "asked for a test NHS number), prints a table of what each answered, and checks every rule's\n"
          "slot types against its organisation's book, suggesting near matches. It exits 1 when a\n"
          "connector could not be reached or a slot type is not in the book.",
          {{}, {"--config"}, {"--probe"}, 0, 1},
          configCheck}},
        {"config schema",
         {"clinhub config schema [--config FILE]",
          "print the config's JSON Schema (for editors)",
          "Prints the JSON Schema of the YAML config with each plugin's own schema for its connectors'\n"
          "config sections, chosen by their plugin:, so an editor completes and checks those too. The plugins\n"
          "are those found in the default folders, and in the folders FILE's plugins.paths names. With the\n"
          "shipped plugins it is schemas/config.schema.json (installed in share/clinhub).",
          {{}, {"--config"}, {}, 0, 0},
          configSchema}},
        {"plugins list",
         {"clinhub plugins list [--config FILE]",
          "list plugins found, loaded or refused",
          "Loads every plugin from the config's plugin folders (or the default folders) and lists each\n"
          "with its kinds, version, ABI, file and status; a refused file is listed with the reason.",
          {{}, {"--config"}},
          pluginsList}},
        {"plugins schema",
         {"clinhub plugins schema NAME [--config FILE] [--markdown]",
          "print the JSON Schema of a plugin's config section",
          "Prints the schema the named plugin publishes for its `config:` section: every key it takes.\n"
          "--markdown prints it as a table (key, type, default, range, description) for a README.",
          {{}, {"--config"}, {"--markdown"}, 1, 1},
          pluginsSchema}},
        {"migrate",
         {"clinhub migrate --config FILE",
          "bring the store's schema up to date",
          "Applies every numbered migration the store lacks. `serve` does this too, at start.",
          {{"--config"}},
          migrate}},
        {"backup",
         {"clinhub backup --config FILE OUT [--force]",
          "copy the SQLite store to OUT, while the hub serves",
          "Copies the config's SQLite store to OUT with SQLite's online backup: the store as it stood at one\n"
          "instant, taken while a hub serves from it and goes on writing. OUT is written beside itself as\n"
          "OUT.part, readable by its owner only (it holds the sealed patient data; CLINHUB_DATA_KEY opens it,\n"
          "so keep the two apart), and renamed once whole. An existing OUT is refused unless --force.\n"
          "Prints the schema version and size. A PostgreSQL store is refused: use pg_dump -Fc\n"
          "(docs/operations.md).",
          {{"--config"}, {}, {"--force"}, 1, 1},
          backup}},
        {"restore",
         {"clinhub restore --config FILE IN",
          "replace the SQLite store with a backup",
          "Replaces the config's SQLite store with the backup IN, in one transaction. Refuses, changing nothing:\n"
          "while any process has the store open (stop the hub first: systemctl stop clinhub), a file that is\n"
          "not a whole clinhub store (SQLite's integrity check, the migrations table), and a backup from a\n"
          "newer clinhub than this one. An older backup is migrated at the next start. The hub must have the\n"
          "CLINHUB_DATA_KEY it had when the backup was taken. A PostgreSQL store is refused: use pg_restore.",
          {{"--config"}, {}, {}, 1, 1},
          restore}},
        {"prune",
         {"clinhub prune --config FILE [--org ODS] [--dry-run]",
          "forget patient details past each organisation's retention_days",
          "Does now what the running hub's retention job does every hub.retention_interval_s: forgets the NHS\n"
          "numbers, dates of birth, mobiles, names and message texts that each organisation's retention_days\n"
          "(default 90) have run out on: links expired that long ago, rows of batches sent or stopped, cohort\n"
          "members who completed or declined, messages sent or failed. States and counts stay for reports.\n"
          "Prints how many rows of each kind, per organisation. --dry-run only counts them.",
          {{"--config"}, {"--org"}, {"--dry-run"}},
          prune}},
        {"links create",
         {"clinhub links create --config FILE --org ODS --rule RULE --nhs-number N --date-of-birth D --mobile M",
          "send one patient a self-book link",
          "Creates a self-book link for one patient under the organisation's booking rule and queues its invite\n"
          "SMS, exactly as the staff API does; prints the link on the first line. A running hub sends the SMS.\n"
          "--name NAME adds the name the messages address the patient by.",
          {{"--config", "--org", "--rule", "--nhs-number", "--date-of-birth", "--mobile"}, {"--name"}},
          linksCreate}},
        {"batch validate",
         {"clinhub batch validate FILE --format nhs_number_only|with_contacts [--rejected OUT.csv]",
          "check a Batch Self-Book patient list offline",
          "Reads the CSV a practice uploads for Batch Self-Book and gives every row a verdict: can be sent, or\n"
          "cannot be sent and why. --format is the organisation's batch_csv: nhs_number_only needs an NHS\n"
          "Number column (mobile and date of birth come from the appointment book, so offline only NHS numbers\n"
          "and duplicates are checked); with_contacts needs NHS Number, Mobile Number (or Telecom Number) and\n"
          "Date of Birth, and takes an optional Name. The words of earlier versions (emis, systmone) still work. "
          "Prints the counts per reason; --rejected writes the rows that cannot be sent, as\n"
          "uploaded, with a `reason` column. --max-mib N refuses files over N MiB (default 20).\n"
          "Exits 0 when the file was read (even with rows that cannot be sent), 1 when it is malformed (the\n"
          "message names the row and line), 2 on bad usage.",
          {{"--format"}, {"--rejected", "--max-mib"}, {}, 1, 1},
          batchValidate}},
        {"keys create",
         {kKeysCreateUsage,
          "create a staff API key for one organisation",
          "Creates a key for the staff API that opens only the organisation ODS (which must be in the\n"
          "config), migrating the store first. The key is printed once, alone on the first line; only its\n"
          "SHA-256 is stored, so it cannot be shown again. NAME says who or what uses it (default \"staff API\").\n"
          "--expires-in DAYS (1 to 3650) makes the key stop working that many days from now; without it the key\n"
          "works until revoked. --role (default staff) is what the key may do: viewer reads, staff also sends\n"
          "links and batches, books, expires links and requeues messages, admin also manages users and keys.\n"
          "--user EMAIL makes it that user's key: its role may not exceed the user's in ODS, it follows theirs\n"
          "down, and it stops when they are disabled. Without --user it is a service key.",
          {{"--config", "--org"}, {"--name", "--expires-in", "--role", "--user"}},
          keysCreate}},
        {"audit",
         {"clinhub audit --config FILE --org ODS [--user ID] [--nhs-number N] [--from DATE] [--to DATE]",
          "print an organisation's audit trail as CSV",
          "Prints the audit trail of ODS, oldest first, as CSV: when, who acted (kind, id, name, address), the\n"
          "action (the staff API operation), what it acted on, the patient touched, the outcome and why.\n"
          "--user narrows to one user (usr_…) or service key (key_…), --nhs-number to one patient, --from and\n"
          "--to to days (UK dates, both included). --org '*' prints the hub-wide trail: config reloads, applied or\n"
          "refused, and the trail's own retention.",
          {{"--config", "--org"}, {"--user", "--nhs-number", "--from", "--to"}},
          auditList}},
        {"users create",
         {kUsersCreateUsage,
          "add a member of staff, or give one a role in an organisation",
          "Creates the user with that email (NAME defaults to the part before the @), or finds them if they\n"
          "exist, and gives them ROLE in ODS, replacing any role they held there. This is how a practice gets\n"
          "its first admin. Prints the user's id on the first line. Exits 1 for an email that is not valid.",
          {{"--config", "--org", "--email", "--role"}, {"--name"}},
          usersCreate}},
        {"users list",
         {"clinhub users list --config FILE [--org ODS]",
          "list staff users and their roles",
          "Lists every user, or those holding a role in ODS: id, email, whether active, and each role held.",
          {{"--config"}, {"--org"}},
          usersList}},
        {"users disable",
         {"clinhub users disable --config FILE EMAIL",
          "disable a user: their keys stop working at once",
          "Marks the user disabled. Every key of theirs is refused from the next request, in every hub process\n"
          "sharing the store. `clinhub users enable` undoes it.",
          {{"--config"}, {}, {}, 1, 1},
          [](const Options& o, std::ostream& out, std::ostream& err) { return usersSetActive(o, out, err, false); }}},
        {"users enable",
         {"clinhub users enable --config FILE EMAIL",
          "enable a disabled user again",
          "Marks the user active again; their keys work again unless revoked or expired.",
          {{"--config"}, {}, {}, 1, 1},
          [](const Options& o, std::ostream& out, std::ostream& err) { return usersSetActive(o, out, err, true); }}},
        {"keys list",
         {"clinhub keys list --config FILE [--org ODS]",
          "list staff API keys, never the keys themselves",
          "Lists every staff API key, or one organisation's: id, organisation, name, when it was created and\n"
          "last used (to the minute), when it expires, and whether it is active, expired or revoked. Neither\n"
          "a key nor its hash is shown: a key is shown only once, when created.",
          {{"--config"}, {"--org"}},
          keysList}},
        {"keys revoke",
         {"clinhub keys revoke --config FILE ID",
          "revoke a staff API key",
          "Revokes the key ID (key_…, as `clinhub keys list` shows it). The next request made with it gets 401,\n"
          "in every hub process sharing the store. Exits 1 when there is no such key or it was revoked already.",
          {{"--config"}, {}, {}, 1, 1},
          keysRevoke}},
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
                out << "usage: " << it->second.usage << "\n\n"
                    << it->second.help
                    << (it->second.oneShot ? "\n--verbose also prints the info lines of the log." : "") << '\n';
                return 0;
            }
        const Verb& verb = it->second;
        Syntax syntax = verb.syntax;
        if (verb.oneShot) syntax.flags.emplace_back("--verbose");
        std::string problem;
        const auto options = parseOptions(rest, syntax, problem);
        if (!options) {
            err << "clinhub " << name << ": " << problem << "\nusage: " << verb.usage << '\n';
            return kUsage;
        }
        if (verb.oneShot && !options->flag("--verbose")) log::setMinimumLevel(log::Level::warning);
        try {
            return verb.run(*options, out, err);
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

#include "hub/app/Hub.h"

#include "hub/api/BatchApi.h"
#include "hub/api/DeliveryCallbacks.h"
#include "hub/api/OperatorApi.h"
#include "hub/api/StaffApi.h"
#include "hub/api/UsersApi.h"
#include "hub/api/VaccinationApi.h"
#include "hub/app/OpenStore.h"
#include "hub/app/StatusReport.h"
#include "hub/config/Loader.h"
#include "hub/config/Surroundings.h"
#include "hub/console/Console.h"
#include "hub/http/Health.h"
#include "hub/log/Log.h"
#include "hub/web/PatientPages.h"
#include "hub/web/StaffPages.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace clinhub::app {
namespace {

// Links minted per transaction: about 70 ms of the write lock on SQLite (14,000 links/s), so a patient's
// booking never waits longer; 5,000 minted no faster and held it for a third of a second.
constexpr int kLinksPerMint = 1000;
constexpr int64_t kMicrosPerDay = 86'400LL * 1'000'000;

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines)
        out += (out.empty() ? "" : "\n") + l;
    return out;
}

} // namespace

StartupError::StartupError(std::vector<std::string> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

Hub::Hub(std::string configPath) : configPath_(std::move(configPath)) {}

Hub::~Hub() { stop(); }

std::shared_ptr<const runtime::Runtime> Hub::loadRuntime(std::vector<std::string>& problems) {
    // Only what the config names: a stray or planted file in a plugin folder is never opened.
    host_.loadNamed(runtime::pluginDirectories(configPath_), runtime::pluginNames(configPath_));
    const auto loaded = config::loadConfig(configPath_, host_);
    for (const auto& p : loaded.problems)
        problems.push_back(p.str());
    for (const auto& w : loaded.warnings)
        log::warning("config_deprecated", {{"problem", w.str()}});
    if (!loaded.ok()) return nullptr;
    return runtime::Runtime::build(*loaded.config, host_, problems);
}

void Hub::start() {
    startedMicros_ = store::nowMicros();
    // Before any connector is made, so that every instance, this generation's and each reload's, is watched.
    board_ = std::make_shared<ConnectorBoard>(metrics_);
    host_.observe(board_);
    std::vector<std::string> problems;
    auto runtime = loadRuntime(problems);
    if (!runtime) throw StartupError(problems);
    const config::Config& config = runtime->config();
    for (const auto& p : config::checkSurroundings(config))
        problems.push_back(p.str());
    if (!problems.empty()) throw StartupError(problems);
    log::setMinimumLevel(log::levelNamed(config.logLevel).value_or(log::Level::info));
    store_ = openStore(config);
    outbox_ = std::make_unique<outbox::Outbox>(*store_);
    // One process owns an SQLite store, so any claim found now was left by a process that died. A shared
    // store's claims may be live processes' own: theirs lapse with their lease instead.
    if (!store_->shared())
        if (const int interrupted = outbox_->releaseAllClaims(); interrupted > 0)
            log::warning("outbox_interrupted_messages", {{"count", interrupted}});
    turns_ = std::make_unique<JobTurns>(*store_);
    audit_ = std::make_unique<audit::AuditLog>(*store_);
    current_ = std::make_unique<runtime::Current>(runtime);

    registerMetrics();
    auto& outcomes = metrics_.counter("clinhub_outbox_outcomes_total", "Outbox send outcomes by connector",
                                      {"connector", "channel", "outcome"});
    dispatcher_ = std::make_unique<outbox::Dispatcher>(
        *outbox_, *current_, config.outbox,
        [&outcomes](const std::string& connector, outbox::Channel channel, const std::string& outcome) {
            outcomes.inc({connector, outbox::toString(channel), outcome});
        });
    dispatcher_->start();

    selfBook_ = std::make_unique<workflows::SelfBook>(*store_, *current_);
    // Expiry holds at access time anyway; the sweep makes it visible to staff and in the history.
    expirySweep_ =
        onceAcrossProcesses("link_expiry_sweep", std::chrono::minutes(1), [this] { selfBook_->sweepExpired(); });
    batches_ = std::make_unique<workflows::BatchSelfBook>(*store_, *current_, *selfBook_);
    // A sent batch's links are minted a chunk per transaction, so patients' bookings never wait long for the
    // store; each chunk's invites go to the outbox at once. Every process mints: a chunk is taken under the
    // store's write lock, so no row is minted twice, and more processes finish a batch no slower.
    batchMinting_ = std::make_unique<Periodic>("batch_minting", std::chrono::milliseconds(250), [this] {
        while (batches_->mintPending(kLinksPerMint) > 0)
            dispatcher_->notify();
    });

    clinics_ = std::make_unique<workflows::Clinics>(*store_, *current_);
    cohorts_ = std::make_unique<workflows::Cohorts>(*store_, *current_, *selfBook_);
    selfBook_->bookClinicsWith([this](const workflows::Link& link) { return cohorts_->clinicsFor(link); });
    // Members whose records could not be asked at upload wait as pending_check until the records answer.
    recordsRechecks_ = onceAcrossProcesses("immunisation_rechecks", std::chrono::seconds(30),
                                           [this] { cohorts_->recheckPending(200); });
    community_ = std::make_unique<workflows::CommunityClinics>(*store_, *current_, *selfBook_, *cohorts_);
    // A scheduled batch or campaign invite starts within a few seconds of its time. The turn keeps the
    // processes from all looking at once; each start's conditional UPDATE is what makes it start once.
    scheduledSends_ = onceAcrossProcesses("scheduled_sends", std::chrono::seconds(5), [this] {
        batches_->startDue();
        cohorts_->sendDueInvites();
    });
    // Idempotent: each child is sent at most one invitation per clinic date, however often this runs.
    communityInvitations_ = onceAcrossProcesses("community_clinic_invitations", std::chrono::minutes(5), [this] {
        community_->inviteHomeSchooledAndUnknownSchool();
        community_->sendScheduledInvites();
    });

    // Appointment reminders fall due by the minute; each is queued once, whichever process finds it.
    reminders_ = std::make_unique<workflows::Reminders>(*store_, *current_);
    auto& remindersQueued =
        metrics_.counter("clinhub_reminders_queued_total", "Appointment reminders the reminder job queued");
    remindersQueued.inc({}, 0);
    reminderSweep_ = onceAcrossProcesses(
        "appointment_reminders", std::chrono::seconds(config.http.reminderIntervalSeconds), [this, &remindersQueued] {
            if (const auto queued = reminders_->queueDue(); queued > 0) {
                remindersQueued.inc({}, static_cast<double>(queued));
                dispatcher_->notify();
            }
        });

    // Patient details past each organisation's retention_days are forgotten, a few hundred rows per
    // transaction; the counter says how many, by kind.
    retention_ = std::make_unique<workflows::Retention>(*store_);
    auto& forgotten = metrics_.counter("clinhub_retention_forgotten_total",
                                       "Rows whose patient details the retention job forgot, by kind", {"kind"});
    for (const auto& [kind, none] : workflows::Forgotten{}.byKind())
        forgotten.inc({kind}, static_cast<double>(none)); // every kind shown from the start, at 0
    auto& auditDeleted = metrics_.counter("clinhub_audit_entries_deleted_total",
                                          "Audit entries the retention job deleted, past hub.audit_retention_days");
    auditDeleted.inc({}, 0);
    retentionSweep_ = onceAcrossProcesses(
        "retention", std::chrono::seconds(config.http.retentionIntervalSeconds), [this, &forgotten, &auditDeleted] {
            for (const auto& [ods, organisation] : current_->get()->config().organisations) {
                const auto f = retention_->prune(ods, organisation.retentionDays, false);
                if (f.total() == 0) continue;
                for (const auto& [kind, count] : f.byKind())
                    forgotten.inc({kind}, static_cast<double>(count));
                log::info("retention_forgot", {{"organisation", ods},
                                               {"retention_days", organisation.retentionDays},
                                               {"links", f.links},
                                               {"batch_rows", f.batchRows},
                                               {"rejected_rows", f.rejectedRows},
                                               {"cohort_members", f.cohortMembers},
                                               {"message_payloads", f.messagePayloads}});
            }
            const int days = current_->get()->config().auditRetentionDays;
            if (const auto deleted = audit_->forgetBefore(store::nowMicros() - days * kMicrosPerDay); deleted > 0) {
                auditDeleted.inc({}, static_cast<double>(deleted));
                log::info("audit_retention_deleted", {{"audit_retention_days", days}, {"entries", deleted}});
            }
        });

    // With hub.admin_listen the staff and operations routes have a listener of their own, which a practice
    // keeps off the internet; patients, providers' delivery receipts and liveness probes use hub.listen.
    const bool split = !config.http.adminListen.empty();
    http::Router& staff = split ? adminRouter_ : router_;
    http::addHealthRoutes(staff, metrics_, [this] { return readinessProblems(); });
    addStatusRoute(staff, {configPath_, startedMicros_, *store_, *outbox_, *current_, host_, *board_});
    if (split) http::addLivenessRoute(router_);
    const auto& signInConfig = config.staffSignIn;
    signIn_ = std::make_unique<staff::SignIn>(
        *store_, *audit_,
        staff::Lockout{signInConfig.lockoutAttempts, int64_t{signInConfig.lockoutMinutes} * 60'000'000},
        staff::SessionTimeouts{int64_t{signInConfig.sessionIdleMinutes} * 60'000'000,
                               int64_t{signInConfig.sessionHours} * 3600'000'000});
    api::addStaffApi(staff, *selfBook_, *outbox_, *signIn_, *audit_);
    api::addBatchApi(staff, *batches_, *signIn_, *audit_);
    api::addVaccinationApi(staff, *clinics_, *cohorts_, *community_, *signIn_, *audit_);
    api::addUsersApi(staff, *store_, *current_, *signIn_, *audit_);
    api::addOperatorApi(staff, {*store_, *current_, *outbox_, host_, *signIn_, *audit_});
    api::addDeliveryCallbacks(router_, *outbox_, *current_);
    // Read once for both sets of pages: the stylesheet alone is a few hundred kilobytes.
    const auto assets = std::make_shared<const web::Assets>(web::defaultAssetDir());
    web::addStaffPages(staff, *signIn_, {assets, !config.http.localDemo, split, singleSignOn(config)});
    console::addConsole(
        staff,
        {*store_, *current_, *signIn_, *audit_, *outbox_, *selfBook_, *batches_, *clinics_, *cohorts_, *community_},
        {assets});
    // Patients reach a real hub over TLS (directly or through a proxy), so its cookie is Secure unless the
    // config says this is a demo on one machine.
    web::addPatientPages(
        router_, *selfBook_, *store_, *current_,
        {assets, !config.http.localDemo, config.http.dateOfBirthChecksPerHour, config.http.bookingsPerHour});
    std::vector<http::Server::Listener> listeners{{config.http.listen, &router_}};
    if (split) listeners.push_back({config.http.adminListen, &adminRouter_});
    http::Server::Options serverOptions;
    serverOptions.strictTransportSecurity = config.http.publicUrl.starts_with("https://");
    try {
        server_ = std::make_unique<http::Server>(config.http, std::move(listeners), metrics_, serverOptions);
        server_->start();
    } catch (const std::exception& e) {
        server_.reset();
        // The error names the address it could not bind, which says which of the two keys it was.
        throw StartupError(
            {config::about(config.listenMark, split ? "hub.listen or hub.admin_listen" : "hub.listen", e.what())
                 .str()});
    }
    log::info("hub_started", {{"listen", config.http.listen},
                              {"port", server_->port()},
                              {"connectors", config.connectors.size()},
                              {"organisations", config.organisations.size()}});
}

std::optional<web::SingleSignOn> Hub::singleSignOn(const config::Config& config) {
    const auto& sso = config.staffSignIn.singleSignOn;
    if (!sso) return std::nullopt;
    const auto where = "hub.staff_sign_in.single_sign_on";
    const char* secret = std::getenv(sso->clientSecretEnv.c_str());
    if (secret == nullptr || *secret == '\0')
        throw StartupError(
            {config::about(sso->mark, where,
                           "the client secret's environment variable " + sso->clientSecretEnv + " is not set")
                 .str()});
    web::SingleSignOn out;
    out.name = sso->name;
    out.claim = sso->emailClaim;
    if (!sso->newUserOrganisation.empty()) {
        if (!config.organisations.contains(sso->newUserOrganisation))
            throw StartupError({config::about(sso->mark, where,
                                              "new_users.organisation " + sso->newUserOrganisation +
                                                  " is not an organisation of this config")
                                    .str()});
        out.newUserOrganisation = sso->newUserOrganisation;
        out.newUserRole = staff::roleFrom(sso->newUserRole);
    }
    try {
        out.client = std::make_shared<staff::OidcClient>(
            staff::OidcSettings{sso->issuer, sso->clientId, secret, sso->redirectUri});
    } catch (const std::invalid_argument& e) {
        throw StartupError({config::about(sso->mark, where, e.what()).str()});
    }
    return out;
}

std::uint16_t Hub::adminPort() const { return server_ ? server_->port(server_->listeners() - 1) : 0; }

std::unique_ptr<Periodic> Hub::onceAcrossProcesses(const std::string& name, std::chrono::milliseconds interval,
                                                   std::function<void()> job) {
    return std::make_unique<Periodic>(name, interval, [this, name, interval, job = std::move(job)] {
        if (turns_->take(name, interval)) job();
    });
}

void Hub::registerMetrics() {
    metrics_.callback("clinhub_plugins_loaded", "Plugins loaded", metrics::Family::Type::gauge,
                      [this] { return static_cast<double>(host_.loaded().size()); });
    metrics_.callback("clinhub_plugins_refused", "Plugin files refused (see the log for why)",
                      metrics::Family::Type::gauge, [this] { return static_cast<double>(host_.refused().size()); });
    metrics_.callback("clinhub_outbox_messages", "Outbox messages by state", metrics::Family::Type::gauge, {"state"},
                      [this] {
                          std::vector<metrics::Sample> samples;
                          for (const auto& [state, count] : outbox_->countByState())
                              samples.push_back({{state}, static_cast<double>(count)});
                          return samples;
                      });
    // What /readyz answers, for an alert: Prometheus cannot read a probe's status. Asked at each scrape.
    metrics_.callback("clinhub_ready", "1 when /readyz would answer ready, else 0", metrics::Family::Type::gauge,
                      [this] { return readinessProblems().empty() ? 1.0 : 0.0; });
    // Both results from the start, so that an alert on rejected reloads has a series to look at.
    auto& reloads = metrics_.counter("clinhub_config_reloads_total", "Config reloads by result", {"result"});
    reloads.inc({"applied"}, 0);
    reloads.inc({"rejected"}, 0);
}

// "queued=3 sending=1": what the outbox still holds, by state, for the shutdown's log lines. A store that
// cannot answer must not stop the hub stopping.
log::Value Hub::outboxWaiting() {
    if (!outbox_) return 0;
    try {
        std::int64_t waiting = 0;
        for (const auto& [state, count] : outbox_->countByState())
            if (state == "queued" || state == "sending") waiting += count;
        return waiting;
    } catch (const std::exception& e) {
        return "unknown (the store did not answer)";
    }
}

bool Hub::alive() const {
    if (server_ == nullptr || dispatcher_ == nullptr) return false;
    // Taken under the lock every connection's hand-over takes: a server wedged holding it stops the pings.
    (void)server_->stats();
    return true;
}

void Hub::stop() {
    // Said only by a hub that served: the destructor of one that never started stops nothing.
    const bool serving = server_ != nullptr;
    const auto began = std::chrono::steady_clock::now();
    int inFlight = 0;
    int servedBefore = 0;
    if (serving) {
        const auto stats = server_->stats();
        inFlight = stats.active + stats.queued;
        servedBefore = stats.total;
        log::info("hub_stopping", {{"requests_in_flight", inFlight}, {"outbox_waiting", outboxWaiting()}});
    }
    int served = 0;
    if (serving) {
        server_->stop();
        served = server_->stats().total - servedBefore;
    }
    if (expirySweep_) expirySweep_->stop();
    if (scheduledSends_) scheduledSends_->stop();
    if (batchMinting_) batchMinting_->stop();
    if (recordsRechecks_) recordsRechecks_->stop();
    if (communityInvitations_) communityInvitations_->stop();
    if (dispatcher_) dispatcher_->stop();
    server_.reset();
    dispatcher_.reset();
    if (serving) {
        const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        // Left in the outbox is not lost: the next start sends it.
        log::info("hub_stopped", {{"requests_finished", served},
                                  {"outbox_waiting", outboxWaiting()},
                                  {"seconds", std::round(took * 1000) / 1000}});
    }
}

std::vector<std::string> Hub::reload(const audit::Actor& by) {
    auto& reloads = metrics_.counter("clinhub_config_reloads_total", "Config reloads by result", {"result"});
    // The trail says which file and how it ended; a problem's text may quote a value from the file (a
    // password in a connector's section), so only their count goes there.
    const auto audited = [&](audit::Outcome outcome, const std::string& detail) {
        audit_->append({0, by, "reloadConfig", audit::kHubWide, {}, {}, outcome, detail});
    };
    std::vector<std::string> problems;
    auto next = loadRuntime(problems);
    if (!next) {
        for (const auto& p : problems)
            log::error("config_reload_problem", {{"problem", p}});
        log::error("config_reload_rejected",
                   {{"file", configPath_}, {"problems", problems.size()}, {"action", "keeping the running config"}});
        reloads.inc({"rejected"});
        try {
            audited(audit::Outcome::failure, configPath_ + ": " + std::to_string(problems.size()) +
                                                 (problems.size() == 1 ? " problem" : " problems"));
        } catch (const std::exception& e) {
            log::error("config_reload_not_audited", {{"file", configPath_}, {"error", e.what()}});
        }
        return problems;
    }
    const auto& before = current_->get()->config();
    const auto& after = next->config();
    // The server, the store and the workers are built once at start: say so rather than pretend.
    std::string needRestart;
    if (before.http.listen != after.http.listen || before.http.adminListen != after.http.adminListen ||
        before.http.threads != after.http.threads || before.http.maxQueued != after.http.maxQueued)
        needRestart += "hub.listen/hub.http ";
    if (before.storeUrl != after.storeUrl) needRestart += "hub.store ";
    if (!(before.outbox == after.outbox)) needRestart += "hub.outbox ";
    if (!(before.books == after.books)) needRestart += "hub.books ";
    if (!needRestart.empty()) {
        needRestart.pop_back();
        log::warning("config_reload_needs_restart", {{"changed", needRestart}});
    }
    // Written before the new config takes effect: a change the trail cannot record is not made.
    try {
        audited(audit::Outcome::success,
                configPath_ + (needRestart.empty() ? "" : "; takes effect at restart: " + needRestart));
    } catch (const std::exception& e) {
        log::error("config_reload_not_audited", {{"file", configPath_}, {"error", e.what()}});
        reloads.inc({"rejected"});
        return {"the audit log could not be written, so the config was not reloaded: try again"};
    }
    log::setMinimumLevel(log::levelNamed(next->config().logLevel).value_or(log::Level::info));
    current_->replace(std::move(next));
    reloads.inc({"applied"});
    log::info("config_reloaded", {{"file", configPath_}});
    return {};
}

std::vector<std::string> Hub::readinessProblems() {
    std::vector<std::string> problems;
    // The driver's words stay in the log: /readyz may be seen by whoever can reach the port.
    if (std::string reason; !store_->reachable(reason)) {
        problems.emplace_back("store unreachable");
        log::warning("store_unreachable", {{"store", store_->url()}, {"reason", reason}});
    }
    // Only the connectors hub.ready_requires names: a load balancer that took the whole hub out because one
    // practice's book is down would stop every other practice's patients too. (A config whose connectors
    // could not all be made never runs at all: Runtime::build refuses it at start and at reload.)
    const auto required = requiredConnectorProblems(*current_->get(), *board_);
    problems.insert(problems.end(), required.begin(), required.end());
    return problems;
}

} // namespace clinhub::app

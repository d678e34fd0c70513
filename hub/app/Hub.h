// The serving process: plugins, config, store, outbox workers and the HTTP server, wired together.
#pragma once

#include "hub/app/ConnectorBoard.h"
#include "hub/app/JobTurns.h"
#include "hub/app/Periodic.h"
#include "hub/audit/AuditLog.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Router.h"
#include "hub/http/Server.h"
#include "hub/log/Log.h"
#include "hub/metrics/Metrics.h"
#include "hub/outbox/Dispatcher.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/SignIn.h"
#include "hub/store/Store.h"
#include "hub/web/StaffPages.h"
#include "hub/workflows/BatchSelfBook.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"
#include "hub/workflows/Reminders.h"
#include "hub/workflows/Retention.h"
#include "hub/workflows/SelfBook.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::app {

// Start-up refused; every problem listed, each ready to print on its own line.
class StartupError : public std::runtime_error {
public:
    explicit StartupError(std::vector<std::string> problems);
    [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

class Hub {
public:
    explicit Hub(std::string configPath);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Loads plugins and config, migrates the store, creates the connectors, starts the workers and the
    // HTTP server. Throws StartupError.
    void start();
    void stop();

    // Re-reads the config file, as `by` asked. A valid one takes effect; an invalid one is logged and the
    // running one keeps serving. Either way the hub-wide audit trail says so (audit::kHubWide). Returns the
    // problems (empty when the new config was applied).
    std::vector<std::string> reload(const audit::Actor& by);

    // Started and not stopped: its server and its outbox workers are there, and the server's queue can be
    // looked at. What the systemd watchdog is fed on; call it from one thread, never while stop() runs.
    [[nodiscard]] bool alive() const;

    [[nodiscard]] std::uint16_t port() const { return server_ ? server_->port() : 0; }
    // The staff and operations listener's port when hub.admin_listen is set, else port().
    [[nodiscard]] std::uint16_t adminPort() const;
    [[nodiscard]] std::shared_ptr<const runtime::Runtime> runtime() const { return current_->get(); }

private:
    std::shared_ptr<const runtime::Runtime> loadRuntime(std::vector<std::string>& problems);
    std::vector<std::string> readinessProblems();
    void registerMetrics();
    // Messages queued or being sent, for the shutdown log; text when the store does not answer.
    log::Value outboxWaiting();
    // A job that runs about once an interval across every process sharing the store (JobTurns).
    // The OpenID Connect provider hub.staff_sign_in names, if any. Throws StartupError for a secret not in
    // the environment or settings no sign-in could work with.
    static std::optional<web::SingleSignOn> singleSignOn(const config::Config& config);
    std::unique_ptr<Periodic> onceAcrossProcesses(const std::string& name, std::chrono::milliseconds interval,
                                                  std::function<void()> job);

    std::string configPath_;
    host::PluginHost host_;
    metrics::Metrics metrics_;
    std::shared_ptr<ConnectorBoard> board_; // watches every connector call, from start()
    int64_t startedMicros_ = 0;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<outbox::Outbox> outbox_;
    std::unique_ptr<JobTurns> turns_;
    std::unique_ptr<runtime::Current> current_;
    std::unique_ptr<outbox::Dispatcher> dispatcher_;
    std::unique_ptr<workflows::SelfBook> selfBook_;
    std::unique_ptr<workflows::BatchSelfBook> batches_;
    std::unique_ptr<Periodic> batchMinting_;
    std::unique_ptr<Periodic> scheduledSends_;
    std::unique_ptr<workflows::Clinics> clinics_;
    std::unique_ptr<workflows::Cohorts> cohorts_;
    std::unique_ptr<Periodic> recordsRechecks_;
    std::unique_ptr<workflows::CommunityClinics> community_;
    std::unique_ptr<Periodic> communityInvitations_;
    std::unique_ptr<audit::AuditLog> audit_;
    std::unique_ptr<staff::SignIn> signIn_;
    std::unique_ptr<Periodic> expirySweep_;
    std::unique_ptr<workflows::Retention> retention_;
    std::unique_ptr<Periodic> retentionSweep_;
    std::unique_ptr<workflows::Reminders> reminders_;
    std::unique_ptr<Periodic> reminderSweep_;
    http::Router router_;
    http::Router adminRouter_; // used when hub.admin_listen is set
    std::unique_ptr<http::Server> server_;
};

} // namespace clinhub::app

#include "hub/app/ConnectorBoard.h"

#include <clinhub/kit/Scrub.hpp>

#include <Poco/Timestamp.h>

#include <array>

namespace clinhub::app {

struct ConnectorBoard::Record {
    mutable std::mutex mutex;
    ConnectorHealth health;
};

namespace {

constexpr std::size_t kStatuses = 4; // ok, conflict, retryable, permanent: clinhub_status

int64_t steadyMicros(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// A connector's own registers, resolved on first use: a call then costs two clock reads, two atomic adds
// and a short lock of its record, never a lookup in a family's map. Lazily, because most connectors make
// only a few of the calls their kinds have, and a series made is a series scraped for good.
class Watcher final : public host::ConnectorCalls {
public:
    Watcher(metrics::Counter& calls, metrics::Histogram& durations, std::string connector, std::string plugin,
            std::shared_ptr<ConnectorBoard::Record> record)
        : calls_(calls), durations_(durations), connector_(std::move(connector)), plugin_(std::move(plugin)),
          record_(std::move(record)) {}

    void called(host::Operation operation, const Result& result, std::chrono::nanoseconds took,
                std::chrono::steady_clock::time_point ended) noexcept override {
        try {
            const auto op = static_cast<std::size_t>(operation);
            const auto status = static_cast<std::size_t>(result.status) % kStatuses;
            const auto index = op * kStatuses + status;
            std::call_once(callsOnce_[index], [&] {
                callSeries_[index] = calls_.series(
                    {connector_, plugin_, host::toString(operation), toString(static_cast<Status>(status))});
            });
            callSeries_[index]->inc();
            std::call_once(durationsOnce_[op], [&] {
                durationSeries_[op] = durations_.series({connector_, host::toString(operation)});
            });
            durationSeries_[op]->observe(std::chrono::duration<double>(took).count());
            remember(operation, result, ended);
        } catch (...) { // NOLINT(bugprone-empty-catch): watching must never fail the call it watches
        }
    }

private:
    // Times are kept on the steady clock, as the host timed the call, and made times of day when read.
    void remember(host::Operation operation, const Result& result, std::chrono::steady_clock::time_point ended) {
        const bool answered = result.status == Status::ok || result.status == Status::conflict;
        CallOutcome outcome{steadyMicros(ended), operation, result.status, {}};
        // Scrubbed outside the lock: a provider's words may quote a patient, and they are shown at /status.
        if (result.status != Status::ok && !result.message.empty())
            outcome.reason = kit::scrub(result.message, ConnectorBoard::kReasonMax);
        const std::lock_guard lock(record_->mutex);
        auto& health = record_->health;
        ++health.calls;
        if (answered) health.lastSuccessMicros = outcome.atMicros;
        if (result.status == Status::retryable)
            ++health.consecutiveFailures;
        else
            health.consecutiveFailures = 0;
        if (!answered) health.lastFailure = outcome;
        health.lastCall = std::move(outcome);
    }

    metrics::Counter& calls_;
    metrics::Histogram& durations_;
    std::string connector_;
    std::string plugin_;
    std::shared_ptr<ConnectorBoard::Record> record_;
    std::array<std::once_flag, host::kOperations * kStatuses> callsOnce_;
    std::array<std::optional<metrics::CounterSeries>, host::kOperations * kStatuses> callSeries_;
    std::array<std::once_flag, host::kOperations> durationsOnce_;
    std::array<std::optional<metrics::HistogramSeries>, host::kOperations> durationSeries_;
};

// From a local book's fraction of a millisecond to a remote book's timeout.
std::vector<double> callBounds() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

} // namespace

ConnectorBoard::ConnectorBoard(metrics::Metrics& metrics)
    : calls_(metrics.counter("clinhub_connector_calls_total",
                             "Calls into connector plugins, by connector, plugin, operation and status (ok, "
                             "conflict, retryable, permanent)",
                             {"connector", "plugin", "operation", "status"})),
      durations_(metrics.histogram("clinhub_connector_call_duration_seconds",
                                   "Time taken by calls into connector plugins, by connector and operation",
                                   {"connector", "operation"}, callBounds())) {}

std::shared_ptr<host::ConnectorCalls> ConnectorBoard::watch(const std::string& connector, const std::string& plugin) {
    std::shared_ptr<Record> record;
    {
        const std::lock_guard lock(mutex_);
        auto& slot = records_[connector];
        if (!slot) slot = std::make_shared<Record>();
        record = slot;
    }
    return std::make_shared<Watcher>(calls_, durations_, connector, plugin, std::move(record));
}

std::optional<ConnectorHealth> ConnectorBoard::health(const std::string& connector) const {
    std::shared_ptr<Record> record;
    {
        const std::lock_guard lock(mutex_);
        const auto it = records_.find(connector);
        if (it == records_.end()) return std::nullopt;
        record = it->second;
    }
    ConnectorHealth health;
    {
        const std::lock_guard lock(record->mutex);
        health = record->health;
    }
    // Steady-clock times become times of day by how long ago they were: right even when the wall clock was
    // stepped since.
    const int64_t wallNow = Poco::Timestamp().epochMicroseconds();
    const int64_t steadyNow = steadyMicros(std::chrono::steady_clock::now());
    const auto toWall = [&](int64_t steady) { return wallNow - (steadyNow - steady); };
    if (health.lastCall) health.lastCall->atMicros = toWall(health.lastCall->atMicros);
    if (health.lastFailure) health.lastFailure->atMicros = toWall(health.lastFailure->atMicros);
    if (health.lastSuccessMicros != 0) health.lastSuccessMicros = toWall(health.lastSuccessMicros);
    return health;
}

} // namespace clinhub::app

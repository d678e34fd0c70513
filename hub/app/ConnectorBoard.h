// Watches every connector call (host::CallObserver): counts and times them in the metrics registry, and
// keeps each connector's last outcome for GET /status and for readiness.
//
// Outcomes are kept by connector name, so they outlive the instances a reload replaces: a book that was
// failing before a reload is still known to be failing after it, until a call says otherwise.
#pragma once

#include "hub/host/CallObserver.h"
#include "hub/metrics/Metrics.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace clinhub::app {

struct CallOutcome {
    int64_t atMicros = 0; // wall clock, since the epoch
    host::Operation operation = host::Operation::send;
    Status status = Status::ok;
    std::string reason; // scrubbed and capped; "" for ok
};

struct ConnectorHealth {
    std::optional<CallOutcome> lastCall;
    std::optional<CallOutcome> lastFailure; // the last call that ended retryable or permanent
    int64_t lastSuccessMicros = 0;          // the last ok or conflict (the provider answered); 0 for never
    // Calls in a row that got no answer (retryable: unreachable, timed out, 5xx, rate-limited), since the
    // last that did. A permanent refusal is an answer: it says nothing about whether the connector is up.
    int consecutiveFailures = 0;
    std::uint64_t calls = 0;
};

class ConnectorBoard final : public host::CallObserver {
public:
    // Registers the metric families at once, so that they are described at /metrics before any call.
    explicit ConnectorBoard(metrics::Metrics& metrics);

    std::shared_ptr<host::ConnectorCalls> watch(const std::string& connector, const std::string& plugin) override;

    // What is known of the connector; nullopt when it has never been watched.
    [[nodiscard]] std::optional<ConnectorHealth> health(const std::string& connector) const;

    // The longest reason kept: enough to say what went wrong, too little to carry a record.
    static constexpr std::size_t kReasonMax = 160;

    struct Record;

private:
    metrics::Counter& calls_;
    metrics::Histogram& durations_;
    mutable std::mutex mutex_; // guards records_ only
    std::map<std::string, std::shared_ptr<Record>> records_;
};

} // namespace clinhub::app

// Outbox workers: claim due messages, send each through its organisation's route, record the result.
#pragma once

#include "hub/config/Config.h"
#include "hub/host/PluginHost.h"
#include "hub/outbox/Outbox.h"
#include "hub/outbox/RateLimiter.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace clinhub::outbox {

// Which connectors carry a channel for an organisation, in failover order; and any connector by name
// (to reconcile with the one that was being called when a message was interrupted).
class Routes {
public:
    virtual ~Routes() = default;
    virtual std::vector<std::shared_ptr<host::ConnectorInstance>> route(const std::string& organisation,
                                                                        Channel channel) = 0;
    virtual std::shared_ptr<host::ConnectorInstance> connector(const std::string& name) = 0;
    // The most calls a minute the connector may take (its `rate_limit`); 0 for no limit.
    virtual int ratePerMinute(const std::string& /*connector*/) { return 0; }
    // When the organisation's quiet hours holding `epochSeconds` end (seconds since the epoch); nullopt outside
    // them.
    virtual std::optional<int64_t> quietUntil(const std::string& /*organisation*/, int64_t /*epochSeconds*/) {
        return std::nullopt;
    }
};

// Exponential backoff with jitter, capped: attempt n waits a random time in [d/2, d], d = min(cap, base·2ⁿ⁻¹).
class Backoff {
public:
    Backoff(int64_t baseMicros, int64_t capMicros) : base_(baseMicros), cap_(capMicros) {}
    int64_t delay(int attempt, std::mt19937_64& random) const;

private:
    int64_t base_;
    int64_t cap_;
};

class Dispatcher {
public:
    // Told of each attempt's outcome ("sent", "retry", "failed", "failover", "reconciled", "resent"),
    // for metrics.
    using OutcomeListener =
        std::function<void(const std::string& connector, Channel channel, const std::string& outcome)>;

    Dispatcher(Outbox& outbox, Routes& routes, const config::Outbox& settings, OutcomeListener listener = {});
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    void start();
    void stop();
    // Wakes a sleeping worker: a message was just enqueued.
    void notify();
    // Claims one batch and handles it on the calling thread; returns how many messages it handled.
    int runOnce();

private:
    void work();
    // Adds what became of the message to `outcomes`.
    void handle(Message& message, std::mt19937_64& random, std::vector<Outcome>& outcomes);
    // What settles the message without sending it (it had been sent, or must wait); nothing to send it.
    std::optional<Outcome> reconcile(Message& message, std::mt19937_64& random);
    std::vector<std::string> mayHaveIt(const Message& message);
    Result deliver(host::ConnectorInstance& connector, const Message& message, std::string& providerId);
    static int64_t fallbackDueAt(const Message& message);
    std::optional<int64_t> quietUntil(const Message& message);

    Outbox& outbox_;
    Routes& routes_;
    config::Outbox settings_;
    Backoff backoff_;
    OutcomeListener listener_;
    RateLimiter limiter_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::atomic<bool> woken_{false};
};

} // namespace clinhub::outbox

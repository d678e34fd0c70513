#include "hub/outbox/Dispatcher.h"

#include "hub/log/Log.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace clinhub::outbox {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr auto kLongestRateWait = std::chrono::seconds(1);

} // namespace

int64_t Backoff::delay(int attempt, std::mt19937_64& random) const {
    int64_t d = base_;
    for (int i = 1; i < attempt && d < cap_; ++i)
        d *= 2;
    d = std::min(d, cap_);
    std::uniform_int_distribution<int64_t> jitter(d / 2, d);
    return jitter(random);
}

Dispatcher::Dispatcher(Outbox& outbox, Routes& routes, const config::Outbox& settings, OutcomeListener listener)
    : outbox_(outbox), routes_(routes), settings_(settings),
      backoff_(settings.backoffBaseSeconds * kMicrosPerSecond, settings.backoffCapSeconds * kMicrosPerSecond),
      listener_(std::move(listener)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = false;
    }
    for (int i = 0; i < std::max(1, settings_.workers); ++i)
        workers_.emplace_back([this] { work(); });
}

void Dispatcher::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_)
        w.join();
    workers_.clear();
}

void Dispatcher::notify() {
    woken_ = true;
    wake_.notify_one();
}

void Dispatcher::work() {
    for (;;) {
        int handled = 0;
        try {
            handled = runOnce();
        } catch (const Poco::Exception& e) {
            log::error("outbox_worker_error", {{"error", e.displayText()}});
        } catch (const std::exception& e) {
            log::error("outbox_worker_error", {{"error", e.what()}});
        }
        std::unique_lock lock(mutex_);
        if (stopping_) return;
        if (handled == 0)
            wake_.wait_for(lock, std::chrono::milliseconds(settings_.pollMilliseconds),
                           [this] { return stopping_ || woken_.exchange(false); });
    }
}

int Dispatcher::runOnce() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const int64_t lease = static_cast<int64_t>(settings_.leaseSeconds) * kMicrosPerSecond;
    const int64_t claimedAt = store::nowMicros();
    auto batch = outbox_.claim(settings_.batchSize, claimedAt, lease);
    if (batch.empty()) return 0;
    // Which connector each message will try first, durable before any call: after a crash that is the one
    // asked whether it has the message. An interrupted message keeps the name it has until it is reconciled.
    std::vector<Outcome> outcomes;
    for (const auto& message : batch) {
        if (message.interrupted) continue;
        const auto route = routes_.route(message.organisation, message.channel);
        if (!route.empty()) outcomes.push_back(Outcome::trying(message.reference, route.front()->name()));
    }
    outbox_.settle(outcomes);
    outcomes.clear();
    for (auto& message : batch) {
        if (store::nowMicros() - claimedAt > lease / 2) {
            // Slow providers have used half the lease: give the rest back before another worker may take
            // them as interrupted. An interrupted one stays claimed, to come back still marked so.
            if (!message.interrupted)
                outcomes.push_back(Outcome::retry(message.reference, message.attempts, 0, message.lastError));
            continue;
        }
        try {
            handle(message, random, outcomes);
        } catch (const std::exception& e) {
            // The claim lapses and the message is reconciled and retried: nothing is lost.
            log::error("outbox_message_error", {{"reference", message.reference}, {"error", e.what()}});
        }
    }
    // One transaction for the batch. Should the process die before it commits, each message sent is found
    // at its provider by the reconciling that follows, so none is sent twice.
    outbox_.settle(outcomes);
    return static_cast<int>(batch.size());
}

// The connectors a message may already have reached: the one being called when a process died, or each
// one whose send failed in a way that does not say it never arrived (a timeout, a lost answer). A failure
// the plugin called not sent (recorded as "not-sent") is left out: nobody is asked after it.
std::vector<std::string> Dispatcher::mayHaveIt(const Message& message) {
    std::vector<std::string> names;
    if (message.interrupted && !message.connector.empty()) names.push_back(message.connector);
    if (message.attempts > 0)
        for (const auto& a : outbox_.attempts(message.reference))
            if (a.outcome == clinhub::toString(Status::retryable) &&
                std::find(names.begin(), names.end(), a.connector) == names.end())
                names.push_back(a.connector);
    return names;
}

std::optional<Outcome> Dispatcher::reconcile(Message& message, std::mt19937_64& random) {
    const auto names = mayHaveIt(message);
    if (names.empty()) return std::nullopt;
    for (const auto& name : names) {
        auto connector = routes_.connector(name);
        SmsSender* sms = connector && message.channel == Channel::sms ? connector->sms() : nullptr;
        EmailSender* email = connector && message.channel == Channel::email ? connector->email() : nullptr;
        PatientMessenger* app = connector && message.channel == Channel::app ? connector->patientMessaging() : nullptr;
        Delivery delivery;
        std::vector<Receipt> channels;
        Result r = sms != nullptr     ? sms->lookup(message.reference, delivery)
                   : email != nullptr ? email->lookup(message.reference, delivery)
                   : app != nullptr   ? app->lookup(message.reference, delivery, channels)
                                      : Result::permanent("no lookup for this channel");
        if (r.status == Status::retryable) {
            // The provider may have it: resending now could send it twice. Ask again later.
            return Outcome::held(message.reference, store::nowMicros() + backoff_.delay(1, random),
                                 "reconciling with " + name + ": " + r.message);
        }
        if (r.ok() && (delivery.state == DeliveryState::accepted || delivery.state == DeliveryState::delivered ||
                       delivery.state == DeliveryState::read)) {
            log::info("outbox_reconciled", {{"reference", message.reference}, {"connector", name}});
            if (listener_) listener_(name, message.channel, "reconciled");
            auto sent = Outcome::sent(message.reference, name, delivery.providerId,
                                      {{message.attempts, name, "reconciled", "provider already had it", 0}});
            sent.fallbackDueAt = fallbackDueAt(message);
            return sent;
        }
    }
    // Unknown to every provider that might have it, failed there, or connectors that cannot tell: send it.
    log::info("outbox_resending", {{"reference", message.reference}, {"connectors", names.size()}});
    if (listener_) listener_(message.connector, message.channel, "resent");
    return std::nullopt;
}

// When the organisation's quiet hours end, for a message to a patient's phone that falls due inside them.
std::optional<int64_t> Dispatcher::quietUntil(const Message& message) {
    if (message.anyHour || (message.channel != Channel::sms && message.channel != Channel::app)) return std::nullopt;
    return routes_.quietUntil(message.organisation, store::nowMicros() / kMicrosPerSecond);
}

// When an NHS App message just sent should fall back to SMS unless read: its payload's read wait from now. 0 for
// any other message, and for one whose payload cannot be read (it was sent, so it could).
int64_t Dispatcher::fallbackDueAt(const Message& message) {
    if (message.channel != Channel::app || !message.unreadable.empty()) return 0;
    try {
        const auto payload = decode(message.channel, message.payloadJson);
        const auto& app = std::get<AppPayload>(payload);
        return app.readWaitSeconds > 0 ? store::nowMicros() + app.readWaitSeconds * kMicrosPerSecond : 0;
    } catch (const PayloadError&) {
        return 0;
    }
}

Result Dispatcher::deliver(host::ConnectorInstance& connector, const Message& message, std::string& providerId) {
    if (!message.unreadable.empty()) return Result::permanent(message.unreadable);
    Payload payload;
    try {
        payload = decode(message.channel, message.payloadJson);
    } catch (const PayloadError& e) {
        return Result::permanent(e.what());
    }
    if (const auto* sms = std::get_if<SmsPayload>(&payload)) {
        if (auto* sender = connector.sms()) return sender->send({sms->to, sms->body, message.reference}, providerId);
    } else if (const auto* email = std::get_if<EmailPayload>(&payload)) {
        if (auto* sender = connector.email())
            return sender->send({email->to, email->subject, email->text, email->html, message.reference}, providerId);
    } else if (const auto* app = std::get_if<AppPayload>(&payload)) {
        if (auto* sender = connector.patientMessaging())
            return sender->send({app->nhsNumber, app->dateOfBirth, app->mobile, app->body, message.reference},
                                providerId);
    } else if (const auto* record = std::get_if<RecordPayload>(&payload)) {
        if (auto* book = connector.appointmentBook())
            return book->writeCode(record->patient, record->code, record->term);
    }
    return Result::permanent("connector '" + connector.name() + "' cannot carry " + toString(message.channel));
}

void Dispatcher::handle(Message& message, std::mt19937_64& random, std::vector<Outcome>& outcomes) {
    // Before any resend, ask whoever might have the message already: a resend must never duplicate it.
    if (auto settled = reconcile(message, random)) {
        outcomes.push_back(std::move(*settled));
        return;
    }
    if (auto until = quietUntil(message)) {
        outcomes.push_back(Outcome::retry(message.reference, message.attempts, *until * kMicrosPerSecond,
                                          "held for the organisation's quiet hours, until " + kit::ukTimeText(*until)));
        if (listener_) listener_("", message.channel, "quiet");
        return;
    }
    const auto route = routes_.route(message.organisation, message.channel);
    const int attempt = message.attempts + 1;
    std::string lastError;
    if (route.empty())
        lastError = "organisation " + message.organisation + " routes no " + toString(message.channel) + " connector";
    std::vector<Attempt> tried; // attempt rows not yet written
    for (size_t i = 0; i < route.size(); ++i) {
        const auto& connector = route[i];
        const auto wait = limiter_.reserve(connector->name(), routes_.ratePerMinute(connector->name()));
        if (wait > kLongestRateWait) {
            // Holding the claim that long would only stall this worker: put the message off instead,
            // without spending an attempt.
            limiter_.cancel(connector->name());
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(wait).count();
            outcomes.push_back(Outcome::retry(message.reference, message.attempts, store::nowMicros() + micros,
                                              connector->name() + ": held back by its rate limit", std::move(tried)));
            if (listener_) listener_(connector->name(), message.channel, "throttled");
            return;
        }
        if (wait > wait.zero()) std::this_thread::sleep_for(wait);
        // The batch recorded its first connector already; any other is recorded now, with the attempts
        // before it, since it too may be asked after a crash.
        if (i > 0 || message.interrupted)
            outbox_.settle({Outcome::trying(message.reference, connector->name(), std::exchange(tried, {}))});
        std::string providerId;
        const Result r = deliver(*connector, message, providerId);
        tried.push_back({attempt, connector->name(), outcomeOf(r), r.message, 0});
        if (r.ok()) {
            outcomes.push_back(Outcome::sent(message.reference, connector->name(), providerId, std::move(tried)));
            outcomes.back().fallbackDueAt = fallbackDueAt(message);
            log::info("outbox_sent", {{"reference", message.reference},
                                      {"connector", connector->name()},
                                      {"channel", toString(message.channel)}});
            if (listener_) listener_(connector->name(), message.channel, "sent");
            return;
        }
        lastError = connector->name() + ": " + r.message;
        if (r.status != Status::retryable) {
            // A bad request fails the same way everywhere: failing over would only repeat it.
            outcomes.push_back(Outcome::failed(message.reference, attempt, lastError, std::move(tried)));
            log::warning("outbox_failed",
                         {{"reference", message.reference}, {"connector", connector->name()}, {"error", r.message}});
            if (listener_) listener_(connector->name(), message.channel, "failed");
            return;
        }
        log::warning("outbox_failover", {{"reference", message.reference},
                                         {"connector", connector->name()},
                                         {"sent", r.definitelyNotSent() ? "no" : "perhaps"},
                                         {"error", r.message}});
        if (listener_) listener_(connector->name(), message.channel, "failover");
    }
    if (attempt >= settings_.maxAttempts) {
        outcomes.push_back(Outcome::failed(
            message.reference, attempt,
            "gave up after " + std::to_string(attempt) + " attempts; last error: " + lastError, std::move(tried)));
        log::warning("outbox_gave_up", {{"reference", message.reference}, {"attempts", attempt}});
        if (listener_) listener_("", message.channel, "failed");
        return;
    }
    const int64_t due = store::nowMicros() + backoff_.delay(attempt, random);
    outcomes.push_back(Outcome::retry(message.reference, attempt, due, lastError, std::move(tried)));
    if (listener_) listener_("", message.channel, "retry");
}

} // namespace clinhub::outbox

// The hub's own cascade for an NHS App connector that does not fall back to SMS itself: one SMS, held beside the
// app message, sent when the app fails or goes unread, dropped once read.
#include "tests/outbox/OutboxFixture.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <utility>

namespace clinhub::test {
namespace {

class Cascading : public OutboxFixture {
protected:
    void SetUp() override {
        OutboxFixture::SetUp();
        addConnector("texts", "ok");
        addConnector("app", "ok");
        routes.sms = {routes.byName["texts"]};
        routes.app = {routes.byName["app"]};
    }

    // An NHS App message with its SMS fallback, as workflows::toPatient makes one; returns its reference.
    std::string enqueueAppMessage(const std::string& nhsNumber = "9995260182", int64_t readWaitSeconds = 3600) {
        auto message = outbox::NewMessage::of(
            "A12345", outbox::AppPayload{nhsNumber, "2000-01-01", "+447700900123", "hello", readWaitSeconds});
        message.fallback = std::make_shared<outbox::NewMessage>(
            outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900123", "hello"}));
        return outbox->enqueue(std::move(message).about("lnk_1"));
    }

    // The fallback queued for `reference`, found among the link's messages.
    outbox::Message fallbackOf(const std::string& reference) {
        const auto messages = outbox->aboutLink("A12345", "lnk_1");
        const auto it = std::find_if(messages.begin(), messages.end(),
                                     [&](const outbox::Message& m) { return m.fallbackFor == reference; });
        EXPECT_NE(it, messages.end()) << "no fallback for " << reference;
        return it != messages.end() ? *it : outbox::Message{};
    }

    // SMS sends the texts connector journaled.
    size_t smsSent() const { return journal("texts").size(); }
};

TEST_F(Cascading, AnAppMessageReadInTheAppNeverFallsBackToSms) {
    const auto reference = enqueueAppMessage();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    const int64_t before = store::nowMicros();
    EXPECT_EQ(dispatcher.runOnce(), 1) << "the fallback is held, not claimed";
    const auto app = outbox->find(reference);
    EXPECT_EQ(app->state, "sent");
    EXPECT_EQ(app->connector, "app");
    EXPECT_EQ(journal("app"), std::vector<std::string>{reference + " app ok"});
    const auto held = fallbackOf(reference);
    EXPECT_EQ(held.state, "queued");
    EXPECT_GE(held.dueAt, before + int64_t{3600} * 1'000'000) << "due after the read wait from the send";
    EXPECT_LT(held.dueAt, store::nowMicros() + int64_t{3601} * 1'000'000);

    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::read, "read"));
    EXPECT_EQ(fallbackOf(reference).state, "cancelled");
    EXPECT_EQ(dispatcher.runOnce(), 0);
    EXPECT_EQ(smsSent(), 0U);
}

TEST_F(Cascading, APatientNotOnTheAppGetsTheSmsAtOnce) {
    const auto reference = enqueueAppMessage("9990000018");
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto app = outbox->find(reference);
    EXPECT_EQ(app->state, "failed");
    EXPECT_EQ(app->lastError, "app: not on the NHS App");
    EXPECT_LE(fallbackOf(reference).dueAt, store::nowMicros());
    EXPECT_EQ(dispatcher.runOnce(), 1);
    EXPECT_EQ(fallbackOf(reference).state, "sent");
    EXPECT_EQ(smsSent(), 1U);
}

TEST_F(Cascading, AReceiptThatTheAppFailedSendsTheSmsNow) {
    const auto reference = enqueueAppMessage();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(dispatcher.runOnce(), 0) << "held for an hour";
    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::failed,
                                      "the patient has no NHS App account"));
    EXPECT_EQ(dispatcher.runOnce(), 1);
    EXPECT_EQ(smsSent(), 1U);
    // Read after all, too late: the SMS stays sent, and nothing more goes.
    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::read, "read"));
    EXPECT_EQ(fallbackOf(reference).state, "sent");
    EXPECT_EQ(dispatcher.runOnce(), 0);
    EXPECT_EQ(smsSent(), 1U);
}

TEST_F(Cascading, AMessageUnreadAfterTheWaitGoesBySmsOnce) {
    const auto reference = enqueueAppMessage("9995260182", 1);
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::delivered, "unread"));
    EXPECT_EQ(dispatcher.runOnce(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(dispatcher.runOnce(), 1);
    EXPECT_EQ(smsSent(), 1U);
    EXPECT_EQ(dispatcher.runOnce(), 0);
    EXPECT_EQ(smsSent(), 1U);
}

TEST_F(Cascading, EachChannelKeepsItsBestNewsAndOnlyTheSendingConnectorMaySpeak) {
    const auto reference = enqueueAppMessage();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_FALSE(outbox->recordChannel("texts", reference, PatientChannel::nhsApp, DeliveryState::read, "read"))
        << "another connector's receipt";
    EXPECT_EQ(fallbackOf(reference).state, "queued");
    EXPECT_FALSE(outbox->recordChannel("app", "msg-unknown", PatientChannel::nhsApp, DeliveryState::read, "read"));

    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::read, "read"));
    EXPECT_TRUE(outbox->recordChannel("app", reference, PatientChannel::nhsApp, DeliveryState::delivered, "late"));
    const auto channels = outbox->channels(reference);
    ASSERT_EQ(channels.size(), 1U);
    EXPECT_EQ(channels[0].channel, PatientChannel::nhsApp);
    EXPECT_EQ(channels[0].state, "read") << "a late delivered does not undo read";
    const auto messages = outbox->aboutLink("A12345", "lnk_1");
    const auto app = std::find_if(messages.begin(), messages.end(),
                                  [&](const outbox::Message& m) { return m.reference == reference; });
    ASSERT_NE(app, messages.end());
    ASSERT_EQ(app->channels.size(), 1U) << "the link's page sees each channel";
    EXPECT_EQ(app->channels[0].state, "read");
}

TEST_F(Cascading, DroppingAnAppMessageNotYetSentDropsTheSmsHeldForItToo) {
    const auto reference = enqueueAppMessage();
    store->write([&](store::Session& s) {
        EXPECT_EQ(outbox::Outbox::cancelQueued(s, {reference}, "not needed: the appointment was cancelled"), 2);
    });
    EXPECT_EQ(outbox->find(reference)->state, "cancelled");
    EXPECT_EQ(fallbackOf(reference).state, "cancelled") << "no SMS left held for ever";
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    EXPECT_EQ(dispatcher.runOnce(), 0);
    EXPECT_TRUE(journal("app").empty());
    EXPECT_EQ(smsSent(), 0U);
}

TEST_F(Cascading, AnAppMessageWithoutAFallbackNeverSendsAnSms) {
    const auto reference = outbox->enqueue(
        outbox::NewMessage::of("A12345", outbox::AppPayload{"9990000018", "", "+447700900123", "hello", 0}));
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(reference)->state, "failed");
    EXPECT_EQ(dispatcher.runOnce(), 0);
    EXPECT_EQ(smsSent(), 0U);
}

} // namespace
} // namespace clinhub::test

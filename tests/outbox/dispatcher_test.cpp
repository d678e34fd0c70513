#include "tests/outbox/OutboxFixture.h"

#include <thread>

namespace clinhub::test {
namespace {

using Dispatching = OutboxFixture;

TEST_F(Dispatching, SendsThroughTheFirstConnectorOfTheRoute) {
    addConnector("primary", "ok");
    addConnector("backup", "ok");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    EXPECT_EQ(dispatcher.runOnce(), 1);
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "sent");
    EXPECT_EQ(m->connector, "primary");
    EXPECT_EQ(m->providerId, "scripted-" + reference);
    EXPECT_EQ(journal("primary").size(), 1U);
    EXPECT_TRUE(journal("backup").empty());
}

TEST_F(Dispatching, HoldsTextsInQuietHoursUntilTheyEndWithoutSpendingAnAttempt) {
    addConnector("primary", "ok");
    const auto text = enqueueSms();
    const auto email =
        outbox->enqueue(outbox::NewMessage::of("A12345", outbox::EmailPayload{"a@example.org", "s", "t", ""}));
    auto waiting = outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900123", "your link"});
    waiting.anyHour = true;
    const auto anyHour = outbox->enqueue(waiting);
    const int64_t end = store::nowMicros() / 1'000'000 + 3600;
    routes.quietEnd = end;
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto held = outbox->find(text);
    EXPECT_EQ(held->state, "queued");
    EXPECT_EQ(held->attempts, 0);
    EXPECT_EQ(held->dueAt, end * 1'000'000);
    EXPECT_EQ(held->lastError.rfind("held for the organisation's quiet hours, until ", 0), 0U) << held->lastError;
    // Tried at once (the scripted connector carries no email): quiet hours are for phones.
    EXPECT_EQ(outbox->find(email)->attempts, 1);
    EXPECT_EQ(outbox->find(anyHour)->state, "sent") << "a link staff send to a waiting patient";
    EXPECT_EQ(journal("primary"), std::vector<std::string>{anyHour + " ok"});

    routes.quietEnd.reset();
    EXPECT_EQ(dispatcher.runOnce(), 0) << "not due before the window ends";
}

TEST_F(Dispatching, GivesBackTheRestOfABatchOnceHalfItsLeaseIsGone) {
    addConnector("primary", "slow");
    std::vector<std::string> references;
    for (int i = 0; i < 4; ++i)
        references.push_back(enqueueSms());
    auto slowLease = settings();
    slowLease.leaseSeconds = 1;
    outbox::Dispatcher dispatcher(*outbox, routes, slowLease);
    dispatcher.runOnce();
    // The first send takes 600 ms, past half the 1 s lease: the other three go back untried, before another
    // worker could take them as interrupted and ask the provider about each.
    EXPECT_EQ(outbox->find(references[0])->state, "sent");
    for (int i = 1; i < 4; ++i) {
        const auto m = outbox->find(references[i]);
        EXPECT_EQ(m->state, "queued") << i;
        EXPECT_EQ(m->attempts, 0) << i;
    }
    EXPECT_EQ(journal("primary").size(), 1U);
}

TEST_F(Dispatching, FailsOverToTheNextConnectorOnARetryableFailure) {
    addConnector("primary", "retryable");
    addConnector("backup", "ok");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "sent");
    EXPECT_EQ(m->connector, "backup");
    const auto attempts = outbox->attempts(reference);
    ASSERT_EQ(attempts.size(), 2U);
    EXPECT_EQ(attempts[0].connector, "primary");
    EXPECT_EQ(attempts[0].outcome, "retryable");
    EXPECT_EQ(attempts[0].detail, "provider answered 503");
    EXPECT_EQ(attempts[1].connector, "backup");
    EXPECT_EQ(attempts[1].outcome, "ok");
}

TEST_F(Dispatching, DoesNotFailOverAPermanentFailure) {
    addConnector("primary", "permanent");
    addConnector("backup", "ok");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "failed");
    EXPECT_EQ(m->lastError, "primary: provider answered 400: phone number invalid");
    EXPECT_TRUE(journal("backup").empty());
}

TEST_F(Dispatching, SchedulesARetryWithBackoffWhenEveryConnectorIsDown) {
    addConnector("primary", "retryable");
    addConnector("backup", "retryable");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    const auto before = store::nowMicros();
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "queued");
    EXPECT_EQ(m->attempts, 1);
    EXPECT_GE(m->dueAt, before + 15'000'000);
    EXPECT_EQ(m->lastError, "backup: provider answered 503");
    EXPECT_EQ(dispatcher.runOnce(), 0) << "not due yet";
}

TEST_F(Dispatching, GivesUpAfterTheRetryBudgetWithTheLastReason) {
    addConnector("primary", "retryable");
    const auto reference = enqueueSms();
    auto s = settings(1);
    outbox::Dispatcher dispatcher(*outbox, routes, s);
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "failed");
    EXPECT_EQ(m->lastError, "gave up after 1 attempts; last error: primary: provider answered 503");
}

TEST_F(Dispatching, KeepsAMessageWhoseOrganisationHasNoRouteUntilOneAppears) {
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "queued");
    EXPECT_EQ(m->lastError, "organisation A12345 routes no sms connector");
}

TEST_F(Dispatching, ReconcilesAnInterruptedMessageTheProviderAlreadyHasWithoutResending) {
    addConnector("primary", "ok", "delivered");
    const auto reference = enqueueSms();
    // A worker claimed it and called the provider, then the process died.
    outbox->claim(10, store::nowMicros(), 60'000'000);
    outbox->settle({outbox::Outcome::trying(reference, "primary")});
    EXPECT_EQ(outbox->releaseAllClaims(), 1);

    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "sent");
    EXPECT_TRUE(journal("primary").empty()) << "the provider had it: nothing may be sent again";
    EXPECT_EQ(outbox->attempts(reference).back().outcome, "reconciled");
}

TEST_F(Dispatching, ResendsAnInterruptedMessageTheProviderNeverSaw) {
    addConnector("primary", "ok", "unknown");
    const auto reference = enqueueSms();
    outbox->claim(10, store::nowMicros(), 60'000'000);
    outbox->settle({outbox::Outcome::trying(reference, "primary")});
    outbox->releaseAllClaims();

    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(reference)->state, "sent");
    EXPECT_EQ(journal("primary").size(), 1U);
}

TEST_F(Dispatching, WaitsRatherThanResendsWhenTheProviderCannotSayYet) {
    addConnector("primary", "ok", "retryable");
    const auto reference = enqueueSms();
    outbox->claim(10, store::nowMicros(), 60'000'000);
    outbox->settle({outbox::Outcome::trying(reference, "primary")});
    outbox->releaseAllClaims();

    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "sending");
    EXPECT_TRUE(journal("primary").empty());
    EXPECT_EQ(m->lastError, "reconciling with primary: provider answered 503");
}

TEST_F(Dispatching, WorkersDeliverEveryMessageExactlyOnce) {
    addConnector("primary", "ok");
    std::set<std::string> references;
    for (int i = 0; i < 200; ++i)
        references.insert(enqueueSms());
    auto s = settings();
    s.workers = 4;
    s.pollMilliseconds = 10;
    s.batchSize = 7;
    outbox::Dispatcher dispatcher(*outbox, routes, s);
    dispatcher.start();
    for (int i = 0; i < 500 && outbox->countByState()["sent"] < 200; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    dispatcher.stop();
    EXPECT_EQ(outbox->countByState()["sent"], 200);
    std::multiset<std::string> sent;
    for (const auto& line : journal("primary"))
        sent.insert(line.substr(0, line.find(' ')));
    EXPECT_EQ(sent.size(), 200U);
    EXPECT_EQ(std::set<std::string>(sent.begin(), sent.end()), references);
}

} // namespace
} // namespace clinhub::test

namespace clinhub::test {
namespace {

TEST_F(Dispatching, QueuesAFollowUpOnlyWhenTheMessageIsSent) {
    addConnector("primary", "ok");
    auto followUp = std::make_shared<outbox::NewMessage>(
        outbox::NewMessage{"A12345", outbox::Channel::record, R"({"code":"1240781000000106"})", 0, nullptr});
    const auto sent = outbox->enqueue({"A12345", outbox::Channel::sms, R"({"to":"+447700900123"})", 0, followUp});
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(sent)->state, "sent");
    EXPECT_EQ(outbox->find(sent)->payloadJson, "{}") << "a sent message keeps no body";
    const auto counts = outbox->countByState();
    EXPECT_EQ(counts.at("queued"), 1) << "the follow-up";
}

TEST_F(Dispatching, DropsTheFollowUpOfAMessageThatFailed) {
    addConnector("primary", "permanent");
    auto followUp = std::make_shared<outbox::NewMessage>(
        outbox::NewMessage{"A12345", outbox::Channel::record, R"({"code":"1240781000000106"})", 0, nullptr});
    outbox->enqueue({"A12345", outbox::Channel::sms, R"({"to":"+447700900123"})", 0, followUp});
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(outbox->countByState().at("queued"), 0);
    EXPECT_EQ(outbox->countByState().at("failed"), 1);
}

} // namespace
} // namespace clinhub::test

namespace clinhub::test {
namespace {

TEST_F(Dispatching, ARateLimitedConnectorPutsOffWhatItCannotTakeWithoutSpendingAnAttempt) {
    addConnector("primary", "ok");
    routes.rates["primary"] = 30; // one every two seconds, a burst of one
    for (int i = 0; i < 4; ++i)
        enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    EXPECT_EQ(dispatcher.runOnce(), 4);
    // The first goes at once; the next would have to wait two seconds, longer than a worker holds a
    // message, so it and the rest are put off, with no attempt spent.
    EXPECT_EQ(journal("primary").size(), 1U);
    const auto counts = outbox->countByState();
    EXPECT_EQ(counts.at("sent"), 1);
    EXPECT_EQ(counts.at("queued"), 3);
    for (const auto& m : outbox->list("A12345", "queued", 10)) {
        EXPECT_EQ(m.attempts, 0);
        EXPECT_EQ(m.lastError, "primary: held back by its rate limit");
        EXPECT_GT(m.dueAt, store::nowMicros());
    }
}

} // namespace
} // namespace clinhub::test

namespace clinhub::test {
namespace {

TEST_F(Dispatching, ARetryAsksTheProviderThatMayHaveTheMessageBeforeSendingItAgain) {
    addConnector("primary", "retryable", "delivered"); // fails to answer, yet had it all along
    const auto reference = enqueueSms();
    auto s = settings(5);
    s.backoffBaseSeconds = 0; // due again at once
    s.backoffCapSeconds = 0;
    outbox::Dispatcher dispatcher(*outbox, routes, s);
    dispatcher.runOnce();
    ASSERT_EQ(outbox->find(reference)->state, "queued");
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(reference)->state, "sent");
    EXPECT_EQ(journal("primary").size(), 1U) << "looked up, not sent twice";
    EXPECT_EQ(outbox->attempts(reference).back().outcome, "reconciled");
}

TEST_F(Dispatching, ANotSentFailureIsRetriedWithoutALookup) {
    // The provider would claim to have it if asked: proof that nobody asks after a message never sent.
    addConnector("primary", "not-sent-once", "delivered");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, retryingAtOnce(5));
    dispatcher.runOnce();
    ASSERT_EQ(outbox->find(reference)->state, "queued");
    EXPECT_EQ(outbox->attempts(reference).back().outcome, "not-sent");
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(reference)->state, "sent");
    EXPECT_EQ(journal("primary"), (std::vector<std::string>{reference + " not-sent", reference + " ok"}))
        << "sent again, not reconciled";
    EXPECT_EQ(outbox->attempts(reference).back().outcome, "ok");
}

TEST_F(Dispatching, ANotSentConnectorIsNotWaitedOnWhenItsLookupIsDown) {
    // A lookup that cannot answer holds a possibly-sent message back; a not-sent one owes it nothing.
    addConnector("primary", "not-sent", "retryable");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, retryingAtOnce(3));
    dispatcher.runOnce();
    dispatcher.runOnce();
    EXPECT_EQ(journal("primary").size(), 2U) << "tried again at once, not held for a lookup";
    EXPECT_EQ(outbox->find(reference)->attempts, 2);
}

TEST_F(Dispatching, ANotSentFailureFailsOverAndOnlyTheConnectorThatMayHaveItIsAsked) {
    addConnector("primary", "not-sent", "retryable"); // asked, it would hold the message back
    addConnector("backup", "retryable", "delivered");
    const auto reference = enqueueSms();
    outbox::Dispatcher dispatcher(*outbox, routes, retryingAtOnce(5));
    dispatcher.runOnce();
    ASSERT_EQ(outbox->find(reference)->state, "queued");
    dispatcher.runOnce();
    const auto m = outbox->find(reference);
    EXPECT_EQ(m->state, "sent") << "the backup, asked, had it";
    EXPECT_EQ(m->connector, "backup");
    EXPECT_EQ(journal("primary").size(), 1U);
    EXPECT_EQ(journal("backup").size(), 1U);
}

TEST_F(Dispatching, ARetryResendsWhenTheProviderNeverGotIt) {
    addConnector("primary", "retryable", "unknown");
    const auto reference = enqueueSms();
    auto s = settings(2);
    s.backoffBaseSeconds = 0;
    s.backoffCapSeconds = 0;
    outbox::Dispatcher dispatcher(*outbox, routes, s);
    dispatcher.runOnce();
    dispatcher.runOnce();
    EXPECT_EQ(journal("primary").size(), 2U);
    EXPECT_EQ(outbox->find(reference)->state, "failed") << "two attempts, the budget";
}

} // namespace
} // namespace clinhub::test

#include "tests/outbox/OutboxFixture.h"
#include "tests/outbox/QueuedMessages.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using OutboxQueue = OutboxFixture;

TEST_F(OutboxQueue, AMessageEnqueuedInARolledBackTransactionNeverExists) {
    EXPECT_THROW(store->write([&](clinhub::store::Session& s) {
        outbox::Outbox::enqueue(s, {"A12345", outbox::Channel::sms, "{}", 0});
        throw std::runtime_error("the workflow failed after queueing");
    }),
                 std::runtime_error);
    EXPECT_EQ(outbox->countByState()["queued"], 0);
}

TEST_F(OutboxQueue, ReferencesAreUniqueAndCarryNoPersonalData) {
    const auto a = enqueueSms();
    const auto b = enqueueSms();
    EXPECT_NE(a, b);
    EXPECT_EQ(a.rfind("msg-", 0), 0U);
    EXPECT_EQ(a.find("7700"), std::string::npos);
}

TEST_F(OutboxQueue, TheMessagesAboutALinkAreFoundByItOldestFirst) {
    std::vector<std::string> about;
    store->write([&](clinhub::store::Session& s) {
        about.push_back(outbox::Outbox::enqueue(
            s, outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900123", "a"}).about("lnk_a")));
        outbox::Outbox::enqueue(
            s, outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900124", "b"}).about("lnk_b"));
        outbox::Outbox::enqueue(s, outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900125", "none"}));
        about.push_back(
            outbox::Outbox::enqueueAll(
                s, {outbox::NewMessage::of("A12345", outbox::SmsPayload{"+447700900123", "c"}).about("lnk_a")})
                .front());
    });
    const auto found = outbox->aboutLink("A12345", "lnk_a");
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].reference, about[0]);
    EXPECT_EQ(found[1].reference, about[1]);
    EXPECT_TRUE(outbox->aboutLink("B99999", "lnk_a").empty()) << "only within the organisation";
    EXPECT_TRUE(outbox->aboutLink("A12345", "lnk_c").empty());
}

TEST_F(OutboxQueue, AClaimedMessageIsNotClaimedAgainWhileItsLeaseHolds) {
    enqueueSms();
    const auto now = store::nowMicros();
    ASSERT_EQ(outbox->claim(10, now, 60'000'000).size(), 1U);
    EXPECT_TRUE(outbox->claim(10, now, 60'000'000).empty());
    const auto lapsed = outbox->claim(10, now + 61'000'000, 60'000'000);
    ASSERT_EQ(lapsed.size(), 1U);
    EXPECT_TRUE(lapsed.front().interrupted) << "a lapsed claim must be reconciled before resending";
}

// Three "processes" (stores with pools of their own on one database) claiming at once: SKIP LOCKED on
// PostgreSQL, the one writer on SQLite. Every message is claimed, and by one of them only.
TEST_F(OutboxQueue, ProcessesClaimingAtOnceShareTheQueueWithoutOverlap) {
    constexpr int kMessages = 600;
    store->write([&](clinhub::store::Session& s) {
        std::vector<outbox::NewMessage> messages(kMessages, {"A12345", outbox::Channel::sms, "{}", 0});
        outbox::Outbox::enqueueAll(s, messages);
    });
    std::vector<std::unique_ptr<store::Store>> stores;
    std::vector<std::vector<std::string>> claimed(3);
    for (int p = 0; p < 3; ++p)
        stores.push_back(store::Store::open(db.url()));
    std::vector<std::thread> threads;
    for (int p = 0; p < 3; ++p)
        threads.emplace_back([&, p] {
            outbox::Outbox mine(*stores[p]);
            for (auto batch = mine.claim(25, store::nowMicros(), 60'000'000); !batch.empty();
                 batch = mine.claim(25, store::nowMicros(), 60'000'000))
                for (const auto& m : batch)
                    claimed[p].push_back(m.reference);
        });
    for (auto& t : threads)
        t.join();
    std::set<std::string> all;
    std::size_t total = 0;
    for (const auto& mine : claimed) {
        all.insert(mine.begin(), mine.end());
        total += mine.size();
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kMessages)) << "every message claimed";
    EXPECT_EQ(total, all.size()) << "no message claimed twice";
}

// A worker stalls past its lease; another process takes the message over and sends it. The first one's
// late word (a retry here) must not put the sent message back in the queue to be sent again.
TEST_F(OutboxQueue, ALateSettleFromALapsedClaimCannotRequeueAMessageAnotherProcessSent) {
    const auto reference = enqueueSms();
    const auto t = store::nowMicros();
    ASSERT_EQ(outbox->claim(10, t, 1'000'000).size(), 1U);
    const auto takenOver = outbox->claim(10, t + 2'000'000, 60'000'000);
    ASSERT_EQ(takenOver.size(), 1U);
    outbox->settle({outbox::Outcome::sent(reference, "scripted", "provider-1")});
    outbox->settle({outbox::Outcome::retry(reference, 1, t, "timed out (too late to matter)")});
    const auto message = outbox->find(reference);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->state, "sent");
    EXPECT_EQ(message->providerId, "provider-1");
    EXPECT_TRUE(outbox->claim(10, t + 3'600'000'000, 60'000'000).empty()) << "nothing left to send again";
}

// Lapsed claims come first and the due messages fill only what they leave of the limit.
TEST_F(OutboxQueue, OneClaimTakesLapsedMessagesFirstThenDueOnesUpToTheLimit) {
    std::set<std::string> lapsed;
    for (int i = 0; i < 3; ++i)
        lapsed.insert(enqueueSms());
    const auto t = store::nowMicros();
    ASSERT_EQ(outbox->claim(3, t, 1'000'000).size(), 3U);
    for (int i = 0; i < 5; ++i)
        enqueueSms();
    const auto claimed = outbox->claim(4, t + 2'000'000, 60'000'000);
    ASSERT_EQ(claimed.size(), 4U);
    int interrupted = 0;
    for (const auto& m : claimed) {
        EXPECT_EQ(m.interrupted, lapsed.contains(m.reference)) << m.reference;
        EXPECT_EQ(m.state, "sending");
        interrupted += m.interrupted ? 1 : 0;
    }
    EXPECT_EQ(interrupted, 3);
    EXPECT_EQ(outbox->countByState()["sending"], 4);
    EXPECT_EQ(outbox->countByState()["queued"], 4);
}

// A batch settled at once, its outcomes of every kind side by side: each message ends as its own outcome
// says, and each follow-up is queued once, even when a late settle says "sent" again.
TEST_F(OutboxQueue, ABatchOfOutcomesSettlesEachMessageAndQueuesEachFollowUpOnce) {
    std::vector<std::string> refs;
    store->write([&](store::Session& s) {
        for (int i = 0; i < 6; ++i) {
            outbox::NewMessage m{"A12345", outbox::Channel::sms, R"({"to":"+447700900123","body":"hello"})", 0};
            if (i % 2 == 0)
                m.afterSent = std::make_shared<outbox::NewMessage>(outbox::NewMessage{
                    "A12345", outbox::Channel::record, R"({"code":")" + std::to_string(i) + R"("})"});
            refs.push_back(outbox::Outbox::enqueue(s, m));
        }
    });
    const auto t = store::nowMicros();
    ASSERT_EQ(outbox->claim(10, t, 60'000'000).size(), 6U);
    using outbox::Outcome;
    outbox->settle({Outcome::sent(refs[0], "scripted", "p0", {{1, "scripted", "ok", "", 0}}),
                    Outcome::sent(refs[1], "scripted", "p1"), Outcome::retry(refs[2], 1, t + 5, "busy"),
                    Outcome::sent(refs[4], "scripted", "p4"), Outcome::failed(refs[3], 1, "bad number"),
                    Outcome::held(refs[5], t + 7, "asking")});
    outbox->settle({Outcome::sent(refs[0], "scripted", "again"), Outcome::sent(refs[4], "scripted", "again")});
    const auto state = [&](int i) { return outbox->find(refs[i])->state; };
    EXPECT_EQ(state(0), "sent");
    EXPECT_EQ(outbox->find(refs[0])->providerId, "p0");
    EXPECT_EQ(outbox->find(refs[0])->payloadJson, "{}") << "a sent message keeps no body";
    EXPECT_EQ(outbox->attempts(refs[0]).size(), 1U);
    EXPECT_EQ(state(1), "sent");
    EXPECT_EQ(state(2), "queued");
    EXPECT_EQ(outbox->find(refs[2])->dueAt, t + 5);
    EXPECT_EQ(state(3), "failed");
    EXPECT_EQ(outbox->find(refs[3])->lastError, "bad number");
    EXPECT_EQ(state(4), "sent");
    EXPECT_EQ(outbox->find(refs[4])->providerId, "p4");
    EXPECT_EQ(state(5), "sending");
    EXPECT_EQ(outbox->find(refs[5])->lastError, "asking");
    std::multiset<std::string> followUps;
    for (const auto& m : outbox->list("A12345", "queued", 100))
        if (m.channel == outbox::Channel::record) followUps.insert(m.payloadJson);
    EXPECT_EQ(followUps, (std::multiset<std::string>{R"({"code":"0"})", R"({"code":"4"})"}))
        << "the follow-ups of the messages sent, once each; none for the one retried";
}

TEST_F(OutboxQueue, AMessageIsNotClaimedBeforeItIsDue) {
    outbox->enqueue({"A12345", outbox::Channel::sms, "{}", store::nowMicros() + 3'600'000'000});
    EXPECT_TRUE(outbox->claim(10, store::nowMicros(), 1'000'000).empty());
}

TEST_F(OutboxQueue, MessagesSurviveARestartOfTheStore) {
    const auto reference = enqueueSms();
    outbox.reset();
    store.reset(); // the process goes away
    openStore();
    const auto message = outbox->find(reference);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->state, "queued");
    EXPECT_EQ(message->payloadJson, R"({"to":"+447700900123","body":"hello"})");
}

TEST_F(OutboxQueue, ADeliveryReceiptIsRecordedOnlyFromTheConnectorThatTookTheMessage) {
    const auto reference = enqueueSms();
    EXPECT_FALSE(outbox->recordDelivery("scripted", reference, DeliveryState::delivered, ""))
        << "not yet given to any connector";
    outbox->settle({outbox::Outcome::sent(reference, "scripted", "provider-1")});
    EXPECT_FALSE(outbox->recordDelivery("another", reference, DeliveryState::failed, "permanent-failure"));
    EXPECT_EQ(outbox->find(reference)->delivery, "");
    EXPECT_TRUE(outbox->recordDelivery("scripted", reference, DeliveryState::delivered, ""));
    EXPECT_EQ(outbox->find(reference)->delivery, "delivered");
}

// ---- Listing a page at a time -----------------------------------------------------------------------------

// Every page of one organisation's messages in `state`, `limit` a page, following each page's cursor.
std::vector<std::vector<std::string>> pagesOf(outbox::Outbox& outbox, const std::string& state, int limit) {
    std::vector<std::vector<std::string>> pages;
    std::optional<outbox::MessageCursor> before;
    do {
        const auto page = outbox.page("A12345", state, limit, before);
        pages.emplace_back();
        for (const auto& m : page.messages) {
            EXPECT_EQ(m.organisation, "A12345");
            if (!state.empty()) {
                EXPECT_EQ(m.state, state) << "the filter holds on every page";
            }
            pages.back().push_back(m.reference);
        }
        before = page.next;
        if (pages.size() > 20) {
            ADD_FAILURE() << "the pages never end";
        }
    } while (before && pages.size() <= 20);
    return pages;
}

std::vector<std::string> flat(const std::vector<std::vector<std::string>>& pages) {
    std::vector<std::string> out;
    for (const auto& p : pages)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A batch's invites are queued in one transaction, at one microsecond: the reference orders them, so a page
// boundary between two of them neither repeats nor skips one.
TEST_F(OutboxQueue, PagesOfMessagesQueuedAtTheSameMomentNeitherOverlapNorSkip) {
    const auto queued = queuedAtOnce(*store, 7);
    queuedAtOnce(*store, 2, "B99999");
    ASSERT_EQ(outbox->find(queued.front())->updatedAt, outbox->find(queued.back())->updatedAt);

    const auto pages = pagesOf(*outbox, "", 3);
    ASSERT_EQ(pages.size(), 3U);
    EXPECT_EQ(pages[0].size(), 3U);
    EXPECT_EQ(pages[1].size(), 3U);
    EXPECT_EQ(pages[2].size(), 1U) << "the last page has no cursor";
    // References made in one millisecond are in no particular order of making; the list orders them.
    auto newestFirst = queued;
    std::sort(newestFirst.rbegin(), newestFirst.rend());
    EXPECT_EQ(flat(pages), newestFirst) << "every message once, none of B's";
    const auto listed = outbox->list("A12345", "", 3);
    ASSERT_EQ(listed.size(), 3U);
    EXPECT_EQ(listed.front().reference, pages[0].front()) << "list() is the first page";
}

TEST_F(OutboxQueue, AStateFilterHoldsOnEveryPageAndAFullLastPageHasNoCursor) {
    const auto queued = queuedAtOnce(*store, 9);
    failAtOnce(*outbox, {queued[0], queued[2], queued[4], queued[6], queued[8]});

    const auto failed = pagesOf(*outbox, "failed", 5);
    ASSERT_EQ(failed.size(), 1U) << "five failed, five a page: one page, and no cursor to an empty one";
    const std::set<std::string> expected{queued[0], queued[2], queued[4], queued[6], queued[8]};
    EXPECT_EQ(std::set<std::string>(failed[0].begin(), failed[0].end()), expected);

    const auto twoAtATime = flat(pagesOf(*outbox, "failed", 2));
    EXPECT_EQ(twoAtATime, failed[0]) << "the same order whatever the page size";
    const auto waiting = flat(pagesOf(*outbox, "queued", 3));
    EXPECT_EQ(waiting.size(), 4U);
    EXPECT_EQ(std::set<std::string>(waiting.begin(), waiting.end()),
              (std::set<std::string>{queued[1], queued[3], queued[5], queued[7]}));
}

// A message sent while staff page through the list moves to the top; the pages after the cursor are
// unaffected, because the cursor holds the values of the row it came from rather than naming it.
TEST_F(OutboxQueue, AMessageThatChangesAfterItsPageWasShownDoesNotMoveTheNextPage) {
    auto queued = queuedAtOnce(*store, 6);
    std::sort(queued.rbegin(), queued.rend());
    const auto first = outbox->page("A12345", "", 3);
    ASSERT_TRUE(first.next);
    outbox->settle({outbox::Outcome::sent(first.messages.back().reference, "sms", "p-1")});
    const auto second = outbox->page("A12345", "", 3, first.next);
    std::vector<std::string> references;
    for (const auto& m : second.messages)
        references.push_back(m.reference);
    EXPECT_EQ(references, (std::vector<std::string>{queued[3], queued[4], queued[5]}));
    EXPECT_FALSE(second.next);
}

TEST(MessageCursor, ReadsBackWhatItWroteAndNothingElse) {
    const outbox::MessageCursor cursor{1733464000123456, "msg-0193a1b2-c3d4"};
    const auto read = outbox::MessageCursor::parse(cursor.text());
    ASSERT_TRUE(read);
    EXPECT_EQ(read->updatedAt, cursor.updatedAt);
    EXPECT_EQ(read->reference, cursor.reference);
    for (const std::string bad : {"", ".", "12.", ".msg-1", "msg-1", "-1.msg-1", "1x.msg-1", "99999999999999999999.m"})
        EXPECT_FALSE(outbox::MessageCursor::parse(bad)) << bad;
}

TEST(Backoff, GrowsExponentiallyWithinJitterAndStopsAtTheCap) {
    const outbox::Backoff backoff(30'000'000, 3'600'000'000);
    std::mt19937_64 random(42);
    for (int i = 0; i < 100; ++i) {
        const auto first = backoff.delay(1, random);
        EXPECT_GE(first, 15'000'000);
        EXPECT_LE(first, 30'000'000);
        const auto third = backoff.delay(3, random);
        EXPECT_GE(third, 60'000'000);
        EXPECT_LE(third, 120'000'000);
        const auto late = backoff.delay(40, random);
        EXPECT_GE(late, 1'800'000'000);
        EXPECT_LE(late, 3'600'000'000);
    }
}

} // namespace
} // namespace clinhub::test

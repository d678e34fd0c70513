#include "tests/StandsAlone.h"
#include "tests/workflows/SelfBookFixture.h"

#include "hub/workflows/InviteText.h"
#include "hub/workflows/Tokens.h"

#include <Poco/Data/SQLite/Connector.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using workflows::BookOutcome;
using workflows::DobCheck;
using workflows::Visit;

constexpr int64_t kDay = 86'400LL * 1'000'000;

using SelfBookLinks = SelfBookFixture;

TEST_F(SelfBookLinks, CreatesALinkAndQueuesItsInviteInTheSameTransaction) {
    const auto created = createLink();
    EXPECT_EQ(created.link.state, workflows::LinkState::sent);
    EXPECT_EQ(created.link.patient.nhsNumber, "9995260182");
    EXPECT_EQ(created.link.patient.dateOfBirth, "1956-03-14");
    EXPECT_EQ(created.link.patient.mobile, "+447700900123");
    EXPECT_EQ(created.url, "https://clinhub.example.test/b/" + created.token);
    EXPECT_GE(created.token.size(), 43U) << "at least 256 bits, base64url";
    EXPECT_EQ(created.link.expiresAt - created.link.createdAt, 7 * kDay);
    const auto sms = queued(outbox::Channel::sms);
    ASSERT_EQ(sms.size(), 1U);
    EXPECT_EQ(sms[0].reference, created.link.inviteReference);
    EXPECT_NE(sms[0].payloadJson.find(created.url), std::string::npos);
    EXPECT_NE(sms[0].payloadJson.find("+447700900123"), std::string::npos);
}

TEST_F(SelfBookLinks, ListsEveryBadFieldAtOnce) {
    try {
        selfBook->createLink("A12345", "covid", {"9995260183", "2099-01-01", "0117 496 0860", ""});
        FAIL() << "expected InvalidRequest";
    } catch (const workflows::InvalidRequest& e) {
        std::set<std::string> fields;
        for (const auto& f : e.errors())
            fields.insert(f.field);
        EXPECT_EQ(fields,
                  (std::set<std::string>{"rule", "patient.nhs_number", "patient.date_of_birth", "patient.mobile"}));
    }
    EXPECT_TRUE(queued(outbox::Channel::sms).empty()) << "nothing half-created";
}

// What a page's preview step shows: the text as a patient reads it, what it costs, and what is wrong with it.
TEST_F(SelfBookLinks, AnInviteTextIsCheckedAsItWillGoOut) {
    const auto runtime = current->get();
    const auto& rule = runtime->config().organisations.at("A12345").rules.at("flu");
    const auto fine =
        workflows::checkInviteText(*runtime, "A12345", rule, "{{practice}}: {{name}}, {{title}}: {{url}}");
    EXPECT_TRUE(fine.errors.empty());
    EXPECT_EQ(fine.example,
              "Test Surgery: Alex, Flu vaccination: https://clinhub.example.test/b/" + std::string(43, 'x'));
    EXPECT_EQ(fine.fragments, 1);
    EXPECT_EQ(workflows::checkInviteText(*runtime, "A12345", rule, "{{name}}: {{url}}", std::string()).example,
              ": https://clinhub.example.test/b/" + std::string(43, 'x'))
        << "a patient without a name is sent none";

    const auto unknown = workflows::checkInviteText(*runtime, "A12345", rule, "{{url}} {{when}}");
    ASSERT_EQ(unknown.errors.size(), 1U);
    EXPECT_EQ(unknown.errors.front().field, "message");
    EXPECT_NE(unknown.errors.front().message.find("'{{when}}' at character 9"), std::string::npos)
        << unknown.errors.front().message;
    const auto tooLong = workflows::checkInviteText(*runtime, "A12345", rule, std::string(900, 'a') + "{{url}}");
    EXPECT_EQ(tooLong.fragments, 7) << "measured even when too long, for the page to say so";
    ASSERT_EQ(tooLong.errors.size(), 1U);
    EXPECT_THROW(workflows::checkInviteText(*runtime, "Z00000", rule, "{{url}}"), workflows::NotFound);
}

TEST_F(SelfBookLinks, AnUnknownOrganisationIsNotFound) {
    EXPECT_THROW(selfBook->createLink("Z00000", "flu", {"9995260182", "1956-03-14", "07700900123", ""}),
                 workflows::NotFound);
}

// The token travels in the invite SMS, so the outbox holds it until the SMS is sent; nothing else does.
TEST_F(SelfBookLinks, KeepsNoTokenOnceTheInviteIsSent) {
    const auto created = createLink();
    outbox::Outbox(*store).settle({outbox::Outcome::sent(created.link.inviteReference, "texts", "p-1")});
    auto s = store->session();
    std::string everything;
    for (const char* sql :
         {"SELECT id || rule || COALESCE(name, '') FROM links", "SELECT token_hash || purpose FROM link_tokens",
          "SELECT payload FROM outbox", "SELECT COALESCE(detail, '') FROM link_events"}) {
        std::vector<std::string> rows;
        s << sql, into(rows), now;
        for (const auto& r : rows)
            everything += r + "\n";
    }
    EXPECT_EQ(everything.find(created.token), std::string::npos);
    EXPECT_NE(everything.find(workflows::tokenHash(created.token)), std::string::npos) << "only its hash";
}

TEST_F(SelfBookLinks, QueuesTheInviteCodeOnlyOnceTheInviteIsSent) {
    const auto created = createLink();
    EXPECT_TRUE(queued(outbox::Channel::record).empty());
    outbox::Outbox(*store).settle({outbox::Outcome::sent(created.link.inviteReference, "texts", "p-1")});
    const auto records = queued(outbox::Channel::record);
    ASSERT_EQ(records.size(), 1U);
    EXPECT_NE(records[0].payloadJson.find("1240781000000106"), std::string::npos);
}

TEST_F(SelfBookLinks, ALinkWhoseInviteFailedShowsAsFailed) {
    const auto created = createLink();
    outbox::Outbox(*store).settle(
        {outbox::Outcome::failed(created.link.inviteReference, 1, "texts: phone number invalid")});
    EXPECT_EQ(selfBook->find("A12345", created.link.id)->state, workflows::LinkState::failed);
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::failed);
}

TEST_F(SelfBookLinks, AnotherOrganisationCannotSeeTheLink) {
    const auto created = createLink();
    EXPECT_TRUE(selfBook->find("A12345", created.link.id).has_value());
    EXPECT_FALSE(selfBook->find("B99999", created.link.id).has_value());
    EXPECT_TRUE(selfBook->history("B99999", "9995260182").empty());
    EXPECT_THROW(selfBook->expire("B99999", created.link.id), workflows::NotFound);
}

TEST_F(SelfBookLinks, OffersTheSlotTypesInTheBook) {
    const int64_t now = clock / 1'000'000;
    EXPECT_EQ(selfBook->slotTypes("A12345", {now, now + 14 * 86'400}),
              (std::vector<std::string>{"Asthma review", "Flu clinic"}));
}

using SelfBookPatient = SelfBookFixture;

TEST_F(SelfBookPatient, TheFirstOpenMarksTheLinkAccessed) {
    const auto created = createLink();
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::open);
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::open);
    const auto link = selfBook->find("A12345", created.link.id);
    EXPECT_EQ(link->state, workflows::LinkState::accessed);
    EXPECT_EQ(
        std::count_if(link->events.begin(), link->events.end(), [](const auto& e) { return e.event == "accessed"; }),
        1);
    EXPECT_EQ(selfBook->open("not-a-token").kind, Visit::Kind::unknown);
}

TEST_F(SelfBookPatient, FiveWrongDatesOfBirthLockTheLink) {
    const auto created = createLink();
    EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-14"), DobCheck::ok);
    for (int i = 1; i < workflows::SelfBook::kDateOfBirthTries; ++i)
        EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-15"), DobCheck::wrong) << i;
    EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-15"), DobCheck::locked);
    EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-14"), DobCheck::locked)
        << "even the right one";
    const auto link = selfBook->find("A12345", created.link.id);
    EXPECT_EQ(link->state, workflows::LinkState::locked);
    EXPECT_EQ(link->events.back().event, "locked");
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::locked);
}

TEST_F(SelfBookPatient, TheRightDateOfBirthDoesNotWipeEarlierWrongOnes) {
    const auto created = createLink();
    for (int i = 1; i < workflows::SelfBook::kDateOfBirthTries; ++i) {
        EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-15"), DobCheck::wrong) << i;
        EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-14"), DobCheck::ok) << i;
    }
    EXPECT_EQ(selfBook->checkDateOfBirth(selfBook->open(created.token), "1956-03-15"), DobCheck::locked)
        << "the fifth wrong date locks the link, however many right ones came between";
}

TEST_F(SelfBookPatient, BooksAFreeSlotAndSendsAManageLink) {
    const auto created = createLink();
    const auto slots = freeSlots(created.token);
    ASSERT_FALSE(slots.empty());
    EXPECT_EQ(slots.front().slotType, "Flu clinic");
    const auto outcome = selfBook->book(selfBook->open(created.token), slots.front().id);
    ASSERT_EQ(outcome.kind, BookOutcome::Kind::booked) << outcome.message;
    EXPECT_EQ(outcome.appointment.slot.id, slots.front().id);

    const auto link = selfBook->find("A12345", created.link.id);
    EXPECT_EQ(link->state, workflows::LinkState::booked);
    ASSERT_NE(link->currentAppointment(), nullptr);
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::booked);
    EXPECT_FALSE(selfBook->open(created.token).manage);

    const auto sms = queued(outbox::Channel::sms);
    ASSERT_EQ(sms.size(), 2U);
    const auto& body = sms[1].payloadJson;
    const auto at = body.find("https://clinhub.example.test/b/");
    ASSERT_NE(at, std::string::npos) << body;
    const std::string manageToken = body.substr(at + 31, body.find('"', at) - at - 31);
    const auto manage = selfBook->open(manageToken);
    EXPECT_EQ(manage.kind, Visit::Kind::booked);
    EXPECT_TRUE(manage.manage);
}

// What open() asked of the store, on this thread.
struct Asked {
    uint64_t statements = 0;
    uint64_t transactions = 0;
};
Asked storeWorkFor(const std::function<void()>& request) {
    const auto before = store::threadCounts();
    request();
    const auto after = store::threadCounts();
    return {after.statements - before.statements, after.transactions - before.transactions};
}

TEST_F(SelfBookPatient, ARepeatVisitReadsTheStoreAtMostTwiceAndWritesNothing) {
    const auto created = createLink();
    const auto first = storeWorkFor([&] { EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::open); });
    EXPECT_EQ(first.transactions, 1U) << "the first visit marks the link accessed";

    const auto again = storeWorkFor([&] { EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::open); });
    EXPECT_LE(again.statements, 2U);
    EXPECT_EQ(again.transactions, 0U);

    ASSERT_EQ(selfBook->book(selfBook->open(created.token), freeSlots(created.token).front().id).kind,
              BookOutcome::Kind::booked);
    const auto booked = storeWorkFor([&] {
        const auto visit = selfBook->open(created.token);
        EXPECT_EQ(visit.kind, Visit::Kind::booked);
        EXPECT_NE(visit.link.currentAppointment(), nullptr);
    });
    EXPECT_LE(booked.statements, 2U);
    EXPECT_EQ(booked.transactions, 0U);
}

TEST_F(SelfBookPatient, ALinkCanNeverBookTwice) {
    const auto created = createLink();
    const auto slots = freeSlots(created.token);
    ASSERT_GE(slots.size(), 2U);
    ASSERT_EQ(selfBook->book(selfBook->open(created.token), slots[0].id).kind, BookOutcome::Kind::booked);
    EXPECT_EQ(selfBook->book(selfBook->open(created.token), slots[1].id).kind, BookOutcome::Kind::alreadyBooked);
}

TEST_F(SelfBookPatient, TwoConcurrentConfirmationsFromOneLinkBookOnce) {
    for (int round = 0; round < 5; ++round) {
        const auto created = createLink();
        const auto slots = freeSlots(created.token);
        ASSERT_GE(slots.size(), 2U);
        BookOutcome a;
        BookOutcome b;
        std::thread first([&] { a = selfBook->book(selfBook->open(created.token), slots[0].id); });
        std::thread second([&] { b = selfBook->book(selfBook->open(created.token), slots[1].id); });
        first.join();
        second.join();
        const int booked = (a.kind == BookOutcome::Kind::booked) + (b.kind == BookOutcome::Kind::booked);
        EXPECT_EQ(booked, 1) << "round " << round;
        EXPECT_EQ(selfBook->find("A12345", created.link.id)->appointments.size(), 1U);
    }
}

TEST_F(SelfBookPatient, ASlotTakenMeanwhileSendsThePatientBackToChoose) {
    const auto first = createLink();
    const auto second = createLink();
    const auto slot = freeSlots(first.token).front();
    ASSERT_EQ(selfBook->book(selfBook->open(first.token), slot.id).kind, BookOutcome::Kind::booked);
    EXPECT_EQ(selfBook->book(selfBook->open(second.token), slot.id).kind, BookOutcome::Kind::slotTaken);
    EXPECT_EQ(selfBook->open(second.token).kind, Visit::Kind::open) << "the link still works";
    EXPECT_EQ(selfBook->book(selfBook->open(second.token), freeSlots(second.token).front().id).kind,
              BookOutcome::Kind::booked);
}

TEST_F(SelfBookPatient, ASlotOfAnotherTypeIsNeverBooked) {
    const auto created = createLink();
    const int64_t now = clock / 1'000'000;
    auto book = current->get()->connector("book")->appointmentBook();
    std::vector<Slot> asthma;
    ASSERT_TRUE(book->freeSlots("Asthma review", {now, now + 14 * 86'400}, asthma).ok());
    ASSERT_FALSE(asthma.empty());
    EXPECT_EQ(selfBook->book(selfBook->open(created.token), asthma.front().id).kind, BookOutcome::Kind::slotTaken);
}

TEST_F(SelfBookPatient, DecliningWritesTheDeclineCodeAndEndsTheLink) {
    const auto created = createLink();
    EXPECT_EQ(selfBook->decline(selfBook->open(created.token)).kind, BookOutcome::Kind::declined);
    const auto records = queued(outbox::Channel::record);
    ASSERT_EQ(records.size(), 1U);
    EXPECT_NE(records[0].payloadJson.find("822931000000100"), std::string::npos);
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::declined);
    EXPECT_EQ(selfBook->book(selfBook->open(created.token), freeSlots(created.token).front().id).kind,
              BookOutcome::Kind::notAllowed);
}

TEST_F(SelfBookPatient, ReschedulingBooksTheNewSlotThenReleasesTheOld) {
    const auto created = createLink();
    const auto slots = freeSlots(created.token);
    ASSERT_EQ(selfBook->book(selfBook->open(created.token), slots[0].id).kind, BookOutcome::Kind::booked);
    const auto moved = selfBook->reschedule(selfBook->open(created.token), slots[1].id);
    ASSERT_EQ(moved.kind, BookOutcome::Kind::booked) << moved.message;
    const auto link = selfBook->find("A12345", created.link.id);
    EXPECT_EQ(link->state, workflows::LinkState::rescheduled);
    ASSERT_EQ(link->appointments.size(), 2U);
    EXPECT_EQ(link->appointments[0].state, workflows::AppointmentState::replaced);
    EXPECT_EQ(link->appointments[1].state, workflows::AppointmentState::booked);
    EXPECT_EQ(link->currentAppointment()->slot.id, slots[1].id);
    const auto again = freeSlots(created.token);
    EXPECT_TRUE(std::any_of(again.begin(), again.end(), [&](const Slot& s) { return s.id == slots[0].id; }))
        << "the old slot is free again";
}

TEST_F(SelfBookPatient, ExpiryHoldsWhenOpenedAndTheSweepRecordsIt) {
    const auto created = createLink();
    clock += 7 * kDay + 1;
    EXPECT_EQ(selfBook->open(created.token).kind, Visit::Kind::expired);
    EXPECT_EQ(selfBook->book(selfBook->open(created.token), "s-1").kind, BookOutcome::Kind::notAllowed);
    EXPECT_EQ(selfBook->sweepExpired(), 1);
    EXPECT_EQ(selfBook->sweepExpired(), 0);
    EXPECT_EQ(selfBook->find("A12345", created.link.id)->events.back().event, "expired");
}

TEST_F(SelfBookPatient, StaffCanExpireAnUnusedLinkButNotABookedOne) {
    const auto unused = createLink();
    EXPECT_TRUE(selfBook->expire("A12345", unused.link.id));
    EXPECT_FALSE(selfBook->expire("A12345", unused.link.id));
    EXPECT_EQ(selfBook->open(unused.token).kind, Visit::Kind::expired);
    const auto booked = createLink();
    ASSERT_EQ(selfBook->book(selfBook->open(booked.token), freeSlots(booked.token).front().id).kind,
              BookOutcome::Kind::booked);
    EXPECT_FALSE(selfBook->expire("A12345", booked.link.id));
    EXPECT_TRUE(selfBook->remove("A12345", booked.link.id));
    EXPECT_EQ(selfBook->open(booked.token).kind, Visit::Kind::deleted);
}

TEST_F(SelfBookPatient, HistoryListsEveryLinkWithItsEvents) {
    const auto first = createLink();
    const auto second = createLink();
    selfBook->open(second.token);
    const auto links = selfBook->history("A12345", "999 526 0182");
    ASSERT_EQ(links.size(), 2U);
    EXPECT_EQ(links[0].events.back().event, "accessed");
}

class SelfBookTwoClinicians : public SelfBookFixture {
protected:
    void SetUp() override { start(6, 14, true); }
};

TEST_F(SelfBookTwoClinicians, MovingToAnotherClinicianTellsThePracticeWithoutPatientIdentifiers) {
    const auto created = createLink();
    const auto slots = freeSlots(created.token);
    const auto first =
        std::find_if(slots.begin(), slots.end(), [](const Slot& s) { return s.clinician == "Nurse Example"; });
    const auto other =
        std::find_if(slots.begin(), slots.end(), [](const Slot& s) { return s.clinician == "Dr Second Example"; });
    ASSERT_NE(first, slots.end());
    ASSERT_NE(other, slots.end());
    ASSERT_EQ(selfBook->book(selfBook->open(created.token), first->id).kind, BookOutcome::Kind::booked);
    EXPECT_TRUE(queued(outbox::Channel::email).empty()) << "a first booking tells no one";
    ASSERT_EQ(selfBook->reschedule(selfBook->open(created.token), other->id).kind, BookOutcome::Kind::booked);
    const auto emails = queued(outbox::Channel::email);
    ASSERT_EQ(emails.size(), 1U);
    const auto& body = emails[0].payloadJson;
    EXPECT_NE(body.find("appointments@test-surgery.example"), std::string::npos);
    EXPECT_NE(body.find("Dr Second Example: a patient has moved their Flu vaccination appointment to you"),
              std::string::npos)
        << body;
    for (const char* identifier : {"9995260182", "Testy", "7700900123"})
        EXPECT_EQ(body.find(identifier), std::string::npos) << identifier;
    EXPECT_FALSE(test::standsAlone(body, "1956")) << body;
}

TEST_F(SelfBookTwoClinicians, MovingWithinTheSameClinicianTellsNoOne) {
    const auto created = createLink();
    const auto slots = freeSlots(created.token);
    std::vector<Slot> nurse;
    std::copy_if(slots.begin(), slots.end(), std::back_inserter(nurse),
                 [](const Slot& s) { return s.clinician == "Nurse Example"; });
    ASSERT_GE(nurse.size(), 2U);
    ASSERT_EQ(selfBook->book(selfBook->open(created.token), nurse[0].id).kind, BookOutcome::Kind::booked);
    ASSERT_EQ(selfBook->reschedule(selfBook->open(created.token), nurse[1].id).kind, BookOutcome::Kind::booked);
    EXPECT_TRUE(queued(outbox::Channel::email).empty());
}

// 200 patients race for 50 slots, each trying one: exactly 50 bookings, no slot twice, every loser told.
class SelfBookRace : public SelfBookFixture {
protected:
    void SetUp() override { start(50, 1); }
};

TEST_F(SelfBookRace, TwoHundredLinksForFiftySlotsMakeExactlyFiftyBookings) {
    std::vector<workflows::CreatedLink> links;
    for (int i = 0; i < 200; ++i)
        links.push_back(createLink());
    const auto slots = freeSlots(links.front().token);
    ASSERT_EQ(slots.size(), 50U);
    std::vector<BookOutcome> outcomes(links.size());
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (size_t i; (i = next++) < links.size();)
                outcomes[i] = selfBook->book(selfBook->open(links[i].token), slots[i % slots.size()].id);
        });
    for (auto& t : threads)
        t.join();
    const auto booked = std::count_if(outcomes.begin(), outcomes.end(),
                                      [](const auto& o) { return o.kind == BookOutcome::Kind::booked; });
    const auto taken = std::count_if(outcomes.begin(), outcomes.end(),
                                     [](const auto& o) { return o.kind == BookOutcome::Kind::slotTaken; });
    EXPECT_EQ(booked, 50);
    EXPECT_EQ(taken, 150) << "every loser is told the slot has gone";
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session book("SQLite", dir.file("book.db"));
    int doubles = -1;
    book << "SELECT COUNT(*) FROM (SELECT slot_id FROM appointments WHERE status = 'booked' GROUP BY slot_id HAVING "
            "COUNT(*) > 1)",
        into(doubles), now;
    EXPECT_EQ(doubles, 0);
}

} // namespace
} // namespace clinhub::test

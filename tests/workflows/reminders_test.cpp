// Appointment reminders: each offset once per appointment, a moved appointment reminded of its new time only,
// none for an appointment booked after its reminder fell due; exactly once when two jobs run at once.
#include "hub/workflows/Reminders.h"
#include "tests/workflows/SelfBookFixture.h"

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <thread>

namespace clinhub::test {
namespace {

using workflows::BookOutcome;

constexpr int64_t kMicrosPerHour = 3600LL * 1'000'000;

class AppointmentReminders : public SelfBookFixture {
protected:
    void SetUp() override {
        extraFluRule = "        reminders: [7d, 1d]\n        allow_cancel: true\n";
        SelfBookFixture::SetUp();
        reminders = std::make_unique<workflows::Reminders>(*store, *current, [this] { return clock.load(); });
    }

    // Books the first free slot at least `days` days ahead (with `sameDay`, on the UK day `days` ahead); returns it.
    Slot book(const workflows::CreatedLink& created, int days, bool sameDay = false) {
        const auto slots = freeSlots(created.token);
        const auto day = kit::localDate(clock.load() / 1'000'000, kit::Zone::europeLondon) + std::chrono::days(days);
        const auto slot = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) {
            return sameDay ? kit::localDate(s.start, kit::Zone::europeLondon) == day
                           : s.start * 1'000'000 >= clock.load() + days * 24 * kMicrosPerHour;
        });
        EXPECT_NE(slot, slots.end());
        EXPECT_EQ(selfBook->book(selfBook->open(created.token), slot->id).kind, BookOutcome::Kind::booked);
        return *slot;
    }

    // The reminder texts queued, oldest first.
    std::vector<std::string> reminderTexts() {
        std::vector<std::string> out;
        for (const auto& m : queued(outbox::Channel::sms))
            if (m.payloadJson.find("a reminder of your") != std::string::npos) out.push_back(m.payloadJson);
        return out;
    }

    // Moves the clock to `hours` before `slot` starts.
    void hoursBefore(const Slot& slot, int64_t hours) { clock = slot.start * 1'000'000 - hours * kMicrosPerHour; }

    std::unique_ptr<workflows::Reminders> reminders;
};

TEST_F(AppointmentReminders, EachOffsetIsSentOnceWhenItFallsDueWithAManageLinkOfItsOwn) {
    const auto created = createLink();
    const auto slot = book(created, 9);
    EXPECT_EQ(reminders->queueDue(), 0) << "nothing due nine days before";
    hoursBefore(slot, 7 * 24 + 1);
    EXPECT_EQ(reminders->queueDue(), 0);
    hoursBefore(slot, 7 * 24 - 1);
    EXPECT_EQ(reminders->queueDue(), 1) << "the week's reminder";
    EXPECT_EQ(reminders->queueDue(), 0) << "and only once";
    hoursBefore(slot, 23);
    EXPECT_EQ(reminders->queueDue(), 1) << "the day's";
    EXPECT_EQ(reminders->queueDue(), 0);
    clock = slot.start * 1'000'000 + 1;
    EXPECT_EQ(reminders->queueDue(), 0) << "never once it has started";

    const auto texts = reminderTexts();
    ASSERT_EQ(texts.size(), 2U);
    EXPECT_NE(texts[0].find("Test Surgery: a reminder of your Flu vaccination appointment on " +
                            kit::ukWhenText(slot.start) + ". To view, change or cancel it: https://"),
              std::string::npos)
        << texts[0];
    const auto at = texts[1].find("/b/");
    ASSERT_NE(at, std::string::npos);
    const auto token = texts[1].substr(at + 3, texts[1].find('"', at) - at - 3);
    const auto visit = selfBook->open(token);
    EXPECT_EQ(visit.kind, workflows::Visit::Kind::booked) << "the reminder's link manages the appointment";
    for (const auto& m : queued(outbox::Channel::sms))
        if (m.payloadJson.find("a reminder") != std::string::npos) {
            const auto messages = outbox::Outbox(*store).aboutLink("A12345", created.link.id);
            EXPECT_TRUE(std::any_of(messages.begin(), messages.end(), [&](const outbox::Message& x) {
                return x.reference == m.reference;
            })) << "each reminder is listed on its link's page";
        }
}

TEST_F(AppointmentReminders, AMovedAppointmentIsRemindedOfItsNewTimeOnly) {
    const auto created = createLink();
    const auto first = book(created, 3);
    const auto later = freeSlots(created.token);
    const auto next =
        std::find_if(later.begin(), later.end(), [&](const Slot& s) { return s.start >= first.start + 2 * 24 * 3600; });
    ASSERT_NE(next, later.end());
    ASSERT_EQ(selfBook->reschedule(selfBook->open(created.token), next->id).kind, BookOutcome::Kind::booked);
    hoursBefore(first, 23);
    EXPECT_EQ(reminders->queueDue(), 0) << "the old time is no longer booked";
    hoursBefore(*next, 23);
    EXPECT_EQ(reminders->queueDue(), 1);
    const auto texts = reminderTexts();
    ASSERT_EQ(texts.size(), 1U);
    EXPECT_NE(texts[0].find(kit::ukWhenText(next->start)), std::string::npos) << texts[0];
}

TEST_F(AppointmentReminders, AnAppointmentBookedAfterAReminderFellDueGetsOnlyTheLaterOnes) {
    const auto created = createLink();
    const auto slot = book(created, 3); // inside the week: that reminder's time has gone
    hoursBefore(slot, 2 * 24);
    EXPECT_EQ(reminders->queueDue(), 0);
    hoursBefore(slot, 23);
    EXPECT_EQ(reminders->queueDue(), 1);
    EXPECT_EQ(reminderTexts().size(), 1U);
}

TEST_F(AppointmentReminders, TwoJobsRunningAtOnceQueueEachReminderOnce) {
    std::vector<Slot> slots;
    for (int i = 0; i < 6; ++i) {
        const auto created = selfBook->createLink("A12345", "flu", {"999 526 0182", "14/03/1956", "07700 900123", ""});
        slots.push_back(book(created, 10, true)); // six slots of one morning
    }
    const auto latest =
        std::max_element(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
    hoursBefore(*latest, 23);
    // Two processes' jobs, each with its own connections to the store: one may fail on the other's rows, and
    // then queues nothing of its transaction.
    auto other = store::Store::open(db.url());
    workflows::Reminders second(*other, *current, [this] { return clock.load(); });
    int64_t a = 0;
    int64_t b = 0;
    std::thread one([&] {
        try {
            a = reminders->queueDue(2);
        } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): the other job took those rows
        }
    });
    std::thread two([&] {
        try {
            b = second.queueDue(2);
        } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): as above
        }
    });
    one.join();
    two.join();
    const int64_t rest = reminders->queueDue();
    EXPECT_EQ(a + b + rest, 6) << "every appointment's day reminder, each once";
    EXPECT_EQ(reminderTexts().size(), 6U);
}

TEST_F(AppointmentReminders, ACancelledAppointmentFreesItsSlotIsConfirmedByTextAndIsNeverReminded) {
    const auto created = createLink();
    const auto slot = book(created, 9);
    hoursBefore(slot, 7 * 24 - 1);
    ASSERT_EQ(reminders->queueDue(), 1);
    const auto week = queued(outbox::Channel::sms).back();
    EXPECT_EQ(week.state, "queued") << "not sent yet";

    const auto outcome = selfBook->cancel(selfBook->open(created.token));
    ASSERT_EQ(outcome.kind, BookOutcome::Kind::cancelled) << outcome.message;
    const auto link = selfBook->find("A12345", created.link.id);
    EXPECT_EQ(link->state, workflows::LinkState::cancelled);
    EXPECT_EQ(link->appointments.back().state, workflows::AppointmentState::cancelled);
    EXPECT_EQ(link->events.back().event, "cancelled");
    EXPECT_NE(link->events.back().detail.find("by the patient"), std::string::npos);
    const auto again = createLink();
    const auto free = freeSlots(again.token);
    EXPECT_TRUE(std::any_of(free.begin(), free.end(), [&](const Slot& s) { return s.id == slot.id; }))
        << "the book freed the slot";

    EXPECT_EQ(outbox::Outbox(*store).find(week.reference)->state, "cancelled") << "the week's reminder dropped";
    const auto texts = queued(outbox::Channel::sms);
    EXPECT_NE(texts[texts.size() - 2].payloadJson.find("Test Surgery: your Flu vaccination appointment on " +
                                                       kit::ukWhenText(slot.start) + " has been cancelled"),
              std::string::npos)
        << "the text before the second link's invite: " << texts[texts.size() - 2].payloadJson;
    hoursBefore(slot, 23);
    EXPECT_EQ(reminders->queueDue(), 0) << "no day's reminder for a cancelled appointment";
    EXPECT_EQ(selfBook->open(created.token).kind, workflows::Visit::Kind::cancelled);
}

TEST_F(AppointmentReminders, StaffCancelWhateverTheRuleSaysAndTheTrailSaysWho) {
    const auto created = selfBook->createLink("A12345", "flu", {"999 526 0182", "14/03/1956", "07700 900123", ""});
    book(created, 3);
    audit::Context by;
    by.actor.name = "Jo Example";
    by.action = "cancelAppointment";
    EXPECT_THROW(selfBook->cancelByStaff("B99999", created.link.id, by), workflows::NotFound)
        << "another organisation's link";
    ASSERT_EQ(selfBook->cancelByStaff("A12345", created.link.id, by).kind, BookOutcome::Kind::cancelled);
    EXPECT_NE(selfBook->find("A12345", created.link.id)->events.back().detail.find("by Jo Example"), std::string::npos);
    EXPECT_EQ(selfBook->cancelByStaff("A12345", created.link.id, by).kind, BookOutcome::Kind::notAllowed)
        << "nothing left to cancel";
}

} // namespace
} // namespace clinhub::test

// Telephone rules: telephone slots only, never on the day, at least the rule's notice ahead, chosen as a
// window of a day; and face-to-face rules never offer a telephone slot.
#include "tests/workflows/SelfBookFixture.h"

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>

namespace clinhub::test {
namespace {

using workflows::BookOutcome;

constexpr int64_t kMicros = 1'000'000;

// Two fifteen-minute telephone slots each morning and each afternoon, every day.
class Telephone : public SelfBookFixture {
protected:
    void SetUp() override {
        extraSlots = kTelephoneReviewYaml;
        start(6, 14);
    }

    // The UK date `days` after today, and an instant of it (minutes after its midnight), in seconds.
    static std::string ukDay(int days) {
        return kit::isoDate(kit::localDate(store::nowMicros() / kMicros, kit::Zone::europeLondon) +
                            std::chrono::days{days});
    }
    static int64_t at(int days, int minutes) {
        return kit::toEpoch(kit::localDate(store::nowMicros() / kMicros, kit::Zone::europeLondon) +
                                std::chrono::days{days},
                            minutes, kit::Zone::europeLondon);
    }
    // The hub's clock set to that instant: the book's slots start tomorrow, so "today" is moved onto them.
    void nowIs(int days, int minutes) { clock = at(days, minutes) * kMicros; }

    static std::string dayOf(const Slot& slot) {
        return kit::isoDate(kit::localDate(slot.start, kit::Zone::europeLondon));
    }
};

TEST_F(Telephone, ATelephoneRuleOffersOnlyTelephoneSlotsAndNoneOnTheDay) {
    nowIs(1, 7 * 60); // 7am on the first day the book has slots
    const auto slots = freeSlots(createLink("calls").token);
    ASSERT_FALSE(slots.empty());
    EXPECT_TRUE(std::all_of(slots.begin(), slots.end(), [](const Slot& s) { return s.telephone; }));
    EXPECT_TRUE(std::none_of(slots.begin(), slots.end(), [&](const Slot& s) { return dayOf(s) == ukDay(1); }))
        << "the 9am call the same day is not offered";
    EXPECT_EQ(slots.front().start, at(2, 9 * 60)) << "the next day's first call is";
}

TEST_F(Telephone, AFaceToFaceRuleNeverOffersATelephoneSlotOfItsTypes) {
    const auto slots = freeSlots(createLink("reviews").token);
    ASSERT_FALSE(slots.empty());
    EXPECT_TRUE(std::none_of(slots.begin(), slots.end(), [](const Slot& s) { return s.telephone; }));
    EXPECT_TRUE(std::all_of(slots.begin(), slots.end(), [](const Slot& s) { return s.slotType == "Flu clinic"; }));
}

TEST_F(Telephone, TheMinimumNoticeHoldsBackCallsSoonerThanItsHours) {
    nowIs(1, 20 * 60); // 8pm: tomorrow's calls are 13 and 18 hours away
    const auto withNotice = freeSlots(createLink("calls-with-notice").token);
    ASSERT_FALSE(withNotice.empty());
    EXPECT_EQ(withNotice.front().start, at(3, 9 * 60)) << "24 hours' notice: the day after tomorrow";
    const auto without = freeSlots(createLink("calls").token);
    ASSERT_FALSE(without.empty());
    EXPECT_EQ(without.front().start, at(2, 9 * 60)) << "no notice: tomorrow";
}

TEST_F(Telephone, WindowsGatherEachDaysFreeCallsInTimeOrder) {
    nowIs(1, 7 * 60);
    const auto created = createLink("calls");
    std::vector<workflows::DayWindow> windows;
    ASSERT_TRUE(selfBook->freeWindows(selfBook->open(created.token), windows).ok());
    ASSERT_GE(windows.size(), 2U);
    EXPECT_EQ(windows[0].day, ukDay(2));
    EXPECT_EQ(windows[0].label, "morning");
    EXPECT_EQ(windows[0].from, at(2, 8 * 60));
    EXPECT_EQ(windows[0].to, at(2, 12 * 60));
    EXPECT_EQ(windows[0].slots.size(), 2U);
    EXPECT_EQ(windows[1].day, ukDay(2));
    EXPECT_EQ(windows[1].label, "afternoon");
    EXPECT_EQ(windows[1].to, at(2, 18 * 60 + 30));
    EXPECT_EQ(windows[2].day, ukDay(3));
    EXPECT_EQ(workflows::windowText(windows[0].label, windows[0].from, windows[0].to), "Morning, 8am to midday");
}

TEST_F(Telephone, BookingAWindowHoldsItsFirstCallAndTheTextSaysWhenWeWillCall) {
    nowIs(1, 7 * 60);
    const auto created = createLink("calls");
    const auto outcome = selfBook->bookWindow(selfBook->open(created.token), ukDay(2), "morning", false);
    ASSERT_EQ(outcome.kind, BookOutcome::Kind::booked) << outcome.message;
    EXPECT_EQ(outcome.appointment.slot.start, at(2, 9 * 60));
    const auto link = selfBook->find("A12345", created.link.id); // kept: the appointment lives in it
    ASSERT_TRUE(link);
    const auto* booked = link->currentAppointment();
    ASSERT_NE(booked, nullptr);
    EXPECT_EQ(booked->callFrom, at(2, 8 * 60)) << "the window is kept with the appointment";
    EXPECT_EQ(booked->callTo, at(2, 12 * 60));

    const auto sms = queued(outbox::Channel::sms);
    ASSERT_EQ(sms.size(), 2U);
    EXPECT_NE(sms[1].payloadJson.find("We will call you between 8am and midday on " + kit::ukDayText(at(2, 0))),
              std::string::npos)
        << sms[1].payloadJson;
}

TEST_F(Telephone, AWindowWhoseFirstCallWasTakenMeanwhileBooksTheNext) {
    nowIs(1, 7 * 60);
    const auto created = createLink("calls");
    std::vector<workflows::DayWindow> windows;
    ASSERT_TRUE(selfBook->freeWindows(selfBook->open(created.token), windows).ok()); // the list as shown
    // Someone at the practice books the window's first call in the book itself.
    Appointment taken;
    ASSERT_TRUE(
        current->get()
            ->connector("book")
            ->appointmentBook()
            ->book(windows[0].slots[0], {"9990000018", "1970-01-01", "+447700900001", "Other", {}}, "by phone", taken)
            .ok());
    const auto outcome = selfBook->bookWindow(selfBook->open(created.token), ukDay(2), "morning", false);
    ASSERT_EQ(outcome.kind, BookOutcome::Kind::booked) << outcome.message;
    EXPECT_EQ(outcome.appointment.slot.id, windows[0].slots[1]);
}

TEST_F(Telephone, AWindowOnTheDayCannotBeBookedEvenByName) {
    nowIs(2, 7 * 60);
    const auto created = createLink("calls");
    EXPECT_EQ(selfBook->bookWindow(selfBook->open(created.token), ukDay(2), "morning", false).kind,
              BookOutcome::Kind::slotTaken);
    EXPECT_EQ(selfBook->bookWindow(selfBook->open(created.token), ukDay(3), "morning", false).kind,
              BookOutcome::Kind::booked);
}

TEST(CallWindows, ARulesWindowReadsAsThePatientChoosesIt) {
    EXPECT_EQ(workflows::windowText(config::CallWindow{"afternoon", 12 * 60, 18 * 60 + 30}),
              "Afternoon, midday to 6:30pm");
    EXPECT_EQ(workflows::windowText(config::CallWindow{"early", 7 * 60 + 30, 9 * 60}), "Early, 7:30am to 9am");
}

TEST_F(Telephone, AFaceToFaceRuleBooksTimesNotWindows) {
    const auto created = createLink("flu");
    EXPECT_EQ(selfBook->bookWindow(selfBook->open(created.token), ukDay(2), "morning", false).kind,
              BookOutcome::Kind::notAllowed);
}

} // namespace
} // namespace clinhub::test

// Reading the diary: slot types and free slots from GetAppointmentSessions and GetSlotsForSession.
//
// The fixture's diary, every day from tomorrow: a flu clinic 09:00-10:00 (six 10-minute slots, Nurse Sam
// Sample, Example Surgery). Weekdays: a morning surgery 10:30-11:30 at Example Branch with Dr Alex Example
// and the nurse, 15-minute slots alternating blood test and flu, the third blocked and the fourth
// embargoed. Mondays and Wednesdays: a telephone list 14:00-15:00, three 20-minute slots.
#include "EmisFixture.h"

#include <algorithm>

namespace emistest {
namespace {

using DiaryTest = EmisTest;

// Seven consecutive days hold five weekdays and one Monday and one Wednesday, whatever tomorrow is.
constexpr size_t kFluInAWeek = 7 * 6 + 5;
constexpr size_t kBloodInAWeek = 5;
constexpr size_t kTelephoneInAWeek = 2;

std::chrono::sys_days firstWeekday() {
    auto day = tomorrow();
    while (!weekday(day))
        day += std::chrono::days{1};
    return day;
}

TEST_F(DiaryTest, FreeSlotsAreTheAvailableSlotsOfTheTypeWithTheirClinicianAndSite) {
    auto& b = book();
    const auto flu = freeSlots(b, "Flu clinic");
    ASSERT_EQ(flu.size(), kFluInAWeek);
    EXPECT_EQ(flu.front().start, at(tomorrow(), 9));
    EXPECT_EQ(flu.front().durationMinutes, 10);
    EXPECT_EQ(flu.front().slotType, "Flu clinic");
    EXPECT_EQ(flu.front().clinician, "Nurse Sam Sample");
    EXPECT_EQ(flu.front().location, "Example Surgery");
    EXPECT_FALSE(flu.front().telephone);
    EXPECT_TRUE(std::is_sorted(flu.begin(), flu.end(), [](const Slot& x, const Slot& y) { return x.start < y.start; }));

    // The morning surgery's flu slot, not its embargoed one.
    const auto day = firstWeekday();
    const auto surgery =
        std::find_if(flu.begin(), flu.end(), [&](const Slot& s) { return s.start == at(day, 10, 45); });
    ASSERT_NE(surgery, flu.end());
    EXPECT_EQ(surgery->durationMinutes, 15);
    EXPECT_EQ(surgery->clinician, "Dr Alex Example, Nurse Sam Sample");
    EXPECT_EQ(surgery->location, "Example Branch");
    EXPECT_EQ(std::count_if(flu.begin(), flu.end(), [&](const Slot& s) { return s.start == at(day, 11, 15); }), 0);
}

TEST_F(DiaryTest, SlotIdsAreTheSlotDbidsAndStableAcrossCalls) {
    auto& b = book();
    const auto first = freeSlots(b, "Flu clinic");
    const auto second = freeSlots(b, "Flu clinic");
    ASSERT_EQ(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(first[i].id, second[i].id);
        EXPECT_FALSE(first[i].id.empty());
        EXPECT_EQ(first[i].id.find_first_not_of("0123456789"), std::string::npos) << first[i].id;
    }
}

TEST_F(DiaryTest, BlockedAndEmbargoedSlotsAreNotFree) {
    auto& b = book();
    const auto blood = freeSlots(b, "Blood test");
    ASSERT_EQ(blood.size(), kBloodInAWeek);
    for (const auto& s : blood)
        EXPECT_EQ(s.start, at(dayOf(s.start), 10, 30));
}

TEST_F(DiaryTest, TelephoneSlotTypesAreMarkedByNameOrByConfig) {
    auto& b = book();
    const auto phone = freeSlots(b, "Telephone review");
    ASSERT_EQ(phone.size(), kTelephoneInAWeek * 3);
    EXPECT_TRUE(phone.front().telephone);

    auto& listed = book(R"("telephone_slot_types": ["Blood test"])");
    EXPECT_TRUE(freeSlots(listed, "Blood test").front().telephone);
    EXPECT_FALSE(freeSlots(listed, "Telephone review").front().telephone);
}

TEST_F(DiaryTest, FreeSlotsStartWithinTheRangeWhoseEndIsExclusive) {
    auto& b = book();
    const TimeRange range{at(tomorrow(), 9, 10), at(tomorrow(), 9, 40)};
    const auto slots = freeSlots(b, "Flu clinic", range);
    ASSERT_EQ(slots.size(), 3U); // 09:10, 09:20, 09:30
    EXPECT_EQ(slots.front().start, range.from);
    EXPECT_EQ(slots.back().start, at(tomorrow(), 9, 30));
    EXPECT_TRUE(freeSlots(b, "Flu clinic", {range.from, range.from}).empty());
}

TEST_F(DiaryTest, FreeSlotsOfAnUnknownTypeOrOutsideTheDiaryAreNone) {
    auto& b = book();
    EXPECT_TRUE(freeSlots(b, "No such clinic").empty());
    EXPECT_TRUE(freeSlots(b, "Flu clinic", days(-7, 7)).empty());
    EXPECT_TRUE(freeSlots(b, "Flu clinic", days(400, 14)).empty());
}

TEST_F(DiaryTest, FreeSlotsLeaveOutBookedSlots) {
    auto& b = book();
    const auto before = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(before[2].id, testy(), "", a).ok());
    const auto after = freeSlots(b, "Flu clinic");
    ASSERT_EQ(after.size(), before.size() - 1);
    EXPECT_TRUE(std::none_of(after.begin(), after.end(), [&](const Slot& s) { return s.id == before[2].id; }));
}

TEST_F(DiaryTest, AFourWeekHorizonIsReadSessionBySession) {
    auto& b = book(R"("parallel_requests": 3)");
    const auto flu = freeSlots(b, "Flu clinic", days(0, 28));
    EXPECT_EQ(flu.size(), 4 * kFluInAWeek);
    EXPECT_EQ(calls("GetAppointmentSessions"), 1);
    EXPECT_EQ(calls("GetSlotsForSession"), 28 + 20); // every flu clinic and morning surgery
}

TEST_F(DiaryTest, SlotTypesAreThoseWithASlotInTheRange) {
    auto& b = book();
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes(days(0, 7), types).ok());
    EXPECT_EQ(types, (std::vector<std::string>{"Blood test", "Flu clinic", "Telephone review"}));

    types.clear();
    ASSERT_TRUE(b.slotTypes({at(tomorrow(), 9), at(tomorrow(), 10)}, types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Flu clinic"});

    types.clear();
    ASSERT_TRUE(b.slotTypes(days(-7, 7), types).ok());
    EXPECT_TRUE(types.empty());
}

// A range cutting a session in two is answered from its slots; one holding it whole, from its counts.
TEST_F(DiaryTest, SlotTypesCountSlotsThatAreBookedAndReadEdgeSessionsSlotBySlot) {
    auto& b = book();
    const auto day = firstWeekday();
    std::vector<Slot> blood;
    ASSERT_TRUE(b.freeSlots("Blood test", {at(day, 10, 30), at(day, 10, 31)}, blood).ok());
    ASSERT_EQ(blood.size(), 1U);
    sim_->control("POST", "/_sim/steal?slot=" + blood.front().id);

    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes({at(day, 10, 30), at(day, 10, 45)}, types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Blood test"});
    const int sessionReads = calls("GetSlotsForSession");

    types.clear();
    ASSERT_TRUE(b.slotTypes({at(day, 10, 30), at(day, 11, 30)}, types).ok());
    EXPECT_EQ(types, (std::vector<std::string>{"Blood test", "Flu clinic"}));
    EXPECT_EQ(calls("GetSlotsForSession"), sessionReads);
}

} // namespace
} // namespace emistest

#include "hub/domain/Vaccination.h"

#include <gtest/gtest.h>

namespace {

using namespace clinhub::domain;
using clinhub::Immunisation;

const Immunisation kPfizer1{"COVID", "39114911000001105", "Comirnaty", "2026-09-01", 1};
const Immunisation kPfizer2{"COVID", "39114911000001105", "Comirnaty", "2026-10-27", 2};
const Immunisation kFlu{"FLU", "43208811000001106", "Fluenz", "2026-09-15", 1};

TEST(CohortLabel, NoDoseAndAMobileIsAwaitingResponseForTheFirst) {
    EXPECT_EQ(labelFor(courseOf({kFlu}, "COVID"), 2, true), cohort::awaitingResponse1);
}

TEST(CohortLabel, NoDoseAndNoMobileIsToManuallyBookTheFirst) {
    EXPECT_EQ(labelFor(courseOf({}, "COVID"), 2, false), cohort::toManuallyBook1);
}

TEST(CohortLabel, OneDoseOfTwoAwaitsTheSecondInviteWhateverTheMobile) {
    EXPECT_EQ(labelFor(courseOf({kPfizer1}, "COVID"), 2, true), cohort::awaiting2ndInvite);
    EXPECT_EQ(labelFor(courseOf({kPfizer1}, "COVID"), 2, false), cohort::awaiting2ndInvite);
}

TEST(CohortLabel, AFullCourseIsCompleted) {
    EXPECT_EQ(labelFor(courseOf({kPfizer2, kPfizer1}, "COVID"), 2, true), cohort::completed);
    EXPECT_EQ(labelFor(courseOf({kFlu}, "FLU"), 1, true), cohort::completed);
}

TEST(Course, TheFirstDoseIsTheEarliestWhateverOrderTheRecordsCameIn) {
    const auto course = courseOf({kPfizer2, kFlu, kPfizer1}, "COVID");
    EXPECT_EQ(course.received, 2);
    ASSERT_TRUE(course.first);
    EXPECT_EQ(course.first->occurredOn, "2026-09-01");
    EXPECT_EQ(course.first->vaccineCode, "39114911000001105");
}

TEST(Course, OneDoseRecordedTwiceOnTheSameDayCountsOnce) {
    EXPECT_EQ(courseOf({kPfizer1, kPfizer1}, "COVID").received, 1);
}

TEST(SecondDose, IsDueFromTheFirstDayOfTheNinthWeek) {
    EXPECT_EQ(secondDoseDueOn("2026-09-01", 56), "2026-10-27");
    EXPECT_EQ(addDays("2026-09-01", 55), "2026-10-26");
    EXPECT_EQ(secondDoseDueOn("2024-01-10", 56), "2024-03-06") << "through a leap day";
}

TEST(WeekOf, IsTheMondayOfTheWeek) {
    EXPECT_EQ(weekOf("2026-09-01"), "2026-08-31"); // a Tuesday
    EXPECT_EQ(weekOf("2026-08-31"), "2026-08-31"); // the Monday itself
    EXPECT_EQ(weekOf("2026-09-06"), "2026-08-31"); // the Sunday ends that week
    EXPECT_EQ(weekOf("2026-09-07"), "2026-09-07");
}

TEST(CohortStatuses, ListEveryLabelOnce) {
    const auto& all = cohortStatuses();
    EXPECT_EQ(all.size(), 10U);
    EXPECT_NE(std::find(all.begin(), all.end(), cohort::pendingCheck), all.end());
}

} // namespace

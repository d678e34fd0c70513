// The checks every appointment-book plugin passes. Each leaves the book as it found it (what it books, it
// cancels), so the kit can run against a shared test instance and again.
#include "Kit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace clinhub::conformance {
namespace {

// What the fixture says the book holds.
const BookFixture& promised() { return *kit().fixture.book; }

std::vector<Slot> freeSlots() {
    std::vector<Slot> slots;
    const Result r = kit().book().freeSlots(promised().slotType, kit().range, slots);
    EXPECT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    return slots;
}

bool isFree(const std::string& slotId) {
    const auto slots = freeSlots();
    return std::any_of(slots.begin(), slots.end(), [&](const Slot& s) { return s.id == slotId; });
}

// The first `n` free slots of the fixture's type; fails the check if there are fewer.
std::vector<Slot> takeFree(std::size_t n) {
    auto slots = freeSlots();
    if (slots.size() < n) {
        ADD_FAILURE() << "the fixture promises at least " << n << " free '" << promised().slotType
                      << "' slots in the range; the book has " << slots.size();
        return {};
    }
    slots.resize(n);
    return slots;
}

// Cancels what a check booked, whatever the check's outcome.
class Booked {
public:
    ~Booked() {
        for (const auto& id : ids_)
            (void)kit().book().cancel(id);
    }
    void add(const std::string& id) { ids_.push_back(id); }

private:
    std::vector<std::string> ids_;
};

TEST(SlotTypes, IncludeTheFixtureTypeInTheRange) {
    std::vector<std::string> types;
    const Result r = kit().book().slotTypes(kit().range, types);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_NE(std::find(types.begin(), types.end(), promised().slotType), types.end());
    EXPECT_EQ(std::set<std::string>(types.begin(), types.end()).size(), types.size()) << "types are listed once";
}

TEST(FreeSlots, AreOfTheTypeAskedForStartInsideTheRangeAndHaveUniqueIds) {
    const auto slots = freeSlots();
    ASSERT_GE(slots.size(), 3U) << "the fixture promises at least 3 free slots";
    std::set<std::string> ids;
    for (const auto& s : slots) {
        EXPECT_FALSE(s.id.empty());
        EXPECT_EQ(s.slotType, promised().slotType) << s.id;
        EXPECT_GE(s.start, kit().range.from) << s.id;
        EXPECT_LT(s.start, kit().range.to) << s.id;
        EXPECT_GT(s.durationMinutes, 0) << s.id;
        ids.insert(s.id);
    }
    EXPECT_EQ(ids.size(), slots.size());
}

TEST(FreeSlots, OfATypeTheBookDoesNotHaveAreNone) {
    std::vector<Slot> slots;
    const Result r = kit().book().freeSlots("clinhub conformance: no such slot type", kit().range, slots);
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_TRUE(slots.empty());
}

TEST(Book, ReturnsTheAppointmentAndTheSlotIsNoLongerFree) {
    const auto slots = takeFree(1);
    ASSERT_EQ(slots.size(), 1U);
    Booked booked;
    Appointment a;
    const Result r = kit().book().book(slots[0].id, promised().patient, "clinhub conformance kit", a);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    booked.add(a.id);
    EXPECT_FALSE(a.id.empty());
    EXPECT_EQ(a.slot.id, slots[0].id);
    EXPECT_EQ(a.slot.start, slots[0].start);
    EXPECT_FALSE(isFree(slots[0].id));
}

TEST(Book, ASecondBookingOfTheSameSlotIsAConflict) {
    const auto slots = takeFree(1);
    ASSERT_EQ(slots.size(), 1U);
    Booked booked;
    Appointment first;
    ASSERT_TRUE(kit().book().book(slots[0].id, promised().patient, "clinhub conformance kit", first).ok());
    booked.add(first.id);
    Appointment second;
    const Result r = kit().book().book(slots[0].id, promised().patient, "clinhub conformance kit", second);
    if (r.ok()) booked.add(second.id);
    EXPECT_EQ(r.status, Status::conflict) << toString(r.status) << ": " << r.message;
}

TEST(Cancel, FreesTheSlot) {
    const auto slots = takeFree(1);
    ASSERT_EQ(slots.size(), 1U);
    Appointment a;
    ASSERT_TRUE(kit().book().book(slots[0].id, promised().patient, "clinhub conformance kit", a).ok());
    const Result r = kit().book().cancel(a.id);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    EXPECT_TRUE(isFree(slots[0].id));
}

TEST(Reschedule, MovesTheAppointmentAndFreesTheOldSlot) {
    const auto slots = takeFree(2);
    ASSERT_EQ(slots.size(), 2U);
    Booked booked;
    Appointment a;
    ASSERT_TRUE(kit().book().book(slots[0].id, promised().patient, "clinhub conformance kit", a).ok());
    booked.add(a.id);
    Appointment moved;
    const Result r = kit().book().reschedule(a.id, slots[1].id, moved);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    booked.add(moved.id);
    EXPECT_EQ(moved.slot.id, slots[1].id);
    EXPECT_TRUE(isFree(slots[0].id));
    EXPECT_FALSE(isFree(slots[1].id));
}

TEST(WriteCode, RecordsACodedEntryForThePatient) {
    const Result r = kit().book().writeCode(promised().patient, promised().snomedCode, promised().snomedTerm);
    EXPECT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
}

TEST(FindPatient, FindsThePatientByNhsNumber) {
    std::optional<Patient> found;
    const Result r = kit().book().findPatient(promised().patient.nhsNumber, found);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->nhsNumber, promised().patient.nhsNumber);
    EXPECT_EQ(found->dateOfBirth, promised().patient.dateOfBirth);
}

TEST(FindPatient, ReturnsNothingForAnNhsNumberNotInTheBook) {
    std::optional<Patient> found;
    const Result r = kit().book().findPatient(promised().unknownNhsNumber, found);
    ASSERT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    EXPECT_FALSE(found.has_value());
}

TEST(Faults, ATimeoutIsRetryable) {
    if (!kit().fixture.timeoutFault) GTEST_SKIP() << "the fixture has no faults.timeout (a plugin without a wire)";
    Fault fault(*kit().fixture.timeoutFault);
    std::vector<Slot> slots;
    const Result r = kit().book().freeSlots(promised().slotType, kit().range, slots);
    EXPECT_EQ(r.status, Status::retryable) << toString(r.status) << ": " << r.message;
}

TEST(Faults, AMalformedReplyIsPermanentAndSaysWhatWasWrong) {
    if (!kit().fixture.malformedFault) GTEST_SKIP() << "the fixture has no faults.malformed (a plugin without a wire)";
    Fault fault(*kit().fixture.malformedFault);
    std::vector<Slot> slots;
    const Result r = kit().book().freeSlots(promised().slotType, kit().range, slots);
    EXPECT_EQ(r.status, Status::permanent) << toString(r.status) << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
}

} // namespace
} // namespace clinhub::conformance

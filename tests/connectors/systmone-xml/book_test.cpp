// Each appointment-book call against the simulated unit, over TCP and over HTTP.
#include "SystmOneTest.h"

#include <algorithm>
#include <map>
#include <set>

namespace systmone::test {
namespace {

TEST_P(SystmOneBothTransports, SlotTypesAreTheBooksFreeSlotTypesEachOnce) {
    Sim sim;
    auto& b = book(sim, transport());
    std::vector<std::string> types;
    const Result r = b.slotTypes(rangeFromTomorrow(), types);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(types, (std::vector<std::string>{"Asthma review", "Flu clinic"}));
}

// The simulator converts with the C library's tz database, the connector with its own UK rules: the two
// must agree on every instant (over 28 days, which may span a clock change).
TEST_P(SystmOneBothTransports, FreeSlotsAreTheBooksFreeSlotsInstantForInstant) {
    Sim sim;
    auto& b = book(sim, transport());
    const TimeRange range = rangeFromTomorrow(28);
    const auto slots = freeSlots(b, "Flu clinic", range);
    std::map<std::string, Slot> byId;
    for (const auto& s : slots)
        byId[s.id] = s;
    ASSERT_EQ(byId.size(), slots.size()) << "slot ids are unique";

    std::size_t expected = 0;
    const auto all = sim.slots();
    for (std::size_t i = 0; i < all->size(); ++i) {
        const auto s = all->getObject(static_cast<unsigned>(i));
        const int64_t start = s->getValue<int64_t>("start");
        if (s->getValue<std::string>("slot_type") != "Flu clinic" || start < range.from || start >= range.to) continue;
        ++expected;
        const auto found = byId.find(s->getValue<std::string>("id"));
        ASSERT_NE(found, byId.end()) << s->getValue<std::string>("local_start");
        EXPECT_EQ(found->second.start, start) << s->getValue<std::string>("local_start");
        EXPECT_EQ(found->second.durationMinutes, s->getValue<int>("minutes"));
        EXPECT_EQ(found->second.clinician, s->getValue<std::string>("user_name"));
        EXPECT_EQ(found->second.location, s->getValue<std::string>("site_name"));
        EXPECT_EQ(found->second.slotType, "Flu clinic");
    }
    EXPECT_EQ(slots.size(), expected);
    EXPECT_TRUE(
        std::is_sorted(slots.begin(), slots.end(), [](const Slot& a, const Slot& c) { return a.start < c.start; }));
}

TEST_P(SystmOneBothTransports, FreeSlotsStartInsideTheRangeAskedEvenANarrowOne) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto all = freeSlots(b, "Flu clinic");
    ASSERT_GE(all.size(), 3U);
    const auto one = freeSlots(b, "Flu clinic", {all[1].start, all[1].start + 1});
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(one[0].id, all[1].id);
    EXPECT_TRUE(freeSlots(b, "Flu clinic", {all[1].start + 1, all[2].start}).empty());
}

TEST_P(SystmOneBothTransports, TelephoneSlotsAreThoseOfTelephoneClinics) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto asthma = freeSlots(b, "Asthma review");
    const auto flu = freeSlots(b, "Flu clinic");
    ASSERT_FALSE(asthma.empty());
    ASSERT_FALSE(flu.empty());
    EXPECT_TRUE(std::all_of(asthma.begin(), asthma.end(), [](const Slot& s) { return s.telephone; }));
    EXPECT_TRUE(std::none_of(flu.begin(), flu.end(), [](const Slot& s) { return s.telephone; }));
}

TEST_P(SystmOneBothTransports, AConfiguredSiteNarrowsEverySearchToIt) {
    Sim sim;
    auto& b = book(sim, transport(), R"("site_name": "Branch Surgery")");
    const auto slots = freeSlots(b, "Flu clinic");
    ASSERT_EQ(slots.size(), 8U) << "two Saturdays of four 15-minute slots in 14 days";
    for (const auto& s : slots) {
        EXPECT_EQ(s.location, "Branch Surgery");
        EXPECT_EQ(s.clinician, "Nurse Branch");
        EXPECT_EQ(s.durationMinutes, 15);
    }
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes(rangeFromTomorrow(), types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Flu clinic"});
}

TEST_P(SystmOneBothTransports, BookReturnsTheAppointmentAndTheBookHoldsIt) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    Appointment a;
    const Result r = b.book(slot.id, testy(), "Booked online <flu> & \"more\"", a);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_FALSE(a.id.empty());
    EXPECT_EQ(a.slot.id, slot.id);
    EXPECT_EQ(a.slot.start, slot.start);
    EXPECT_EQ(a.slot.clinician, "Nurse Example");

    const auto held = sim.appointment(a.id);
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0]->getValue<std::string>("slot_id"), slot.id);
    EXPECT_EQ(held[0]->getValue<std::string>("nhs_number"), testy().nhsNumber);
    EXPECT_EQ(held[0]->getValue<std::string>("status"), "Booked");
    EXPECT_EQ(held[0]->getValue<std::string>("notes"), "Booked online <flu> & \"more\"");
    const auto after = freeSlots(b, "Flu clinic");
    EXPECT_TRUE(std::none_of(after.begin(), after.end(), [&](const Slot& s) { return s.id == slot.id; }));
}

TEST_P(SystmOneBothTransports, BookingATakenSlotIsAConflictWhoeverAsks) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    Appointment first, second, third;
    ASSERT_TRUE(b.book(slot.id, testy(), "", first).ok());
    const Result other = b.book(slot.id, example(), "", second);
    EXPECT_EQ(other.status, Status::conflict) << other.message;
    const Result same = b.book(slot.id, testy(), "", third);
    EXPECT_EQ(same.status, Status::conflict) << same.message;
    EXPECT_EQ(sim.appointments()->size(), 1U);
}

TEST_P(SystmOneBothTransports, BookingForAPatientTheBookDoesNotKnowIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    Appointment a;
    const Result r = b.book(slot.id, {kUnknownNhsNumber, "", "", "", ""}, "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Patient not found"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find(kUnknownNhsNumber), std::string::npos) << "no NHS number in messages: " << r.message;
}

TEST_P(SystmOneBothTransports, BookingASlotTheBookDoesNotHaveIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    Appointment a;
    const Result r = b.book("999999999", testy(), "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Slot not found"), std::string::npos) << r.message;
}

TEST_P(SystmOneBothTransports, AnInvalidNhsNumberIsRefusedWithoutAsking) {
    Sim sim;
    auto& b = book(sim, transport());
    const int before = sim.requests()->getValue<int>("total");
    Appointment a;
    EXPECT_EQ(b.book("200001", {"9995260183", "", "", "", ""}, "", a).status, Status::permanent);
    std::optional<Patient> found;
    EXPECT_EQ(b.findPatient("12345", found).status, Status::permanent);
    EXPECT_EQ(sim.requests()->getValue<int>("total"), before);
}

TEST_P(SystmOneBothTransports, CancelFreesTheSlotAndCancellingAgainIsNoError) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    const Result r = b.cancel(a.id);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(sim.appointment(a.id).at(0)->getValue<std::string>("status"), "Cancelled");
    const auto after = freeSlots(b, "Flu clinic");
    EXPECT_TRUE(std::any_of(after.begin(), after.end(), [&](const Slot& s) { return s.id == slot.id; }));
    EXPECT_TRUE(b.cancel(a.id).ok());
}

TEST_P(SystmOneBothTransports, CancellingAnAppointmentTheBookDoesNotHaveIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    const Result r = b.cancel("A999999");
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Appointment not found"), std::string::npos) << r.message;
}

TEST_P(SystmOneBothTransports, RescheduleMovesTheAppointmentAndFreesTheOldSlot) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a, moved;
    ASSERT_TRUE(b.book(slots.at(0).id, testy(), "", a).ok());
    const Result r = b.reschedule(a.id, slots.at(1).id, moved);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(moved.id, a.id);
    EXPECT_EQ(moved.slot.id, slots[1].id);
    EXPECT_EQ(moved.slot.start, slots[1].start);
    EXPECT_EQ(sim.appointment(a.id).at(0)->getValue<std::string>("slot_id"), slots[1].id);
    const auto after = freeSlots(b, "Flu clinic");
    EXPECT_TRUE(std::any_of(after.begin(), after.end(), [&](const Slot& s) { return s.id == slots[0].id; }));
    EXPECT_TRUE(std::none_of(after.begin(), after.end(), [&](const Slot& s) { return s.id == slots[1].id; }));
    // A retry after a lost reply finds it done.
    Appointment again;
    ASSERT_TRUE(b.reschedule(a.id, slots[1].id, again).ok());
    EXPECT_EQ(again.slot.id, slots[1].id);
}

TEST_P(SystmOneBothTransports, ReschedulingIntoATakenSlotIsAConflictAndLeavesTheAppointment) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment mine, theirs, moved;
    ASSERT_TRUE(b.book(slots.at(0).id, testy(), "", mine).ok());
    ASSERT_TRUE(b.book(slots.at(1).id, example(), "", theirs).ok());
    EXPECT_EQ(b.reschedule(mine.id, slots[1].id, moved).status, Status::conflict);
    EXPECT_EQ(sim.appointment(mine.id).at(0)->getValue<std::string>("slot_id"), slots[0].id);
}

TEST_P(SystmOneBothTransports, ReschedulingACancelledAppointmentIsAConflict) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a, moved;
    ASSERT_TRUE(b.book(slots.at(0).id, testy(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    EXPECT_EQ(b.reschedule(a.id, slots.at(1).id, moved).status, Status::conflict);
}

TEST_P(SystmOneBothTransports, WriteCodeFilesTheCodedEntryForThePatientToday) {
    Sim sim;
    auto& b = book(sim, transport());
    const Result r = b.writeCode(testy(), "822931000000100", "Seasonal influenza vaccination declined");
    ASSERT_TRUE(r.ok()) << r.message;
    const auto records = sim.records();
    ASSERT_EQ(records->size(), 1U);
    const auto entry = records->getObject(0);
    EXPECT_EQ(entry->getValue<std::string>("nhs_number"), testy().nhsNumber);
    EXPECT_EQ(entry->getValue<std::string>("code"), "822931000000100");
    EXPECT_EQ(entry->getValue<std::string>("term"), "Seasonal influenza vaccination declined");
    EXPECT_EQ(entry->getValue<std::string>("date").size(), 10U);
}

TEST_P(SystmOneBothTransports, WriteCodeRefusesWhatIsNotASnomedConceptWithoutAsking) {
    Sim sim;
    auto& b = book(sim, transport());
    EXPECT_EQ(b.writeCode(testy(), "flu", "Flu").status, Status::permanent);
    EXPECT_EQ(b.writeCode(testy(), "822931000000100", "").status, Status::permanent);
    EXPECT_EQ(sim.requests()->getValue<int>("total"), 0);
}

TEST_P(SystmOneBothTransports, WriteCodeForAPatientTheBookDoesNotKnowIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    EXPECT_EQ(b.writeCode({kUnknownNhsNumber, "", "", "", ""}, "822931000000100", "Declined").status,
              Status::permanent);
    EXPECT_EQ(sim.records()->size(), 0U);
}

TEST_P(SystmOneBothTransports, FindPatientReturnsTheBooksPatientWithItsOwnId) {
    Sim sim;
    auto& b = book(sim, transport());
    std::optional<Patient> found;
    const Result r = b.findPatient("999 526 0182", found);
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->nhsNumber, "9995260182");
    EXPECT_EQ(found->dateOfBirth, "1956-03-14");
    EXPECT_EQ(found->mobile, "+447700900123");
    EXPECT_EQ(found->name, "Testy McTestface");
    EXPECT_EQ(found->bookId, "1000001");
}

TEST_P(SystmOneBothTransports, FindPatientLeavesOutAMobileThatIsNotOne) {
    Sim sim;
    auto& b = book(sim, transport());
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient(sample(2).nhsNumber, found).ok());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mobile, "");
    EXPECT_EQ(found->dateOfBirth, "1992-03-03");
}

TEST_P(SystmOneBothTransports, FindPatientOfAnNhsNumberNotInTheBookFindsNobody) {
    Sim sim;
    auto& b = book(sim, transport());
    std::optional<Patient> found = testy();
    const Result r = b.findPatient(kUnknownNhsNumber, found);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_FALSE(found.has_value());
}

// The unit refuses a repeated or malformed RequestUID, so every call so far proving fine is not enough:
// the simulator counts what it saw.
TEST_P(SystmOneBothTransports, EveryRequestCarriesItsOwnGuidRequestUid) {
    Sim sim;
    auto& b = book(sim, transport());
    for (int i = 0; i < 10; ++i) {
        std::optional<Patient> found;
        ASSERT_TRUE(b.findPatient(testy().nhsNumber, found).ok());
        (void)freeSlots(b, "Flu clinic");
    }
    const auto seen = sim.requests();
    EXPECT_EQ(seen->getValue<int>("total"), 20);
    EXPECT_EQ(seen->getValue<int>("distinct_uids"), 20);
    EXPECT_EQ(seen->getValue<int>("repeated_uids"), 0);
}

TEST_P(SystmOneBothTransports, ARefusedApiKeyIsPermanentAndSaysWhichSetting) {
    Sim sim;
    auto& b = book(sim, transport(), R"("api_key": "not-the-key")");
    std::optional<Patient> found;
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("api_key"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("not-the-key"), std::string::npos) << "the key is never quoted: " << r.message;
}

TEST_P(SystmOneBothTransports, AnUnregisteredDeviceIsPermanentAndSaysWhichSetting) {
    Sim sim;
    auto& b = book(sim, transport(), R"("device_id": "someone-else")");
    std::vector<std::string> types;
    const Result r = b.slotTypes(rangeFromTomorrow(), types);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("device_id"), std::string::npos) << r.message;
}

INSTANTIATE_TEST_SUITE_P(Transports, SystmOneBothTransports, ::testing::Values("tcp", "http"));

} // namespace
} // namespace systmone::test

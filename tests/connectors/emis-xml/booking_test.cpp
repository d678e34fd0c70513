// Booking, cancelling and rescheduling through BookAppointment and CancelAppointment, and what the
// diary holds afterwards.
#include "EmisFixture.h"

#include <atomic>
#include <latch>
#include <thread>

namespace emistest {
namespace {

using BookingTest = EmisTest;

Poco::JSON::Object::Ptr only(const Poco::JSON::Array::Ptr& list) {
    EXPECT_EQ(list->size(), 1U);
    return list->size() == 1 ? list->getObject(0) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

TEST_F(BookingTest, BookReturnsTheAppointmentAndTheDiaryHoldsIt) {
    auto& b = book(R"x("reason": "Flu vaccination (online)")x");
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    const Result r = b.book(slot.id, testy(), "Booked online by the patient", a);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(a.id, slot.id + "-5001");
    EXPECT_EQ(a.slot.id, slot.id);
    EXPECT_EQ(a.slot.start, slot.start);
    EXPECT_EQ(a.slot.durationMinutes, 10);
    EXPECT_EQ(a.slot.slotType, "Flu clinic");
    EXPECT_EQ(a.slot.clinician, "Nurse Sam Sample");
    EXPECT_EQ(a.slot.location, "Example Surgery");

    const auto held = only(appointments());
    EXPECT_EQ(held->getValue<std::string>("slot_id"), slot.id);
    EXPECT_EQ(held->getValue<std::string>("nhs_number"), "9995260182");
    EXPECT_EQ(held->getValue<std::string>("reason"), "Flu vaccination (online)");
    EXPECT_EQ(held->getValue<std::string>("booking_note"), "Booked online by the patient");
}

TEST_F(BookingTest, ThePatientIsMatchedByNhsNumberOnceAndRemembered) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, testy(), "", a).ok());
    ASSERT_TRUE(b.book(slots[1].id, Patient{"999 526 0182", "", "", "", {}}, "", a).ok());
    EXPECT_EQ(calls("GetMatchedPatient"), 1);
    EXPECT_EQ(appointments()->size(), 2U);
}

TEST_F(BookingTest, TheBooksOwnPatientIdIsUsedWithoutMatching) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, Patient{"", "", "", "", "5002"}, "", a).ok());
    EXPECT_EQ(a.id, slot.id + "-5002");
    EXPECT_EQ(calls("GetMatchedPatient"), 0);
    EXPECT_EQ(only(appointments())->getValue<std::string>("nhs_number"), "9991590838");
}

TEST_F(BookingTest, BookingATakenSlotIsAConflictAndLeavesTheFirstBooking) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment first;
    Appointment second;
    ASSERT_TRUE(b.book(slot.id, testy(), "", first).ok());
    const Result r = b.book(slot.id, example(), "", second);
    EXPECT_EQ(r.status, Status::conflict);
    EXPECT_EQ(r.message, "EMIS BookAppointment: Slot already booked");
    EXPECT_EQ(only(appointments())->getValue<std::string>("nhs_number"), "9995260182");
}

// Only a booking whose reply was lost is looked for before sending; a known one is not this call's.
TEST_F(BookingTest, BookingTheSameSlotTwiceForThePatientIsAConflict) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::conflict);
    EXPECT_EQ(calls("GetPatientAppointments"), 0);
}

TEST_F(BookingTest, ASlotTakenBehindTheHubsBackIsAConflict) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    sim_->setFaults(R"({"steal_rate": 1})");
    Appointment a;
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::conflict);
    const auto held = only(appointments());
    EXPECT_TRUE(held->getValue<bool>("stolen"));
}

TEST_F(BookingTest, BookingAnEmbargoedSlotIsAConflict) {
    auto& b = book();
    const std::string session = logon();
    // The first weekday's morning surgery: its fourth slot is embargoed.
    auto day = tomorrow();
    while (!weekday(day))
        day += std::chrono::days{1};
    const auto [status, body] = soap(
        "GetAppointmentSessions", "<SessionId>" + session + "</SessionId><SlotType>Blood test</SlotType><StartDate>" +
                                      kit::isoDate(day) + "</StartDate><EndDate>" + kit::isoDate(day) + "</EndDate>");
    ASSERT_EQ(status, 200) << body;
    const auto from = body.find("<DBID>") + 6;
    const std::string sessionId = body.substr(from, body.find("</DBID>") - from);
    const auto [slotsStatus, slots] = soap("GetSlotsForSession", "<SessionId>" + session + "</SessionId><SessionDBID>" +
                                                                     sessionId + "</SessionDBID>");
    const auto embargoed = slots.rfind("<DBID>", slots.find("<Status>Embargoed</Status>")) + 6;
    const std::string slotId = slots.substr(embargoed, slots.find("</DBID>", embargoed) - embargoed);

    Appointment a;
    const Result r = b.book(slotId, testy(), "", a);
    EXPECT_EQ(r.status, Status::conflict);
    EXPECT_EQ(r.message, "EMIS BookAppointment: Slot is not available");
    EXPECT_EQ(appointments()->size(), 0U);
}

TEST_F(BookingTest, BookingForAPatientNotInTheBookIsPermanent) {
    auto& b = book();
    Appointment a;
    const Result r = b.book(freeSlots(b, "Flu clinic").front().id, withNhs(kUnknownNhsNumber), "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "no patient with this NHS number is registered in the EMIS book");
    EXPECT_EQ(calls("BookAppointment"), 0);
}

TEST_F(BookingTest, BookingWithAnInvalidNhsNumberIsPermanentAndAsksEmisNothing) {
    auto& b = book();
    Appointment a;
    const Result r = b.book("200001", withNhs("9995260183"), "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "the patient's NHS number is not valid");
    EXPECT_EQ(calls("Logon"), 0);
}

TEST_F(BookingTest, BookingAnUnknownOrMalformedSlotIdIsPermanent) {
    auto& b = book();
    Appointment a;
    const Result unknown = b.book("999999", testy(), "", a);
    EXPECT_EQ(unknown.status, Status::permanent);
    EXPECT_EQ(unknown.message, "EMIS BookAppointment refused: Slot not found");
    const Result malformed = b.book("s-12", testy(), "", a);
    EXPECT_EQ(malformed.status, Status::permanent);
    EXPECT_EQ(malformed.message, "not an EMIS slot id: 's-12'");
}

TEST_F(BookingTest, ConcurrentBookingsOfOneSlotSucceedExactlyOnce) {
    auto& one = book();
    auto& other = book(); // a second connector instance: its own session and patient cache
    const auto slots = freeSlots(one, "Flu clinic");
    for (size_t n = 0; n < 4; ++n) {
        constexpr int kThreads = 8;
        std::latch start(kThreads);
        std::atomic<int> ok{0};
        std::atomic<int> conflicts{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                auto& b = i % 2 == 0 ? one : other;
                start.arrive_and_wait();
                Appointment a;
                const Result r = b.book(slots[n].id, withNhs(kBookNhsNumbers[i]), "", a);
                if (r.ok()) ++ok;
                if (r.status == Status::conflict) ++conflicts;
                EXPECT_TRUE(r.ok() || r.status == Status::conflict) << r.message;
            });
        }
        for (auto& t : threads)
            t.join();
        EXPECT_EQ(ok, 1);
        EXPECT_EQ(conflicts, kThreads - 1);
    }
    EXPECT_EQ(appointments()->size(), 4U);
}

TEST_F(BookingTest, CancelFreesTheSlot) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    const Result r = b.cancel(a.id);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(appointments()->size(), 0U);
    EXPECT_EQ(freeSlots(b, "Flu clinic").front().id, slot.id);
    Appointment again;
    EXPECT_TRUE(b.book(slot.id, example(), "", again).ok());
}

TEST_F(BookingTest, CancellingTwiceOrAfterTheSlotWasRebookedIsHarmless) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    EXPECT_TRUE(b.cancel(a.id).ok()); // "Slot is not booked"
    Appointment theirs;
    ASSERT_TRUE(b.book(slot.id, example(), "", theirs).ok());
    EXPECT_TRUE(b.cancel(a.id).ok()); // "Slot is booked to another patient": ours is long gone
    EXPECT_EQ(only(appointments())->getValue<std::string>("nhs_number"), "9991590838");
}

TEST_F(BookingTest, CancellingAnUnknownAppointmentIsPermanent) {
    auto& b = book();
    const Result unknown = b.cancel("999999-5001");
    EXPECT_EQ(unknown.status, Status::permanent);
    EXPECT_EQ(unknown.message, "EMIS CancelAppointment refused: Slot not found");
    const Result nonsense = b.cancel("a-42");
    EXPECT_EQ(nonsense.status, Status::permanent);
    EXPECT_EQ(nonsense.message, "not an EMIS appointment id: 'a-42'");
}

TEST_F(BookingTest, RescheduleMovesTheAppointmentKeepingItsNote) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, testy(), "link L-1", a).ok());
    Appointment moved;
    const Result r = b.reschedule(a.id, slots[1].id, moved);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(moved.id, slots[1].id + "-5001");
    EXPECT_EQ(moved.slot.id, slots[1].id);
    EXPECT_EQ(moved.slot.start, slots[1].start);
    const auto held = only(appointments());
    EXPECT_EQ(held->getValue<std::string>("slot_id"), slots[1].id);
    EXPECT_EQ(held->getValue<std::string>("booking_note"), "link L-1");
    EXPECT_EQ(freeSlots(b, "Flu clinic").front().id, slots[0].id);
}

TEST_F(BookingTest, RescheduleToATakenSlotIsAConflictAndKeepsTheOldAppointment) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment mine;
    Appointment theirs;
    ASSERT_TRUE(b.book(slots[0].id, testy(), "", mine).ok());
    ASSERT_TRUE(b.book(slots[1].id, example(), "", theirs).ok());
    Appointment moved;
    EXPECT_EQ(b.reschedule(mine.id, slots[1].id, moved).status, Status::conflict);
    const auto held = appointments();
    ASSERT_EQ(held->size(), 2U);
    EXPECT_EQ(held->getObject(0)->getValue<std::string>("slot_id"), slots[0].id);
    EXPECT_EQ(held->getObject(0)->getValue<std::string>("nhs_number"), "9995260182");
}

TEST_F(BookingTest, RescheduleOfACancelledAppointmentIsRefusedAndBooksNothing) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, testy(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    Appointment moved;
    const Result r = b.reschedule(a.id, slots[1].id, moved);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(appointments()->size(), 0U);
}

// The old appointment cannot be let go: the new one is undone, so the patient keeps exactly one.
TEST_F(BookingTest, RescheduleUndoesTheNewBookingWhenTheOldCannotBeCancelled) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, testy(), "", a).ok());
    canned("CancelAppointment",
           R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
           R"(<soap:Fault><faultcode>soap:Server</faultcode><faultstring>busy</faultstring></soap:Fault>)"
           "</soap:Body></soap:Envelope>",
           503);
    Appointment moved;
    const Result r = b.reschedule(a.id, slots[1].id, moved);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_NE(r.message.find("so the new one was undone"), std::string::npos) << r.message;
    EXPECT_EQ(only(appointments())->getValue<std::string>("slot_id"), slots[0].id);
}

} // namespace
} // namespace emistest

// A booking whose reply is lost may or may not have been made: it is never simply sent again.
#include "EmisFixture.h"

namespace emistest {
namespace {

using AmbiguityTest = EmisTest;

const std::string kServerFault =
    R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
    R"(<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Internal error</faultstring>)"
    "</soap:Fault></soap:Body></soap:Envelope>";

// The simulator books, then drops the connection (first time) or answers 500 (second time).
TEST_F(AmbiguityTest, ABookingMadeBeforeItsReplyWasLostIsFoundAndReportedOnce) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    sim_->setFaults(R"({"after_commit_rate": 1})");
    for (int i = 0; i < 2; ++i) {
        Appointment a;
        const Result r = b.book(slots[i].id, testy(), "note", a);
        ASSERT_TRUE(r.ok()) << r.message;
        EXPECT_EQ(a.id, slots[i].id + "-5001");
        EXPECT_EQ(a.slot.start, slots[i].start);
        EXPECT_EQ(a.slot.clinician, "Nurse Sam Sample");
    }
    EXPECT_EQ(calls("BookAppointment"), 2);
    EXPECT_EQ(calls("GetPatientAppointments"), 2);
    EXPECT_EQ(appointments()->size(), 2U);
}

TEST_F(AmbiguityTest, ABookingThatFailedIsSentAgainOnlyAfterCheckingItWasNotMade) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    canned("BookAppointment", kServerFault, 500);
    Appointment a;
    const Result r = b.book(slot.id, testy(), "", a);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(calls("BookAppointment"), 2);
    EXPECT_EQ(calls("GetPatientAppointments"), 1);
    EXPECT_EQ(appointments()->size(), 1U);
}

TEST_F(AmbiguityTest, AGarbledBookingReplyIsCheckedNotTakenAsAFailure) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    canned("BookAppointment", "<soap:Envelope><soap:Body><BookAppointmentRes");
    Appointment a;
    const Result r = b.book(slot.id, testy(), "", a);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(calls("GetPatientAppointments"), 1);
    EXPECT_EQ(appointments()->size(), 1U);
}

// The diary cannot be read either: the call gives up as retryable, and the hub's retry looks before it
// books, finding the appointment the lost reply made.
TEST_F(AmbiguityTest, AnUnresolvedBookingIsLookedForBeforeTheRetrySendsIt) {
    auto& b = book(R"("book_attempts": 3)");
    const auto slot = freeSlots(b, "Flu clinic").front();
    sim_->setFaults(R"({"after_commit_rate": 1})");
    canned("GetPatientAppointments", kServerFault, 500, 2);
    Appointment a;
    const Result first = b.book(slot.id, testy(), "", a);
    EXPECT_EQ(first.status, Status::retryable) << first.message;
    EXPECT_EQ(calls("BookAppointment"), 1);
    EXPECT_EQ(calls("GetPatientAppointments"), 2);

    sim_->clearFaults();
    const Result retry = b.book(slot.id, testy(), "", a);
    ASSERT_TRUE(retry.ok()) << retry.message;
    EXPECT_EQ(a.id, slot.id + "-5001");
    EXPECT_EQ(calls("BookAppointment"), 1);
    EXPECT_EQ(appointments()->size(), 1U);
}

// The lost booking was not made after all and someone else has the slot now: that is a plain conflict.
TEST_F(AmbiguityTest, AnUnresolvedBookingThatWasNotMadeEndsInAConflictWhenTheSlotIsGone) {
    auto& b = book(R"("book_attempts": 1)");
    const auto slot = freeSlots(b, "Flu clinic").front();
    canned("BookAppointment", kServerFault, 500);
    Appointment a;
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::retryable);
    sim_->control("POST", "/_sim/steal?slot=" + slot.id);
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::conflict);
    EXPECT_EQ(calls("GetPatientAppointments"), 1);
}

TEST_F(AmbiguityTest, ACodedEntryResentAfterALostReplyIsFiledOnce) {
    auto& b = book();
    sim_->setFaults(R"({"after_commit_rate": 1})");
    EXPECT_EQ(b.writeCode(testy(), "822931000000100", "Seasonal influenza vaccination declined").status,
              Status::retryable);
    sim_->clearFaults();
    const Result r = b.writeCode(testy(), "822931000000100", "Seasonal influenza vaccination declined");
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(calls("FileRecord"), 2);
    EXPECT_EQ(records()->size(), 1U);
}

TEST_F(AmbiguityTest, ACancelWhoseReplyWasLostIsDoneWhenRetried) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    sim_->setFaults(R"({"after_commit_rate": 1})");
    EXPECT_EQ(b.cancel(a.id).status, Status::retryable);
    sim_->clearFaults();
    EXPECT_TRUE(b.cancel(a.id).ok());
    EXPECT_EQ(appointments()->size(), 0U);
}

} // namespace
} // namespace emistest

// What the connector makes of failures and odd replies: each maps to the result the hub acts on, and a
// booking whose outcome is unknown is checked, never blindly sent again.
#include "SystmOneTest.h"

#include <thread>

namespace systmone::test {
namespace {

class SystmOneFaults : public SystmOneBothTransports {};

// Waits until the simulator holds `n` appointments; false if it never does.
bool awaitAppointments(const Sim& sim, std::size_t n) {
    for (int i = 0; i < 200; ++i) {
        if (sim.appointments()->size() >= n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

TEST_P(SystmOneFaults, AServerErrorIsRetryable) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.setFaults(R"({"error_rate": 1})");
    std::vector<Slot> slots;
    const Result r = b.freeSlots("Flu clinic", rangeFromTomorrow(), slots);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
}

TEST_P(SystmOneFaults, ADroppedConnectionIsRetryable) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.setFaults(R"({"drop_rate": 1})");
    std::optional<Patient> found;
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
}

TEST_P(SystmOneFaults, ARefusedConnectionIsRetryable) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.stop(); // nothing listens any more
    std::optional<Patient> found;
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
}

// Over TCP the late reply is still on its way down the connection: reading it as the answer to the next
// request would hand one patient's data to another call. The next call must get its own reply.
TEST_P(SystmOneFaults, ATimeoutIsRetryableAndItsLateReplyAnswersNothingElse) {
    Sim sim;
    auto& b = book(sim, transport(), R"("timeout_ms": 300)");
    sim.setFaults(R"({"latency_ms": 800})");
    std::vector<Slot> slots;
    const Result r = b.freeSlots("Flu clinic", rangeFromTomorrow(), slots);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
    sim.clearFaults();
    std::optional<Patient> found;
    const Result next = b.findPatient(testy().nhsNumber, found);
    ASSERT_TRUE(next.ok()) << next.message;
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->bookId, "1000001");
}

TEST_P(SystmOneFaults, AMalformedReplyIsPermanentAndQuotesWhatWasWrong) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.setFaults(R"({"malformed_rate": 1})");
    std::vector<Slot> slots;
    const Result r = b.freeSlots("Flu clinic", rangeFromTomorrow(), slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("not well-formed"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("Nurse Exa"), std::string::npos) << "quotes the text near the error: " << r.message;
}

TEST_P(SystmOneFaults, AReplyWithADoctypeIsRefusedUnread) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned(R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "boom">]><ClientIntegrationResponse>)"
               R"(<ResponseUID>{uid}</ResponseUID><Response><Patient><PatientID>&big;</PatientID></Patient>)"
               R"(</Response></ClientIntegrationResponse>)");
    std::optional<Patient> found;
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("DOCTYPE"), std::string::npos) << r.message;
    EXPECT_FALSE(found.has_value());
}

TEST_P(SystmOneFaults, AReplyToAnotherRequestIsNotTakenAsTheAnswer) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned(R"(<ClientIntegrationResponse><ResponseUID>00000000-0000-4000-8000-000000000000</ResponseUID>)"
               R"(<Response><Patient><PatientID>1000002</PatientID><NHSNumber>9995260182</NHSNumber>)"
               R"(<DateOfBirth>1982-11-02</DateOfBirth></Patient></Response></ClientIntegrationResponse>)");
    std::optional<Patient> found;
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("ResponseUID"), std::string::npos) << r.message;
    EXPECT_FALSE(found.has_value());
    ASSERT_TRUE(b.findPatient(testy().nhsNumber, found).ok());
    EXPECT_EQ(found->bookId, "1000001");
}

TEST_P(SystmOneFaults, AReplyWithNeitherResponseNorErrorMessageIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned("<ClientIntegrationResponse><ResponseUID>{uid}</ResponseUID></ClientIntegrationResponse>");
    std::vector<std::string> types;
    const Result r = b.slotTypes(rangeFromTomorrow(), types);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("neither a Response nor an ErrorMessage"), std::string::npos) << r.message;
}

TEST_P(SystmOneFaults, AReplyThatIsNotAClientIntegrationResponseIsPermanent) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned("<html><body>Gateway says hello</body></html>");
    std::vector<std::string> types;
    const Result r = b.slotTypes(rangeFromTomorrow(), types);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("<html>"), std::string::npos) << r.message;
}

TEST_P(SystmOneFaults, ASlotWithAnUnreadableStartIsPermanentAndSaysWhichAndWhy) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned("<ClientIntegrationResponse><ResponseUID>{uid}</ResponseUID><Response><Clinic><UserName>N</UserName>"
               "<Slot><SlotID>1</SlotID><SlotType>Flu clinic</SlotType><DateTimeStart>tomorrow 9am</DateTimeStart>"
               "<Duration>10</Duration></Slot></Clinic></Response></ClientIntegrationResponse>");
    std::vector<Slot> slots;
    const Result r = b.freeSlots("Flu clinic", rangeFromTomorrow(), slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Slot 1 of Clinic 1 has DateTimeStart 'tomorrow 9am'"), std::string::npos) << r.message;
}

TEST_P(SystmOneFaults, AnUnknownErrorMessageIsPermanentAndQuoted) {
    Sim sim;
    auto& b = book(sim, transport());
    sim.canned("<ClientIntegrationResponse><ResponseUID>{uid}</ResponseUID>"
               "<ErrorMessage>Unit is in read-only mode</ErrorMessage></ClientIntegrationResponse>");
    std::vector<Slot> slots;
    const Result r = b.freeSlots("Flu clinic", rangeFromTomorrow(), slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("'Unit is in read-only mode'"), std::string::npos) << r.message;
}

// The search before the booking leaves a kept connection, which libcurl would use for the booking and,
// when it dies unanswered, silently send the booking again on a new one: the unit must see it once.
TEST_P(SystmOneFaults, ABookingCommittedButUnansweredIsFoundAndReportedAsBookedNotResent) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    sim.setFaults(R"({"after_commit_rate": 1})");
    Appointment a;
    const Result r = b.book(slot.id, testy(), "", a);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto all = sim.appointments();
    ASSERT_EQ(all->size(), 1U);
    EXPECT_EQ(all->getObject(0)->getValue<std::string>("uid"), a.id);
    EXPECT_EQ(a.slot.id, slot.id);
    EXPECT_EQ(sim.requests()->getValue<int>("repeated_uids"), 0);
}

TEST_P(SystmOneFaults, ABookingWhoseOutcomeIsUnknownIsCheckedBeforeItIsSentAgain) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    sim.setFaults(R"({"drop_rate": 1})");
    Appointment a;
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::retryable);
    sim.clearFaults();
    const int checksBefore = sim.requestsOf("GetPatientAppointments");
    const int booksBefore = sim.requestsOf("UpdatePatientRecord");
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    EXPECT_EQ(sim.requestsOf("GetPatientAppointments"), checksBefore + 1) << "looked before booking again";
    EXPECT_EQ(sim.requestsOf("UpdatePatientRecord"), booksBefore + 1);
    EXPECT_EQ(sim.appointments()->size(), 1U);
}

// The unit commits after the connector has given up waiting, and after its check found nothing: the next
// attempt must recognise the booking as its own, not book again nor report a conflict.
TEST_P(SystmOneFaults, ABookingThatLandsAfterTheTimeoutIsAdoptedNotDoubled) {
    Sim sim;
    auto& b = book(sim, transport(), R"("timeout_ms": 300)");
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    sim.setFaults(R"({"latency_ms": 800})");
    Appointment a;
    EXPECT_EQ(b.book(slot.id, testy(), "", a).status, Status::retryable);
    ASSERT_TRUE(awaitAppointments(sim, 1));
    sim.clearFaults();
    const Result r = b.book(slot.id, testy(), "", a);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto all = sim.appointments();
    ASSERT_EQ(all->size(), 1U);
    EXPECT_EQ(all->getObject(0)->getValue<std::string>("uid"), a.id);
}

TEST_P(SystmOneFaults, ASlotTakenBehindTheHubsBackIsAConflict) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    sim.setFaults(R"({"steal_rate": 1})");
    Appointment a;
    const Result r = b.book(slot.id, testy(), "", a);
    EXPECT_EQ(r.status, Status::conflict) << r.message;
    const auto all = sim.appointments();
    ASSERT_EQ(all->size(), 1U);
    EXPECT_TRUE(all->getObject(0)->getValue<bool>("stolen"));
}

TEST_P(SystmOneFaults, ACancelWhoseReplyIsLostIsFoundDone) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slot = freeSlots(b, "Flu clinic").at(0);
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, testy(), "", a).ok());
    sim.setFaults(R"({"after_commit_rate": 1})");
    const Result r = b.cancel(a.id);
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(sim.appointment(a.id).at(0)->getValue<std::string>("status"), "Cancelled");
}

TEST_P(SystmOneFaults, AMoveWhoseReplyIsLostIsFoundDone) {
    Sim sim;
    auto& b = book(sim, transport());
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a, moved;
    ASSERT_TRUE(b.book(slots.at(0).id, testy(), "", a).ok());
    sim.setFaults(R"({"after_commit_rate": 1})");
    const Result r = b.reschedule(a.id, slots.at(1).id, moved);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(moved.slot.id, slots[1].id);
    EXPECT_EQ(sim.appointment(a.id).at(0)->getValue<std::string>("slot_id"), slots[1].id);
}

INSTANTIATE_TEST_SUITE_P(Transports, SystmOneFaults, ::testing::Values("tcp", "http"));

} // namespace
} // namespace systmone::test

// How every remote outcome maps to a typed result: transport trouble and 5xx are retryable, a taken slot
// is a conflict, refusals and malformed replies are permanent and say what was wrong.
#include "GpConnectFixture.h"

namespace {

using namespace clinhub::test;
using clinhub::Appointment;
using clinhub::Patient;
using clinhub::Slot;
using clinhub::Status;

using ErrorsTest = GpConnectTest;

const clinhub::TimeRange kWeek{tomorrowUtc(), tomorrowUtc() + 7 * kDay};

TEST_F(ErrorsTest, AServerErrorIsRetryableAndBooksNothing) {
    auto& b = book();
    const auto slot = flu(b).front();
    sim_->setFaults(R"({"error_rate": 1})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("HTTP 500 INTERNAL_SERVER_ERROR"), std::string::npos) << r.message;
    Appointment a;
    EXPECT_EQ(b.book(slot.id, patient(), "", a).status, Status::retryable);
    EXPECT_EQ(b.cancel("1").status, Status::retryable);
    sim_->clearFaults();
    EXPECT_TRUE(appointments().empty());
}

TEST_F(ErrorsTest, ADroppedConnectionIsRetryable) {
    auto& b = book();
    sim_->setFaults(R"({"drop_rate": 1})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    std::optional<Patient> found;
    EXPECT_EQ(b.findPatient(kNhs, found).status, Status::retryable);
}

TEST_F(ErrorsTest, ATimeoutIsRetryable) {
    auto& b = book(config("", 300));
    sim_->setFaults(R"({"latency_ms": 1500})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ARefusedConnectionIsRetryable) {
    auto& b = book();
    sim_->stop();
    std::vector<Slot> slots;
    EXPECT_EQ(b.freeSlots("Flu clinic", kWeek, slots).status, Status::retryable);
}

TEST_F(ErrorsTest, AMalformedReplyIsPermanentAndQuotesIt) {
    auto& b = book();
    sim_->setFaults(R"({"malformed_rate": 1})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("slot search reply is not valid JSON"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("'{\"entry\""), std::string::npos) << "quotes the start of the reply: " << r.message;
}

TEST_F(ErrorsTest, AnXmlReplyWithADoctypeIsRefusedUnparsed) {
    auto& b = book();
    cannedReply(
        200, "application/fhir+xml",
        R"(<?xml version="1.0"?><!DOCTYPE Bundle [<!ENTITY x SYSTEM "file:///etc/passwd">]><Bundle>&x;</Bundle>)");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("DOCTYPE"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("root:"), std::string::npos) << "the entity was never expanded";
}

TEST_F(ErrorsTest, AReplyOfTheWrongResourceIsPermanent) {
    auto& b = book();
    cannedReply(200, "application/fhir+json", R"({"resourceType": "Patient", "id": "1"})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("not a Bundle but a Patient"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ASlotWithoutAUsableStartIsPermanentAndNamed) {
    auto& b = book();
    cannedReply(200, "application/fhir+json", R"({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Slot", "id": "77", "status": "free", "start": "tomorrow at nine",
                      "end": "2030-01-01T09:10:00+00:00", "schedule": {"reference": "Schedule/1"}}}]})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Slot/77 start 'tomorrow at nine' is not an instant"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ASlotWhoseScheduleIsNotIncludedIsPermanent) {
    auto& b = book();
    cannedReply(200, "application/fhir+json", R"({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Slot", "id": "77", "status": "free", "start": "2030-01-01T09:00:00+00:00",
                      "end": "2030-01-01T09:10:00+00:00", "schedule": {"reference": "Schedule/1"}}}]})");
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("no Schedule"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, SpineErrorCodesMapToResults) {
    auto& b = book();
    std::vector<Slot> slots;
    cannedReply(422, "application/fhir+json", outcome("INVALID_PARAMETER", "bad dates"));
    auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("HTTP 422 INVALID_PARAMETER: bad dates"), std::string::npos) << r.message;
    cannedReply(400, "application/fhir+json", outcome("BAD_REQUEST"));
    EXPECT_EQ(b.freeSlots("Flu clinic", kWeek, slots).status, Status::permanent);
    cannedReply(503, "application/fhir+json", outcome("INTERNAL_SERVER_ERROR"));
    EXPECT_EQ(b.freeSlots("Flu clinic", kWeek, slots).status, Status::retryable);
    cannedReply(429, "text/plain", "slow down");
    EXPECT_EQ(b.freeSlots("Flu clinic", kWeek, slots).status, Status::retryable);
    cannedReply(502, "text/html", "<html><body>Bad gateway</body></html>");
    EXPECT_EQ(b.freeSlots("Flu clinic", kWeek, slots).status, Status::retryable);
    std::optional<Patient> found;
    cannedReply(404, "application/fhir+json", outcome("PATIENT_NOT_FOUND"));
    ASSERT_TRUE(b.findPatient(kNhs, found).ok());
    EXPECT_FALSE(found.has_value());
}

TEST_F(ErrorsTest, DuplicateRejectedIsAConflict) {
    auto& b = book();
    const auto slot = flu(b).front();
    cannedReply(409, "application/fhir+json", outcome("DUPLICATE_REJECTED", "slot taken"), "POST");
    Appointment a;
    const auto r = b.book(slot.id, patient(), "", a);
    EXPECT_EQ(r.status, Status::conflict);
    EXPECT_NE(r.message.find("DUPLICATE_REJECTED"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ABookingAnswered201WithAnUnreadableBodyIsFoundByChecking) {
    auto& b = book();
    const auto slot = flu(b).front();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient(kNhs, found).ok()); // the connector now knows the patient's id in the book
    sim_->setFaults(R"({"malformed_rate": 1})");
    // Malformed also hits the check, so the first attempt cannot be settled: not a success, not a loss.
    Appointment a;
    const auto first = b.book(slot.id, patient(), "", a);
    EXPECT_EQ(first.status, Status::retryable) << first.message;
    sim_->clearFaults();
    const auto retried = b.book(slot.id, patient(), "", a);
    ASSERT_TRUE(retried.ok()) << retried.message;
    const auto held = appointments();
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0]->getValue<std::string>("id"), a.id);
}

TEST_F(ErrorsTest, TheWrongProviderAsidIsPermanent) {
    const std::string json = config();
    auto& b = book(std::string(json).replace(json.find("918999198993"), 12, "918999198999"));
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("HTTP 403 ACCESS_DENIED"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, MessagesNeverCarryAnNhsNumberFromTheProvider) {
    auto& b = book();
    cannedReply(422, "application/fhir+json", outcome("INVALID_RESOURCE", "patient 9995260182 born 1956-03-14"));
    std::vector<Slot> slots;
    const auto r = b.freeSlots("Flu clinic", kWeek, slots);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message.find("9995260182"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, AnIncompleteConfigIsRefusedSayingWhere) {
    std::string error;
    EXPECT_EQ(host_.create("bad", "gpconnect-fhir", R"({"base_url": "ftp://x", "consumer_asid": "12a"})", error),
              nullptr);
    EXPECT_NE(error.find("base_url"), std::string::npos) << error;
    const std::string noWindow = config(R"(, "search_window_days": 15)");
    EXPECT_EQ(host_.create("bad", "gpconnect-fhir", noWindow, error), nullptr);
    EXPECT_NE(error.find("search_window_days"), std::string::npos) << error;
}

} // namespace

// How each way a call can fail comes back to the hub: sessions, credentials, transport failures, server
// errors and replies that are not what the Partner API sends.
#include "EmisFixture.h"

#include <thread>

namespace emistest {
namespace {

using ErrorsTest = EmisTest;

std::string envelope(const std::string& body) {
    return R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">)"
           "<soap:Body>" +
           body + "</soap:Body></soap:Envelope>";
}

std::string sessionsReply(const std::string& inner) {
    return envelope(std::string(R"(<GetAppointmentSessionsResponse xmlns=")") + kNamespace + R"(">)" + inner +
                    "</GetAppointmentSessionsResponse>");
}

Result freeSlotsResult(clinhub::AppointmentBook& b) {
    std::vector<Slot> slots;
    return b.freeSlots("Flu clinic", days(0, 7), slots);
}

TEST_F(ErrorsTest, OneLogonServesManyCallsFromManyThreads) {
    auto& b = book();
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int n = 0; n < 3; ++n)
                EXPECT_TRUE(freeSlotsResult(b).ok());
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(calls("Logon"), 1);
}

TEST_F(ErrorsTest, AnExpiredSessionIsRenewedOnceAndTheCallCarriedOut) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->control("POST", "/_sim/expire-sessions");
    const Result r = freeSlotsResult(b);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(calls("Logon"), 2);
    EXPECT_EQ(calls("GetAppointmentSessions"), 3);
}

TEST_F(ErrorsTest, ASessionThatExpiresAgainAtOnceIsNotChasedForever) {
    auto& b = book();
    canned("GetAppointmentSessions", sessionsReply("<Outcome>0</Outcome><ErrorMessage>Session expired</ErrorMessage>"),
           200, 5);
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions refused: Session expired");
    EXPECT_EQ(calls("Logon"), 2);
    EXPECT_EQ(calls("GetAppointmentSessions"), 2);
}

TEST_F(ErrorsTest, WrongCredentialsArePermanentAndSayAccessDenied) {
    auto& b = bookWith(R"({"base_url": ")" + sim_->url() + R"(", "user": "clinhub-test", "password": "wrong"})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS Logon refused: Access denied");
    EXPECT_EQ(r.message.find("wrong"), std::string::npos);
}

TEST_F(ErrorsTest, AServerErrorIsRetryableAndQuotesTheFault) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->setFaults(R"({"error_rate": 1})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions: HTTP 500 'Internal error (simulated)'");
}

TEST_F(ErrorsTest, ADroppedConnectionIsRetryable) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->setFaults(R"({"drop_rate": 1})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("EMIS GetAppointmentSessions: POST 127.0.0.1:"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ATimeoutIsRetryable) {
    auto& b = book(R"("timeout_ms": 300)");
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->setFaults(R"({"latency_ms": 2000})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, ARefusedConnectionIsRetryable) {
    auto& b = book();
    sim_->stop();
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("connection refused"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, AMalformedReplyIsPermanentAndQuotesWhereItBroke) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->setFaults(R"({"malformed_rate": 1})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message.rfind("EMIS GetAppointmentSessions reply is not well-formed XML: ", 0), 0U) << r.message;
    EXPECT_NE(r.message.find(" at offset "), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(" near '"), std::string::npos) << r.message;
}

// The simulator streams 256 MiB without a Content-Length: the connector stops at its cap, not at the end.
TEST_F(ErrorsTest, AnOversizedReplyIsRefusedNamingTheCap) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    sim_->setFaults(R"({"oversize_mb": 256})");
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("EMIS GetAppointmentSessions: POST 127.0.0.1:"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(": the reply is larger than the 16 MiB a connector reads; refused unread"),
              std::string::npos)
        << r.message;
}

TEST_F(ErrorsTest, ARefusalsPatientDetailsAreScrubbed) {
    auto& b = book();
    canned("GetAppointmentSessions",
           sessionsReply("<Outcome>0</Outcome><ErrorMessage>No diary for 999 526 0182 (born 14/03/1956, mobile "
                         "07700 900123)</ErrorMessage>"));
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions refused: No diary for ### ### #### (born ##/##/####, mobile "
                         "##### ######)");
}

TEST_F(ErrorsTest, AReplyWithADoctypeIsRefusedBeforeParsing) {
    auto& b = book();
    canned("GetAppointmentSessions", R"(<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>)" +
                                         sessionsReply("<Outcome>1</Outcome><AppointmentSessionList/>"));
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions reply has a DOCTYPE, which is refused, at offset 21");
}

TEST_F(ErrorsTest, AReplyThatIsNotTheCallsResponseIsPermanent) {
    auto& b = book();
    canned("GetAppointmentSessions", envelope("<SomethingElse/>"));
    Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions reply has no <GetAppointmentSessionsResponse> in its soap:Body");

    canned("GetAppointmentSessions", sessionsReply("<AppointmentSessionList/>"));
    r = freeSlotsResult(b);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions reply has no Outcome");

    canned("GetAppointmentSessions", "<html>Service Unavailable</html>");
    r = freeSlotsResult(b);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions reply is not a SOAP envelope: its root element is <html>");
}

TEST_F(ErrorsTest, ASlotWithABadFieldIsPermanentNamingTheFieldAndValue) {
    auto& b = book();
    ASSERT_TRUE(freeSlotsResult(b).ok());
    canned("GetSlotsForSession",
           envelope(std::string(R"(<GetSlotsForSessionResponse xmlns=")") + kNamespace +
                    R"("><Outcome>1</Outcome><SlotList><Slot><DBID>1</DBID><Date>2030-01-01</Date>)"
                    "<StartTime>9.00am</StartTime><SlotLength>10</SlotLength><Type><Description>Flu clinic"
                    "</Description></Type><Status>Available</Status></Slot></SlotList></GetSlotsForSessionResponse>"));
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetSlotsForSession reply: Slot 1 has a bad StartTime '9.00am'");
}

TEST_F(ErrorsTest, AClientFaultIsPermanent) {
    auto& b = book();
    canned(
        "GetAppointmentSessions",
        envelope("<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Bad request</faultstring></soap:Fault>"),
        400);
    const Result r = freeSlotsResult(b);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS GetAppointmentSessions: HTTP 400 'Bad request'");
}

TEST_F(ErrorsTest, ConfigProblemsAreReportedAtTheirKeys) {
    const auto* info = host_.find("emis-xml");
    ASSERT_NE(info, nullptr);
    ASSERT_TRUE(info->checkConfig);
    const auto errors = info->checkConfig(R"({"base_url": "ftp://x", "user": "", "timeout_ms": 5})");
    std::vector<std::string> pointers;
    for (const auto& e : errors)
        pointers.push_back(e.pointer);
    EXPECT_EQ(pointers, (std::vector<std::string>{"/base_url", "/user", "/password", "/timeout_ms"}));
    std::string error;
    EXPECT_EQ(host_.create("bad", "emis-xml", R"({"user": "u", "password": "p"})", error), nullptr);
    EXPECT_NE(error.find("/base_url"), std::string::npos) << error;
}

TEST_F(ErrorsTest, TheLogNamesNoPatient) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    sim_->setFaults(R"({"after_commit_rate": 1})");
    testing::internal::CaptureStderr();
    Appointment a;
    const Result booked = b.book(slot.id, testy(), "", a);
    std::optional<Patient> found;
    const Result looked = b.findPatient("9995260182", found);
    sim_->control("POST", "/_sim/expire-sessions");
    const Result written = b.writeCode(testy(), "822931000000100", "Seasonal influenza vaccination declined");
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(booked.ok()) << booked.message;
    EXPECT_TRUE(looked.ok()) << looked.message;
    EXPECT_FALSE(written.ok()); // its reply was lost too
    // The log did say something, and named the slot.
    EXPECT_NE(log.find(slot.id), std::string::npos) << log;
    for (const char* secret : {"9995260182", "999 526 0182", "Testy", "McTestface", "1956-03-14", "7700900123",
                               "07700 900123", "not-a-real-password"})
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
}

} // namespace
} // namespace emistest

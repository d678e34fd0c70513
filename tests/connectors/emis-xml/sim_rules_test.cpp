// The Partner API's rules as emis_sim enforces them, spoken to directly: what the connector must obey
// (and does, or the other tests would fail against this same simulator).
#include "EmisFixture.h"

#include <thread>

namespace emistest {
namespace {

using SimRulesTest = EmisTest;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(SimRulesTest, EveryCallButLogonNeedsALiveSession) {
    auto [status, body] = soap("GetMatchedPatient", "<NhsNumber>9995260182</NhsNumber>");
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(contains(body, "<Outcome>0</Outcome><ErrorMessage>Session expired</ErrorMessage>")) << body;
    std::tie(status, body) =
        soap("GetMatchedPatient", "<SessionId>" + logon() + "</SessionId><NhsNumber>9995260182</NhsNumber>");
    EXPECT_TRUE(contains(body, "<Outcome>1</Outcome>")) << body;
}

TEST_F(SimRulesTest, LogonWithWrongCredentialsIsAccessDenied) {
    const auto [status, body] = soap("Logon", "<UserName>clinhub-test</UserName><Password>guess</Password>");
    EXPECT_TRUE(contains(body, "<ErrorMessage>Access denied</ErrorMessage>")) << body;
}

TEST_F(SimRulesTest, AnIdleSessionExpires) {
    sim_.reset();
    sim_ = std::make_unique<clinhub::test::SimProcess>(
        EMIS_SIM,
        std::vector<std::string>{"--fixture", std::string(CLINHUB_SOURCE_DIR) + "/tests/simulators/emis/fixture.json",
                                 "--session-ttl-s", "1"});
    const std::string session = logon();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto [status, body] =
        soap("GetMatchedPatient", "<SessionId>" + session + "</SessionId><NhsNumber>9995260182</NhsNumber>");
    EXPECT_TRUE(contains(body, "Session expired")) << body;
}

TEST_F(SimRulesTest, TheSoapActionMustNameTheCall) {
    const auto [status, body] = soap("Logon", "", std::string(kNamespace) + "/BookAppointment");
    EXPECT_EQ(status, 400);
    EXPECT_TRUE(contains(body, "<faultcode>soap:Client</faultcode>")) << body;
    EXPECT_TRUE(contains(body, "does not name the call Logon")) << body;
}

TEST_F(SimRulesTest, TheCallMustBeInTheMedicalRecordNamespace) {
    const auto [status, body] =
        post(R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
             R"(<Logon xmlns="urn:other"/></soap:Body></soap:Envelope>)",
             std::string(kNamespace) + "/Logon");
    EXPECT_EQ(status, 400);
    EXPECT_TRUE(contains(body, "is not in the namespace")) << body;
}

TEST_F(SimRulesTest, ARequestWithADoctypeIsRefused) {
    const auto [status, body] =
        post(R"(<!DOCTYPE x [<!ENTITY e "e">]><soap:Envelope/>)", std::string(kNamespace) + "/Logon");
    EXPECT_EQ(status, 400);
    EXPECT_TRUE(contains(body, "DTDs are not accepted")) << body;
}

TEST_F(SimRulesTest, BookingChecksTheSlotAndThePatient) {
    const std::string s = "<SessionId>" + logon() + "</SessionId>";
    EXPECT_TRUE(contains(soap("BookAppointment", s + "<SlotId>1</SlotId><PatientId>5001</PatientId>").second,
                         "Slot not found"));
    EXPECT_TRUE(contains(soap("BookAppointment", s + "<SlotId>200001</SlotId><PatientId>42</PatientId>").second,
                         "Patient not found"));
    EXPECT_TRUE(
        contains(soap("BookAppointment", s + "<PatientId>5001</PatientId>").second, "Missing parameter SlotId"));
    EXPECT_TRUE(contains(soap("CancelAppointment", s + "<SlotId>200001</SlotId><PatientId>5001</PatientId>").second,
                         "Slot is not booked"));
    EXPECT_EQ(appointments()->size(), 0U);
}

TEST_F(SimRulesTest, SessionDatesMustBeDatesInOrder) {
    const std::string s = "<SessionId>" + logon() + "</SessionId>";
    EXPECT_TRUE(contains(
        soap("GetAppointmentSessions", s + "<StartDate>tomorrow</StartDate><EndDate>2030-01-01</EndDate>").second,
        "Invalid date in StartDate"));
    EXPECT_TRUE(contains(
        soap("GetAppointmentSessions", s + "<StartDate>2030-01-02</StartDate><EndDate>2030-01-01</EndDate>").second,
        "EndDate is before StartDate"));
}

TEST_F(SimRulesTest, FileRecordNeedsASnomedCodeWithItsCheckDigitAndAGuid) {
    const std::string s = "<SessionId>" + logon() + "</SessionId><PatientId>5001</PatientId>";
    auto event = [](const std::string& guid, const std::string& scheme, const std::string& code) {
        return "<MedicalRecord><EventList><Event><GUID>" + guid +
               "</GUID><AssignedDate>2030-01-01</AssignedDate><Code><Value>" + code + "</Value><Scheme>" + scheme +
               "</Scheme><Term>Term</Term></Code></Event></EventList></MedicalRecord>";
    };
    EXPECT_TRUE(
        contains(soap("FileRecord", s + event("g", "READ2", "822931000000100")).second, "Unsupported code scheme"));
    EXPECT_TRUE(
        contains(soap("FileRecord", s + event("", "SNOMED", "822931000000100")).second, "Event GUID is required"));
    EXPECT_TRUE(
        contains(soap("FileRecord", s + event("g", "SNOMED", "822931000000109")).second, "Invalid SNOMED CT code"));
    EXPECT_TRUE(
        contains(soap("FileRecord", s + event("g", "SNOMED", "822931000000100")).second, "<Outcome>1</Outcome>"));
    EXPECT_TRUE(
        contains(soap("FileRecord", s + event("g", "SNOMED", "822931000000100")).second, "<Outcome>1</Outcome>"));
    EXPECT_EQ(records()->size(), 1U);
}

TEST_F(SimRulesTest, GetMatchedPatientRefusesAnInvalidNhsNumber) {
    const std::string s = "<SessionId>" + logon() + "</SessionId>";
    EXPECT_TRUE(
        contains(soap("GetMatchedPatient", s + "<NhsNumber>9995260183</NhsNumber>").second, "Invalid NHS number"));
    EXPECT_TRUE(contains(soap("GetMatchedPatient", s + "<NhsNumber>9990166137</NhsNumber>").second,
                         "<PatientList></PatientList>"));
}

} // namespace
} // namespace emistest

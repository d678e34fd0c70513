// How every remote outcome maps to a result: transport trouble and 5xx are retryable; refusals, a search
// that leaves targets out, and replies that cannot be read are permanent and say what was wrong, without
// anything of the patient's.
#include "ImmunisationFixture.h"

namespace {

using namespace clinhub::test;
using clinhub::Status;

using ErrorsTest = ImmunisationTest;

const std::string kEmptySearchset = R"({"resourceType": "Bundle", "type": "searchset", "entry": [], "total": 0})";

std::string searchset(const std::string& immunization) {
    return R"({"resourceType": "Bundle", "type": "searchset", "entry": [{"fullUrl": "urn:uuid:1",
        "resource": )" +
           immunization + R"(, "search": {"mode": "match"}}]})";
}

std::string immunization(const std::string& diseases, const std::string& occurred = "2022-05-01T10:00:00+00:00") {
    return R"({"resourceType": "Immunization", "id": "abc-1", "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://snomed.info/sct", "code": "1234", "display": "Vaccine"}]},
        "occurrenceDateTime": ")" +
           occurred + R"(",
        "protocolApplied": [{"targetDisease": [)" +
           diseases + R"(], "doseNumberPositiveInt": 1}]})";
}

std::string disease(const std::string& code) {
    return R"({"coding": [{"system": "http://snomed.info/sct", "code": ")" + code + R"("}]})";
}

TEST_F(ErrorsTest, ATypeThisApplicationMayNotReadIsPermanentAndNamed) {
    auto& r = records();
    const auto h = history(r, kModerna, {"HPV"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("HTTP 403"), std::string::npos) << h.result.message;
    EXPECT_NE(h.result.message.find("not authorised to search HPV"), std::string::npos) << h.result.message;
    EXPECT_TRUE(h.doses.empty());
}

TEST_F(ErrorsTest, ASearchThatQuietlyLeavesATypeOutIsPermanentNotPartial) {
    auto& r = records();
    // The real API answers 200 with the types it may show and names them in its self link.
    const auto h = history(r, kModerna, {"COVID", "HPV"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("left HPV out of the search"), std::string::npos) << h.result.message;
    EXPECT_TRUE(h.doses.empty()) << "half an answer would read as 'no HPV doses'";
}

TEST_F(ErrorsTest, ASearchTheApiRefusesIsPermanentWithItsDiagnostics) {
    auto& r = records();
    auto h = history(r, kVaccinated, {"SMALLPOX"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(
        h.result.message.find("HTTP 400, the search was refused: invalid: immunization-target must be one or more"),
        std::string::npos)
        << h.result.message;
    cannedReply(400, outcome("invalid", "Search parameter patient.identifier must be a valid NHS number 9995260182."));
    h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("must be a valid NHS number"), std::string::npos) << h.result.message;
    EXPECT_EQ(h.result.message.find("9995260182"), std::string::npos) << "an echoed NHS number is masked";
}

TEST_F(ErrorsTest, A404IsAWrongBaseUrlNotAPatientWithoutDoses) {
    auto& r = records();
    cannedReply(404, outcome("not-found", "Resource not found"));
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("check base_url"), std::string::npos) << h.result.message;
    auto& wrong = records(config().replace(config().find("/immunisation-fhir-api"), 22, "/wrong"));
    const auto w = history(wrong, kVaccinated, {"COVID"});
    EXPECT_EQ(w.result.status, Status::permanent) << w.result.message;
    EXPECT_NE(w.result.message.find("HTTP 404"), std::string::npos) << w.result.message;
}

TEST_F(ErrorsTest, ServerErrorsAndRateLimitsAreRetryable) {
    auto& r = records();
    sim_->setFaults(R"({"error_rate": 1})");
    auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::retryable);
    EXPECT_NE(h.result.message.find("HTTP 500"), std::string::npos) << h.result.message;
    sim_->clearFaults();
    for (const int status : {502, 503, 504, 429, 408}) {
        cannedReply(status, "<html><body>try later</body></html>", "text/html");
        EXPECT_EQ(history(r, kVaccinated, {"COVID"}).result.status, Status::retryable) << status;
    }
}

TEST_F(ErrorsTest, ATimeoutIsRetryable) {
    auto& r = records(config("", 300));
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok()); // the token is cached: the search times out
    sim_->setFaults(R"({"latency_ms": 1200})");
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::retryable);
    EXPECT_NE(h.result.message.find("timed out"), std::string::npos) << h.result.message;
}

TEST_F(ErrorsTest, ADroppedOrRefusedConnectionIsRetryable) {
    auto& r = records();
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    sim_->setFaults(R"({"drop_rate": 1})");
    EXPECT_EQ(history(r, kVaccinated, {"COVID"}).result.status, Status::retryable);
    sim_->stop();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::retryable);
    EXPECT_NE(h.result.message.find("connection refused"), std::string::npos) << h.result.message;
}

TEST_F(ErrorsTest, AMalformedReplyIsPermanentAndQuotesIt) {
    auto& r = records();
    sim_->setFaults(R"({"malformed_rate": 1})");
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("search reply is not valid JSON"), std::string::npos) << h.result.message;
    EXPECT_NE(h.result.message.find("'{\"entry\""), std::string::npos) << h.result.message;
    EXPECT_EQ(h.result.message.find("9995260182"), std::string::npos) << h.result.message;
    EXPECT_TRUE(h.doses.empty());
}

TEST_F(ErrorsTest, AReplyThatIsNotASearchsetIsPermanent) {
    auto& r = records();
    cannedReply(200, R"({"resourceType": "Patient", "id": "1"})");
    auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("is not a Bundle but a Patient"), std::string::npos) << h.result.message;
    cannedReply(200, R"({"resourceType": "Bundle", "type": "collection"})");
    h = history(r, kVaccinated, {"COVID"});
    EXPECT_NE(h.result.message.find("not a searchset"), std::string::npos) << h.result.message;
    cannedReply(200, "[1, 2]");
    h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("JSON that is not an object"), std::string::npos) << h.result.message;
    cannedReply(200, "");
    EXPECT_NE(history(r, kVaccinated, {"COVID"}).result.message.find("an empty body"), std::string::npos);
    cannedReply(200, R"({"resourceType": "Bundle", "type": "searchset", "entry": {"resource": {}}})");
    EXPECT_NE(history(r, kVaccinated, {"COVID"}).result.message.find("entry that is not a list"), std::string::npos);
    cannedReply(200, kEmptySearchset);
    EXPECT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
}

TEST_F(ErrorsTest, AReplyAboutAnotherPatientIsRefused) {
    auto& r = records();
    cannedReply(200, R"({"resourceType": "Bundle", "type": "searchset", "entry": [{"fullUrl": "urn:uuid:p",
        "resource": {"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9991590838"}]}, "search": {"mode": "include"}}]})");
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("about another patient"), std::string::npos) << h.result.message;
    EXPECT_EQ(h.result.message.find("9991590838"), std::string::npos) << h.result.message;
}

TEST_F(ErrorsTest, ARecordOfUnknownDiseaseCodesIsTheOneTypeSearched) {
    auto& r = records();
    cannedReply(200, searchset(immunization(disease("999999999"))));
    const auto h = history(r, kVaccinated, {"PERTUSSIS"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 1U);
    EXPECT_EQ(h.doses[0].target, "PERTUSSIS");
    EXPECT_EQ(h.doses[0].occurredOn, "2022-05-01");
}

TEST_F(ErrorsTest, AMeaslesOnlyRecordIsMmrWhenThatIsTheOnlyTypeItCouldBe) {
    auto& r = records();
    cannedReply(200, searchset(immunization(disease("14189004"))));
    const auto h = history(r, kVaccinated, {"FLU", "MMR"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 1U);
    EXPECT_EQ(h.doses[0].target, "MMR");
}

TEST_F(ErrorsTest, ARecordThatCannotBeAttributedIsPermanent) {
    auto& r = records();
    cannedReply(200, searchset(immunization(disease("999999999"))));
    const auto h = history(r, kVaccinated, {"COVID", "FLU"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(
        h.result.message.find("Immunization/abc-1 whose targetDisease (999999999) does not say which of COVID, FLU"),
        std::string::npos)
        << h.result.message;
}

TEST_F(ErrorsTest, ACompletedRecordWithoutADateIsPermanent) {
    auto& r = records();
    cannedReply(200, searchset(immunization(disease("6142004"), "last autumn")));
    const auto h = history(r, kVaccinated, {"FLU"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("Immunization/abc-1 without a usable occurrenceDateTime"), std::string::npos)
        << h.result.message;
    EXPECT_EQ(h.result.message.find("last autumn"), std::string::npos);
}

} // namespace

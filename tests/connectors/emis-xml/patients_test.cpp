// Patients by NHS number (GetMatchedPatient) and coded entries (FileRecord).
#include "EmisFixture.h"

namespace emistest {
namespace {

using PatientsTest = EmisTest;

const char* const kDeclined = "822931000000100";
const char* const kDeclinedTerm = "Seasonal influenza vaccination declined";

TEST_F(PatientsTest, FindPatientGivesTheBooksPatientWithItsOwnId) {
    auto& b = book();
    std::optional<Patient> found;
    const Result r = b.findPatient("999 526 0182", found);
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->nhsNumber, "9995260182");
    EXPECT_EQ(found->dateOfBirth, "1956-03-14");
    EXPECT_EQ(found->mobile, "+447700900123");
    EXPECT_EQ(found->name, "Testy McTestface");
    EXPECT_EQ(found->bookId, "5001");
}

TEST_F(PatientsTest, APatientWithoutAMobileIsFoundWithoutOne) {
    auto& b = book();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient("9996281949", found).ok());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mobile, "");
    EXPECT_EQ(found->bookId, "5006");
}

TEST_F(PatientsTest, AnNhsNumberNotInTheBookFindsNobody) {
    auto& b = book();
    std::optional<Patient> found = Patient{};
    const Result r = b.findPatient(kUnknownNhsNumber, found);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_FALSE(found.has_value());
}

TEST_F(PatientsTest, AnInvalidNhsNumberIsPermanentAndNotSent) {
    auto& b = book();
    std::optional<Patient> found;
    const Result r = b.findPatient("9995260183", found);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "not a valid NHS number");
    EXPECT_EQ(calls("GetMatchedPatient"), 0);
}

TEST_F(PatientsTest, AMatchWithAnotherNhsNumberIsRefused) {
    auto& b = book();
    canned("GetMatchedPatient",
           std::string(R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
                       R"(<GetMatchedPatientResponse xmlns=")") +
               kNamespace +
               R"("><Outcome>1</Outcome><PatientList><Patient><DBID>5002</DBID><NhsNumber>9991590838</NhsNumber>)"
               "<FirstNames>Example</FirstNames><FamilyName>Patient</FamilyName><DateOfBirth>1982-11-02</DateOfBirth>"
               "</Patient></PatientList></GetMatchedPatientResponse></soap:Body></soap:Envelope>");
    std::optional<Patient> found;
    const Result r = b.findPatient("9995260182", found);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_FALSE(found.has_value());
    EXPECT_EQ(r.message.find("9991590838"), std::string::npos) << r.message;
}

TEST_F(PatientsTest, WriteCodeFilesASnomedEventForThePatientDatedToday) {
    auto& b = book();
    const Result r = b.writeCode(testy(), kDeclined, kDeclinedTerm);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto filed = records();
    ASSERT_EQ(filed->size(), 1U);
    const auto entry = filed->getObject(0);
    EXPECT_EQ(entry->getValue<std::string>("patient_id"), "5001");
    EXPECT_EQ(entry->getValue<std::string>("code"), kDeclined);
    EXPECT_EQ(entry->getValue<std::string>("term"), kDeclinedTerm);
    EXPECT_EQ(entry->getValue<std::string>("date"), kit::isoDate(tomorrow() - std::chrono::days{1}));
    EXPECT_EQ(entry->getValue<std::string>("guid").size(), 36U);
}

TEST_F(PatientsTest, DifferentCodesForOnePatientAreFiledSeparately) {
    auto& b = book();
    ASSERT_TRUE(b.writeCode(testy(), kDeclined, kDeclinedTerm).ok());
    ASSERT_TRUE(b.writeCode(testy(), "1240781000000106", "Invitation for seasonal influenza vaccination").ok());
    ASSERT_TRUE(b.writeCode(example(), kDeclined, kDeclinedTerm).ok());
    EXPECT_EQ(records()->size(), 3U);
}

TEST_F(PatientsTest, ACodeWithAWrongCheckDigitIsRefusedByEmis) {
    auto& b = book();
    const Result r = b.writeCode(testy(), "822931000000101", kDeclinedTerm);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message, "EMIS FileRecord refused: Invalid SNOMED CT code");
    EXPECT_EQ(records()->size(), 0U);
}

TEST_F(PatientsTest, ACodeThatIsNotAConceptIdOrHasNoTermIsRefusedUnsent) {
    auto& b = book();
    EXPECT_EQ(b.writeCode(testy(), "flu", kDeclinedTerm).status, Status::permanent);
    EXPECT_EQ(b.writeCode(testy(), kDeclined, "").status, Status::permanent);
    EXPECT_EQ(calls("FileRecord"), 0);
}

TEST_F(PatientsTest, WriteCodeForAPatientNotInTheBookIsPermanent) {
    auto& b = book();
    const Result r = b.writeCode(withNhs(kUnknownNhsNumber), kDeclined, kDeclinedTerm);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(calls("FileRecord"), 0);
}

} // namespace
} // namespace emistest

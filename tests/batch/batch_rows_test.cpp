// One verdict per row of a Batch Self-Book list, through the whole CSV path: every validation vector of
// docs/domain.md ("Validation rules and test vectors"), the columns each book style needs, duplicates and counts.
#include "hub/batch/BatchRows.h"
#include "tests/batch/TestLists.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using namespace clinhub::batch;
using clinhub::test::csvOf;
using clinhub::test::testMobile;
using clinhub::test::testNhsNumber;

const std::string kToday = "2024-06-01";
const std::vector<std::string> kSystmOne{"NHS Number", "Mobile Number", "Date of Birth", "Name"};

struct Result {
    std::vector<Row> rows;
    Counts counts;
};

Result validate(ListColumns style, const std::string& csv) {
    std::istringstream in(csv);
    Result result;
    result.counts =
        validateCsv(in, style, kToday, kDefaultMaxBytes, [&](const Row& row) { result.rows.push_back(row); });
    return result;
}

// One SystmOne-style row per value, the value in `column` and every other column valid.
std::vector<Row> systmOneRowsWith(std::size_t column, const std::vector<std::string>& values) {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::vector<std::string> row{testNhsNumber(static_cast<int>(i)), testMobile(static_cast<int>(i)), "1990-02-01",
                                     "Test"};
        row[column] = values[i];
        rows.push_back(row);
    }
    return validate(ListColumns::withContacts, csvOf(kSystmOne, rows)).rows;
}

// Each value, put in `column` of one row of a SystmOne-style list, gets the reason paired with it ("" when
// the row can be sent).
void expectReasons(std::size_t column, const std::vector<std::pair<std::string, std::string>>& expected) {
    std::vector<std::string> values;
    for (const auto& [value, reason] : expected)
        values.push_back(value);
    const auto rows = systmOneRowsWith(column, values);
    ASSERT_EQ(rows.size(), expected.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        EXPECT_EQ(rows[i].reason, expected[i].second) << expected[i].first;
}

FileError fileError(ListColumns style, const std::string& csv) {
    try {
        validate(style, csv);
    } catch (const FileError& e) {
        return e;
    }
    ADD_FAILURE() << "no FileError for " << csv;
    return FileError(0, 0, "none");
}

TEST(Header, MatchesColumnsIgnoringCaseSpacingAndAByteOrderMark) {
    const auto result =
        validate(ListColumns::withContacts, "\xEF\xBB\xBF nhs  NUMBER ,MOBILE_number,\"Date\xC2\xA0Of Birth\",name\r\n"
                                            "9995260182,07700900123,1990-02-01,Test\r\n");
    ASSERT_EQ(result.rows.size(), 1U);
    EXPECT_TRUE(result.rows[0].accepted()) << result.rows[0].reason;
    EXPECT_EQ(result.rows[0].name, "Test");
}

TEST(Header, AcceptsTheNamesSystmOneAndSpreadsheetsUse) {
    for (const std::vector<std::string>& header :
         {std::vector<std::string>{"NHS Number", "Telecom Number", "DOB", "Patient Name"},
          {"NHS number", "Mobile Telephone", "Date of birth", "Forename"},
          {"NHS No", "Mobile", "date_of_birth", "First Name"}}) {
        const auto rows =
            validate(ListColumns::withContacts, csvOf(header, {{"9995260182", "07700900123", "01/02/1990", "Test"}}))
                .rows;
        ASSERT_EQ(rows.size(), 1U);
        EXPECT_TRUE(rows[0].accepted()) << header[1] << ": " << rows[0].reason;
        EXPECT_EQ(rows[0].name, "Test") << header[3];
    }
}

TEST(Header, NamesTheMissingColumnsAndTheColumnsFound) {
    const auto e = fileError(ListColumns::withContacts, "NHS Number,Name,Notes\n9995260182,Test,x\n");
    EXPECT_EQ(std::string(e.what()),
              "row 1 (line 1): no Mobile Number, Date of Birth columns: this organisation's lists (batch_csv: "
              "with_contacts) "
              "need NHS Number, Mobile Number and Date of Birth (this row has: NHS Number, "
              "Name, Notes)");
    EXPECT_EQ(fileError(ListColumns::nhsNumberOnly, "\nPatient,Mobile\n1,2\n").problem,
              "no NHS Number column: this organisation's lists (batch_csv: nhs_number_only) need NHS Number (this row "
              "has: Patient, Mobile)");
}

TEST(Header, AnEmisListNeedsOnlyTheNhsNumber) {
    const auto rows = validate(ListColumns::nhsNumberOnly, "NHS Number\n9995260182\n").rows;
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_TRUE(rows[0].accepted());
    EXPECT_EQ(rows[0].nhsNumber, "9995260182");
    EXPECT_TRUE(rows[0].mobile.empty());
    EXPECT_TRUE(rows[0].dateOfBirth.empty());
}

TEST(Header, AColumnGivenTwiceIsRefused) {
    EXPECT_EQ(fileError(ListColumns::withContacts, "NHS Number,Mobile,DOB,Telecom Number\n1,2,3,4\n").problem,
              "columns 2 ('Mobile') and 4 ('Telecom Number') are both the Mobile Number: keep one");
}

TEST(NhsNumber, EveryValidVectorCanBeSentWithoutItsSpaces) {
    const std::vector<std::string> valid{"9995260182", "9991590838", "9990166137",
                                         "9990000018", "9990000026", "9990000050"};
    const auto rows = systmOneRowsWith(0, valid);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_TRUE(rows[i].accepted()) << valid[i] << ": " << rows[i].reason;
        EXPECT_EQ(rows[i].nhsNumber, valid[i]);
    }
    EXPECT_EQ(systmOneRowsWith(0, {"999 526 0182"}).at(0).nhsNumber, "9995260182");
}

TEST(NhsNumber, ANumberWhoseCheckDigitWouldBeTenIsRefused) {
    std::vector<std::string> numbers{"9999378650"};
    for (int last = 0; last <= 9; ++last)
        numbers.push_back("999000000" + std::to_string(last));
    for (const auto& row : systmOneRowsWith(0, numbers))
        EXPECT_EQ(row.reason, "not a valid NHS number: no number with these first nine digits exists") << row.fields[0];
}

TEST(NhsNumber, AWrongCheckDigitIsRefused) {
    expectReasons(0, {{"9995260183", "not a valid NHS number: the last digit (check digit) is wrong"},
                      {"9990000010", "not a valid NHS number: the last digit (check digit) is wrong"}});
}

TEST(NhsNumber, TheWrongShapeIsRefusedSayingWhy) {
    // 9.99526E+09 is how Excel shows a long number it was not told is text.
    expectReasons(0, {{"999526018", "NHS number must be 10 digits (it has 9)"},
                      {"99952601822", "NHS number must be 10 digits (it has 11)"},
                      {"TP12345678", "NHS number can only contain digits"},
                      {"", "NHS number is missing"},
                      {"9.99526E+09", "NHS number can only contain digits"}});
}

TEST(Mobile, EveryFormNotifyAcceptsCanBeSentAsE164) {
    const std::vector<std::string> forms{"07700900123",      "07700-900-123", "7700900123",         "00447700900123",
                                         "00 44 7700900123", "+447700900123", "+44 (0)7700 900 123"};
    for (const auto& row : systmOneRowsWith(1, forms)) {
        EXPECT_TRUE(row.accepted()) << row.fields[1] << ": " << row.reason;
        EXPECT_EQ(row.mobile, "+447700900123") << row.fields[1];
    }
}

TEST(Mobile, TooLongTooShortLandlineBadCharactersAndMissingAreRefused) {
    expectReasons(1, {{"0770090012310", "mobile number is too long"},
                      {"0770090012", "mobile number is too short"},
                      {"00447700900", "mobile number is too short"},
                      {"0117 496 0860", "not a UK mobile number (it looks like a landline)"},
                      {"020 7946 0991", "not a UK mobile number (it looks like a landline)"},
                      {"07700x900123", "mobile number can only include 0-9 ( ) + -"},
                      {"07\";DROP TABLE;\"", "mobile number can only include 0-9 ( ) + -"},
                      {"", "mobile number is missing"}});
}

TEST(Mobile, AnInternationalNumberCannotBeSent) {
    expectReasons(1, {{"+12025550104", "not a UK mobile number: international numbers cannot be sent to"}});
}

TEST(DateOfBirth, AllThreeFormatsAreReadAsTheSameDate) {
    for (const auto& row : systmOneRowsWith(2, {"1990-02-01", "19900201", "01/02/1990"})) {
        EXPECT_TRUE(row.accepted()) << row.fields[2] << ": " << row.reason;
        EXPECT_EQ(row.dateOfBirth, "1990-02-01");
    }
}

TEST(DateOfBirth, TheTwentyNinthOfFebruaryIsRealOnlyInALeapYear) {
    expectReasons(2, {{"29/02/2024", ""},
                      {"2000-02-29", ""},
                      {"29/02/2023", "date of birth is not a real date"},
                      {"19000229", "date of birth is not a real date"}});
}

TEST(DateOfBirth, FutureImpossibleAndMisshapenDatesAreRefused) {
    expectReasons(2, {{"2024-06-02", "date of birth is in the future"},
                      {kToday, ""},
                      {"31/04/1990", "date of birth is not a real date"},
                      {"1990-13-01", "date of birth is not a real date"},
                      {"01/02/90", "date of birth must be written YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY"},
                      {"1 Feb 1990", "date of birth must be written YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY"},
                      {"", "date of birth is missing"}});
}

TEST(Duplicates, ARepeatedNhsNumberNamesTheRowItRepeats) {
    const auto result =
        validate(ListColumns::nhsNumberOnly, "NHS Number\n9995260182\n9991590838\n\n999 526 0182\n9995260182\n");
    ASSERT_EQ(result.rows.size(), 4U);
    EXPECT_TRUE(result.rows[1].accepted());
    EXPECT_EQ(result.rows[2].row, 5);
    EXPECT_EQ(result.rows[2].reason, "duplicate of row 2");
    EXPECT_EQ(result.rows[2].duplicateOf, 2);
    EXPECT_EQ(result.rows[3].reason, "duplicate of row 2");
    EXPECT_EQ(result.counts.byReason, (std::map<std::string, int64_t>{{"duplicate of an earlier row", 2}}));
}

TEST(Duplicates, ARepeatOfARowThatCannotBeSentIsJudgedOnItsOwn) {
    const auto rows =
        validate(ListColumns::withContacts, csvOf(kSystmOne, {{"9995260182", "0117 496 0860", "1990-02-01", ""},
                                                              {"9995260182", "07700900123", "1990-02-01", ""},
                                                              {"9995260182", "07700900124", "1990-02-01", ""}}))
            .rows;
    EXPECT_EQ(rows[0].reason, "not a UK mobile number (it looks like a landline)");
    EXPECT_TRUE(rows[1].accepted()) << rows[1].reason;
    EXPECT_EQ(rows[2].reason, "duplicate of row 3");
}

TEST(Rows, AnEmisRowIsCheckedForItsNhsNumberOnly) {
    const auto rows =
        validate(ListColumns::nhsNumberOnly, "NHS Number,Mobile,DOB\n9995260182,landline,32/13/1990\n").rows;
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_TRUE(rows[0].accepted()) << rows[0].reason;
}

TEST(Rows, KeepTheFieldsAsUploadedBesideTheNormalisedValues) {
    const auto rows =
        validate(ListColumns::withContacts, "Patient Name,Telecom Number,NHS Number,DOB\n"
                                            "\"Bloggs, Test\",+44 (0)7700 900 123,999 526 0182,01/02/1990\n")
            .rows;
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].fields,
              (std::vector<std::string>{"Bloggs, Test", "+44 (0)7700 900 123", "999 526 0182", "01/02/1990"}));
    EXPECT_EQ(rows[0].name, "Bloggs, Test");
    EXPECT_EQ(rows[0].mobile, "+447700900123");
    EXPECT_EQ(rows[0].nhsNumber, "9995260182");
    EXPECT_EQ(rows[0].dateOfBirth, "1990-02-01");
    EXPECT_EQ(rows[0].row, 2);
    EXPECT_EQ(rows[0].line, 2);
}

TEST(Rows, AWrongNumberOfFieldsIsAFileErrorNamingTheRowAndLine) {
    const auto more =
        fileError(ListColumns::nhsNumberOnly, "NHS Number,Name\n9995260182,\"Test\nTest\"\n9991590838,Bloggs, Test\n");
    EXPECT_EQ(std::string(more.what()), "row 3 (line 4): 3 fields where the header row has 2: a comma too many or too "
                                        "few, or a comma inside a field that is not quoted");
    EXPECT_EQ(fileError(ListColumns::nhsNumberOnly, "NHS Number,Name\r\n9995260182\r\n")
                  .problem.find("1 field where the header row has 2"),
              0U);
}

TEST(Counts, CountEveryReasonWithDuplicatesTogether) {
    const auto result =
        validate(ListColumns::withContacts, csvOf(kSystmOne, {{"9995260182", "07700900123", "1990-02-01", ""},
                                                              {"9995260182", "07700900123", "1990-02-01", ""},
                                                              {"9991590838", "07700900124", "1990-02-01", ""},
                                                              {"9991590838", "07700900124", "1990-02-01", ""},
                                                              {"9990166137", "", "1990-02-01", ""},
                                                              {"9990000018", "", "1990-02-01", ""},
                                                              {"9990000026", "07700900125", "", ""}}));
    EXPECT_EQ(result.counts.accepted, 2);
    EXPECT_EQ(result.counts.rejected, 5);
    EXPECT_EQ(result.counts.byReason, (std::map<std::string, int64_t>{{"duplicate of an earlier row", 2},
                                                                      {"mobile number is missing", 2},
                                                                      {"date of birth is missing", 1}}));
}

TEST(ValidateCsv, ReportsProgressInBytesReadAndTheHeaderFirst) {
    const std::string csv = "NHS Number\n9995260182\n";
    std::istringstream in(csv);
    std::vector<std::string> events;
    validateCsv(
        in, ListColumns::nhsNumberOnly, kToday, kDefaultMaxBytes,
        [&](const Row& row) { events.push_back("row " + row.nhsNumber); },
        [&](std::size_t bytes) { events.push_back("bytes " + std::to_string(bytes)); },
        [&](const std::vector<std::string>& header) { events.push_back("header " + header.at(0)); });
    EXPECT_EQ(events, (std::vector<std::string>{"header NHS Number", "row 9995260182", "bytes 22"}));
}

TEST(CsvWriter, QuotesEveryFieldAsRfc4180AndReadsBackTheSame) {
    const std::vector<std::string> fields{"plain", "a, comma", "say \"hi\"", "two\r\nlines", ""};
    std::ostringstream out;
    CsvWriter(out).write(fields);
    EXPECT_EQ(out.str(), "\"plain\",\"a, comma\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"\"\r\n");
    std::vector<std::string> back;
    CsvReader reader(kDefaultMaxBytes, [&](const Record& r) { back = r.fields; });
    reader.feed(out.str());
    EXPECT_EQ(back, fields);
}

TEST(CsvWriter, ForSpreadsheetsDisarmsACellExcelWouldRunAsAFormula) {
    std::ostringstream out;
    CsvWriter(out, CsvWriter::Cells::forSpreadsheets)
        .write({"=HYPERLINK(\"http://x.test\")", "+447700900123", "-1", "@SUM(A1)", "\tx", "\rx", "9995260182", "a=b",
                ""});
    EXPECT_EQ(out.str(), "\"'=HYPERLINK(\"\"http://x.test\"\")\",\"'+447700900123\",\"'-1\",\"'@SUM(A1)\",\"'\tx\","
                         "\"'\rx\",\"9995260182\",\"a=b\",\"\"\r\n");
}

TEST(ListColumns, AreNamedForWhatTheListHolds) {
    EXPECT_EQ(listColumnsFromString("nhs_number_only"), ListColumns::nhsNumberOnly);
    EXPECT_EQ(listColumnsFromString("with_contacts"), ListColumns::withContacts);
    EXPECT_EQ(listColumnsFromString("With-Contacts"), ListColumns::withContacts);
    EXPECT_EQ(toString(ListColumns::nhsNumberOnly), "nhs_number_only");
    EXPECT_EQ(toString(ListColumns::withContacts), "with_contacts");
    EXPECT_FALSE(isDeprecatedListWord("nhs_number_only"));
    EXPECT_FALSE(isDeprecatedListWord("with_contacts"));
    EXPECT_EQ(listColumnsFromString("vision"), std::nullopt);
    EXPECT_EQ(listColumnsFromString(""), std::nullopt);
    EXPECT_FALSE(isDeprecatedListWord("vision"));
}

TEST(ListColumns, TheBookStyleWordsOfEarlierVersionsStillReadAsDeprecated) {
    for (const char* word : {"emis", "EMIS", "emis-xml"}) {
        EXPECT_EQ(listColumnsFromString(word), ListColumns::nhsNumberOnly) << word;
        EXPECT_TRUE(isDeprecatedListWord(word)) << word;
    }
    for (const char* word : {"systmone", "SystmOne", "systmone-xml", "TPP"}) {
        EXPECT_EQ(listColumnsFromString(word), ListColumns::withContacts) << word;
        EXPECT_TRUE(isDeprecatedListWord(word)) << word;
    }
}

} // namespace

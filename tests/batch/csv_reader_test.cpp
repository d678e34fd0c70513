// The CSV reader: RFC 4180 in any chunking, spreadsheet row numbers with physical lines, and a clear error
// naming the row for every kind of malformed file (docs/domain.md, "CSV files").
#include "hub/batch/CsvReader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace clinhub::batch;

constexpr std::size_t kWhole = std::numeric_limits<std::size_t>::max();

// Every non-blank record of `text`, fed in chunks of `chunk` bytes.
std::vector<Record> read(std::string_view text, std::size_t chunk = kWhole, std::size_t maxBytes = kDefaultMaxBytes) {
    std::vector<Record> records;
    CsvReader reader(maxBytes, [&](const Record& r) { records.push_back(r); });
    for (std::size_t at = 0; at < text.size(); at += std::min(chunk, text.size() - at))
        reader.feed(text.substr(at, std::min(chunk, text.size() - at)));
    reader.finish();
    return records;
}

std::optional<FileError> errorOf(std::string_view text, std::size_t chunk, std::size_t maxBytes = kDefaultMaxBytes) {
    try {
        read(text, chunk, maxBytes);
    } catch (const FileError& e) {
        return e;
    }
    return std::nullopt;
}

// The error reading `text` gives, the same whether fed whole or byte by byte.
FileError failure(std::string_view text) {
    const auto whole = errorOf(text, kWhole);
    const auto bytewise = errorOf(text, 1);
    if (!whole || !bytewise) {
        ADD_FAILURE() << "no FileError for: " << text;
        return FileError(0, 0, "none");
    }
    EXPECT_STREQ(whole->what(), bytewise->what());
    return *whole;
}

std::vector<std::vector<std::string>> fieldsOf(const std::vector<Record>& records) {
    std::vector<std::vector<std::string>> out;
    for (const auto& r : records)
        out.push_back(r.fields);
    return out;
}

using Fields = std::vector<std::vector<std::string>>;

TEST(CsvReader, ReadsLfCrlfAndCrLineEndingsAlike) {
    const Fields expected{{"NHS Number", "Name"}, {"9995260182", "Test One"}, {"9991590838", "Test Two"}};
    for (const char* text : {"NHS Number,Name\n9995260182,Test One\n9991590838,Test Two\n",
                             "NHS Number,Name\r\n9995260182,Test One\r\n9991590838,Test Two\r\n",
                             "NHS Number,Name\r9995260182,Test One\r9991590838,Test Two",
                             "NHS Number,Name\n9995260182,Test One\n9991590838,Test Two"}) {
        for (std::size_t chunk : {kWhole, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
            const auto records = read(text, chunk);
            EXPECT_EQ(fieldsOf(records), expected) << text << " in chunks of " << chunk;
            ASSERT_EQ(records.size(), 3U);
            EXPECT_EQ(records[2].row, 3);
            EXPECT_EQ(records[2].line, 3);
        }
    }
}

TEST(CsvReader, StripsAUtf8ByteOrderMarkEvenWhenSplitAcrossChunks) {
    const std::string text = "\xEF\xBB\xBFNHS Number\n9995260182\n";
    for (std::size_t chunk : {kWhole, std::size_t{1}, std::size_t{2}, std::size_t{4}})
        EXPECT_EQ(fieldsOf(read(text, chunk)), (Fields{{"NHS Number"}, {"9995260182"}})) << chunk;
    // Before a quoted heading too, where a mark left in place would be a stray quote.
    EXPECT_EQ(fieldsOf(read("\xEF\xBB\xBF\"NHS Number\"\n9995260182\n")), (Fields{{"NHS Number"}, {"9995260182"}}));
}

TEST(CsvReader, KeepsQuotedCommasLineBreaksAndDoubledQuotes) {
    const auto records = read("Name,Note\n\"Bloggs, Test\",\"first line\r\nsecond line\"\n\"say \"\"hi\"\"\",\"\"\n");
    EXPECT_EQ(fieldsOf(records),
              (Fields{{"Name", "Note"}, {"Bloggs, Test", "first line\r\nsecond line"}, {"say \"hi\"", ""}}));
}

TEST(CsvReader, NumbersRowsAsASpreadsheetDoesAndLinesAsAnEditorDoes) {
    // Row 2 spans lines 2-4; row 3 is blank; row 4 starts on line 6.
    const auto records = read("NHS Number,Note\r\n9995260182,\"a\r\nb\r\nc\"\r\n\r\n9991590838,d\r\n");
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[1].row, 2);
    EXPECT_EQ(records[1].line, 2);
    EXPECT_EQ(records[2].row, 4);
    EXPECT_EQ(records[2].line, 6);
}

TEST(CsvReader, SkipsBlankRowsBetweenAndAfterThePatients) {
    const auto records = read("NHS Number,Name\n\n9995260182,A\n,\n \t, \n\"\",\"\"\n9991590838,B\n\n\r\n,,\n\n");
    EXPECT_EQ(fieldsOf(records), (Fields{{"NHS Number", "Name"}, {"9995260182", "A"}, {"9991590838", "B"}}));
    EXPECT_EQ(records[1].row, 3);
    EXPECT_EQ(records[2].row, 7);
}

TEST(CsvReader, AnUnterminatedQuoteNamesTheRowAndTheLineItStartsOn) {
    const auto e = failure("NHS Number,Name\n9995260182,A\n9991590838,\"B\nmore\nand more\n");
    EXPECT_EQ(e.row, 3);
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(std::string(e.what()).rfind("row 3 (line 3): unterminated quote", 0), 0U) << e.what();
}

TEST(CsvReader, AQuoteInsideAnUnquotedFieldNamesTheRowAndLine) {
    const auto e = failure("NHS Number,Name\n9995260182,\"A\nB\"\n9991590838,Jo \"Test\" Bloggs\n");
    EXPECT_EQ(e.row, 3);
    EXPECT_EQ(e.line, 4);
    EXPECT_NE(e.problem.find("a quote (\") in the wrong place"), std::string::npos) << e.what();
}

TEST(CsvReader, TextAfterAClosingQuoteNamesTheRowAndLine) {
    const auto e = failure("NHS Number,Name\r\n9995260182,\"Test\"x\r\n");
    EXPECT_EQ(std::string(e.what()).rfind("row 2 (line 2): text after the closing quote", 0), 0U) << e.what();
}

TEST(CsvReader, BytesThatAreNotUtf8NameTheRowAndColumn) {
    // Windows-1252 "Zoë", as Excel's plain "CSV" saves it.
    const auto e = failure("NHS Number,Name\n9995260182,Test\n9991590838,Zo\xEB\n");
    EXPECT_EQ(e.row, 3);
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.problem, "the file is not UTF-8 text (byte 0xEB in column 'Name'): save it from the spreadsheet as "
                         "\"CSV UTF-8\"");
    EXPECT_EQ(failure("NHS Number,N\xE9\n").problem.find("the file is not UTF-8 text (byte 0xE9 in column 2)"), 0U);
}

TEST(CsvReader, RefusesOverlongSurrogateCutShortAndOutOfRangeUtf8) {
    for (const char* bad : {"\xC0\xAE", "\xED\xA0\x80", "\xE2\x82", "\xF5\x80\x80\x80", "\x80", "\xFF"}) {
        const auto e = failure(std::string("Name\n") + bad + "\n");
        EXPECT_EQ(e.row, 2) << bad;
        EXPECT_NE(e.problem.find("not UTF-8"), std::string::npos) << bad;
    }
}

TEST(CsvReader, AcceptsUtf8CharactersSplitAcrossChunks) {
    const std::string text = "Name\nZo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80\n";
    for (std::size_t chunk : {kWhole, std::size_t{1}, std::size_t{6}, std::size_t{8}})
        EXPECT_EQ(read(text, chunk).at(1).fields.at(0), "Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(CsvReader, AnEmptyFileIsAnErrorAtRowOne) {
    for (const char* empty : {"", "\xEF\xBB\xBF", "\n\n\r\n", ",,\n"}) {
        const auto e = failure(empty);
        EXPECT_EQ(std::string(e.what()), "row 1 (line 1): the file is empty: no header row and no patients") << empty;
    }
}

TEST(CsvReader, AHeaderWithoutPatientsIsAnError) {
    for (const char* headerOnly : {"NHS Number", "NHS Number\n", "NHS Number,Name\r\n\r\n,\r\n"})
        EXPECT_EQ(failure(headerOnly).problem, "the file has only its header row: no patients") << headerOnly;
}

TEST(CsvReader, AFileOverTheSizeLimitIsRefusedWhereTheLimitIsReached) {
    const std::string text = "NHS Number\n9995260182\n9991590838\n"; // 33 bytes
    EXPECT_EQ(read(text, kWhole, text.size()).size(), 3U);
    EXPECT_EQ(std::string(errorOf(text, kWhole, text.size() - 1)->what()),
              "row 1 (line 1): the file is larger than the limit of 32 bytes: split the list into smaller files");
    // Fed as it is read, the error says how far the reading got.
    EXPECT_EQ(errorOf(text, 1, text.size() - 1)->row, 3);
    EXPECT_EQ(errorOf(text, kWhole, 0)->problem.find("the file is larger than the limit of 0 bytes"), 0U);
    const auto big = errorOf(std::string(kDefaultMaxBytes + 1, ' '), kWhole);
    ASSERT_TRUE(big);
    EXPECT_NE(big->problem.find("limit of 20 MiB"), std::string::npos);
}

TEST(CsvReader, ARecordOfMoreColumnsThanASpreadsheetHoldsIsRefused) {
    const auto e = failure("NHS Number\n" + std::string(20000, ','));
    EXPECT_EQ(e.row, 2);
    EXPECT_NE(e.problem.find("more than 16384 columns"), std::string::npos);
}

TEST(CsvReader, AnErrorThrownByTheCallbackReachesTheCallerAndStopsTheReading) {
    int seen = 0;
    CsvReader reader(kDefaultMaxBytes, [&](const Record& r) {
        ++seen;
        if (r.row == 2) throw FileError(r.row, r.line, "refused");
    });
    EXPECT_THROW(reader.feed("a\nb\nc\nd\n"), FileError);
    EXPECT_EQ(seen, 2);
}

TEST(CsvReader, CountsTheBytesItRead) {
    CsvReader reader(kDefaultMaxBytes, [](const Record&) {});
    reader.feed("\xEF\xBB\xBFNHS Number\n");
    reader.feed("9995260182\n");
    EXPECT_EQ(reader.bytesRead(), 25U);
}

} // namespace

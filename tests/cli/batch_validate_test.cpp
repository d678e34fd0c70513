// `clinhub batch validate`: a Batch Self-Book list checked offline, as a practice manager would run it.
#include "tests/cli/HubProcess.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace clinhub::test {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name), std::ios::binary) << text;
    return dir.file(name);
}

const char* const kSystmOneList = "\xEF\xBB\xBFNHS Number,Telecom Number,Date of Birth,Patient Name\r\n"
                                  "9995260182,07700900123,01/02/1990,\"Bloggs, Test\"\r\n"
                                  "9991590838,0117 496 0860,1990-02-01,Test Two\r\n"
                                  "9995260182,07700900123,01/02/1990,Test Again\r\n"
                                  "9990000010,07700900124,1990-02-01,\"Test \"\"Three\"\"\"\r\n"
                                  "9990166137,07700900125,2099-01-01,Test Four\r\n"
                                  "9990000018,+44 (0)7700 900 126,29/02/2024,Test Five\r\n"
                                  "\r\n";

TEST(BatchValidate, CountsEveryVerdictAndWritesTheRowsThatCannotBeSentWithTheirReason) {
    TempDir dir;
    const auto list = write(dir, "list.csv", kSystmOneList);
    const auto result = runClinhub(
        {"batch", "validate", list, "--format", "with_contacts", "--rejected", dir.file("rejected.csv")}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, list +
                              ": 6 patients (with_contacts)\n"
                              "  can be sent:    2\n"
                              "  cannot be sent: 4\n"
                              "    1  date of birth is in the future\n"
                              "    1  duplicate of an earlier row\n"
                              "    1  not a UK mobile number (it looks like a landline)\n"
                              "    1  not a valid NHS number: the last digit (check digit) is wrong\n"
                              "Rows that cannot be sent, each with its reason: " +
                              dir.file("rejected.csv") + "\n");
    EXPECT_EQ(result.err, "") << "no progress bar when stderr is not a terminal";
    EXPECT_EQ(slurp(dir.file("rejected.csv")),
              "\"NHS Number\",\"Telecom Number\",\"Date of Birth\",\"Patient Name\",\"reason\"\r\n"
              "\"9991590838\",\"0117 496 0860\",\"1990-02-01\",\"Test Two\",\"not a UK mobile number (it looks like a "
              "landline)\"\r\n"
              "\"9995260182\",\"07700900123\",\"01/02/1990\",\"Test Again\",\"duplicate of row 2\"\r\n"
              "\"9990000010\",\"07700900124\",\"1990-02-01\",\"Test \"\"Three\"\"\",\"not a valid NHS number: the last "
              "digit (check digit) is wrong\"\r\n"
              "\"9990166137\",\"07700900125\",\"2099-01-01\",\"Test Four\",\"date of birth is in the future\"\r\n");
    EXPECT_FALSE(std::filesystem::exists(dir.file("rejected.csv.part")));
}

TEST(BatchValidate, SaysAListOfNhsNumbersOnlyIsCheckedOnlyForNhsNumbersAndDuplicates) {
    TempDir dir;
    const auto list = write(dir, "emis.csv", "NHS Number\n9995260182\n9995260183\n9995260182\n");
    const auto result = runClinhub({"batch", "validate", list, "--format", "nhs_number_only"}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out.rfind("A list of NHS numbers only: each patient's mobile number and date of birth come from "
                               "the\nappointment book, so offline only NHS numbers and duplicates are checked.\n",
                               0),
              0U)
        << result.out;
    EXPECT_NE(result.out.find("  can be sent:    1\n  cannot be sent: 2\n"), std::string::npos) << result.out;
    EXPECT_EQ(result.err, "");
}

TEST(BatchValidate, TheBookStyleWordsOfEarlierVersionsStillWorkWithAWarning) {
    TempDir dir;
    const auto list = write(dir, "emis.csv", "NHS Number\n9995260182\n");
    const auto result = runClinhub({"batch", "validate", list, "--format", "emis"}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("1 patients (nhs_number_only)"), std::string::npos) << result.out;
    EXPECT_EQ(result.err, "clinhub batch validate: --format emis is deprecated: write --format nhs_number_only\n");
}

TEST(BatchValidate, AMalformedFileExitsOneNamingTheRowAndLineAndWritesNothing) {
    TempDir dir;
    const auto list = write(dir, "bad.csv", "NHS Number,Name\n9995260182,\"Test\nTest\"\n9991590838,\"never closed\n");
    const auto result = runClinhub(
        {"batch", "validate", list, "--format", "nhs_number_only", "--rejected", dir.file("rejected.csv")}, dir);
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err.rfind(list + ": row 3 (line 4): unterminated quote", 0), 0U) << result.err;
    EXPECT_NE(result.err.find("Nothing was taken from this file"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_FALSE(std::filesystem::exists(dir.file("rejected.csv")));
    EXPECT_FALSE(std::filesystem::exists(dir.file("rejected.csv.part")));
}

TEST(BatchValidate, AFileOverTheSizeLimitExitsOne) {
    TempDir dir;
    std::string big = "NHS Number\n";
    while (big.size() <= 1024 * 1024)
        big += "9995260182\n";
    const auto result = runClinhub(
        {"batch", "validate", write(dir, "big.csv", big), "--format", "nhs_number_only", "--max-mib", "1"}, dir);
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find("the file is larger than the limit of 1 MiB"), std::string::npos) << result.err;
}

TEST(BatchValidate, BadUsageExitsTwo) {
    TempDir dir;
    const auto list = write(dir, "list.csv", kSystmOneList);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"batch", "validate", list},
             {"batch", "validate", list, "--format", "vision"},
             {"batch", "validate", "--format", "nhs_number_only"},
             {"batch", "validate", list, list, "--format", "nhs_number_only"},
             {"batch", "validate", list, "--format", "nhs_number_only", "--max-mib", "none"},
             {"batch", "validate", list, "--format", "nhs_number_only", "--quiet"},
             {"batch", "validate", dir.file("missing.csv"), "--format", "nhs_number_only"}}) {
        const auto result = runClinhub(args, dir);
        EXPECT_EQ(result.exitCode, 2) << args.back();
        EXPECT_NE(result.err, "") << args.back();
    }
}

TEST(BatchValidate, ShowsAProgressBarOnATerminal) {
    TempDir dir;
    const auto list = write(dir, "list.csv", kSystmOneList);
    // script(1) gives the command a terminal; its stdout is thrown away so only stderr's bar reaches it.
    const std::string command =
        std::string("'") + CLINHUB_EXE + "' batch validate '" + list + "' --format with_contacts >/dev/null";
    const std::string typescript = dir.file("typescript");
    Poco::ProcessHandle handle = Poco::Process::launch(
        "/bin/sh", {"-c", "script -qec \"" + command + "\" /dev/null </dev/null >'" + typescript + "'"});
    EXPECT_EQ(handle.wait(), 0);
    const auto terminal = slurp(typescript);
    EXPECT_NE(terminal.find("] 100%"), std::string::npos) << terminal;
}

} // namespace
} // namespace clinhub::test

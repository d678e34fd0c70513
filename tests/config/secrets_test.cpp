// Secrets from files: ${file:PATH} and ${credential:NAME} (systemd's LoadCredential=), read at every load so a
// rotated key takes effect on reload, and never quoted in a message.
#include "hub/config/Loader.h"
#include "tests/TempDir.h"
#include "tests/config/FakeCatalog.h"
#include "tests/config/LoaderTestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace clinhub::config {
namespace {

using ::testing::ElementsAre;
using testing::fakeEnvironment;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kNotify = "connectors:\n  notify:\n    plugin: notify\n    config: {api_key: \"";

LoadResult loadIn(const test::TempDir& dir, const std::string& yaml, const Environment& env = fakeEnvironment()) {
    static const testing::FakeCatalog catalog = testing::standardCatalog();
    return loadConfigText(yaml, dir.file("hub.yaml"), catalog, env);
}

std::vector<std::string> problemsOf(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& d : result.problems)
        out.push_back(d.str());
    return out;
}

TEST(Secrets, FileIsReadRelativeToTheConfigWithoutItsTrailingNewline) {
    test::TempDir dir;
    std::filesystem::create_directory(dir.path() / "secrets");
    std::ofstream(dir.file("secrets/notify-key")) << "key-live-0123\n";
    const auto result = loadIn(dir, kNotify + "${file:secrets/notify-key}\"}\n");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problemsOf(result));
    EXPECT_EQ(result.config->connectors.at("notify").configJson, R"({"api_key":"key-live-0123"})");
}

TEST(Secrets, AbsolutePathAndWindowsLineEndingAndSurroundingText) {
    test::TempDir dir;
    std::ofstream(dir.file("token"), std::ios::binary) << "abc\r\n";
    const auto result = loadIn(dir, kNotify + "prefix-${file:" + dir.file("token") + "}-suffix\"}\n");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problemsOf(result));
    EXPECT_EQ(result.config->connectors.at("notify").configJson, R"({"api_key":"prefix-abc-suffix"})");
}

TEST(Secrets, CredentialIsReadFromTheDirectorySystemdGives) {
    test::TempDir dir;
    std::ofstream(dir.file("notify-api-key")) << "key-from-systemd";
    const auto result = loadIn(dir, kNotify + "${credential:notify-api-key}\"}\n",
                               fakeEnvironment({{"CREDENTIALS_DIRECTORY", dir.path().string()}}));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problemsOf(result));
    EXPECT_EQ(result.config->connectors.at("notify").configJson, R"({"api_key":"key-from-systemd"})");
}

TEST(Secrets, ARotatedFileIsReadAgainByTheNextLoad) {
    test::TempDir dir;
    std::ofstream(dir.file("key")) << "old-key";
    const std::string yaml = kNotify + "${file:key}\"}\n";
    EXPECT_EQ(loadIn(dir, yaml).config->connectors.at("notify").configJson, R"({"api_key":"old-key"})");
    std::ofstream(dir.file("key")) << "new-key";
    EXPECT_EQ(loadIn(dir, yaml).config->connectors.at("notify").configJson, R"({"api_key":"new-key"})");
}

TEST(Secrets, AMissingFileIsNamedAtItsValue) {
    test::TempDir dir;
    const auto result = loadIn(dir, kNotify + "${file:nowhere/key}\"}\n");
    EXPECT_THAT(problemsOf(result), ElementsAre(dir.file("hub.yaml") + ":4:23: secret file '" +
                                                dir.file("nowhere/key") + "' does not exist"));
}

TEST(Secrets, CredentialOutsideSystemdSaysWhatToDo) {
    test::TempDir dir;
    const auto result = loadIn(dir, kNotify + "${credential:notify-api-key}\"}\n");
    ASSERT_EQ(result.problems.size(), 1U);
    EXPECT_THAT(result.problems.front().message,
                HasSubstr("credential 'notify-api-key' asked for, but CREDENTIALS_DIRECTORY is not set"));
    EXPECT_THAT(result.problems.front().message, HasSubstr("LoadCredential=notify-api-key:PATH"));
}

TEST(Secrets, ACredentialNameCannotLeaveItsDirectory) {
    test::TempDir dir;
    const auto env = fakeEnvironment({{"CREDENTIALS_DIRECTORY", dir.path().string()}});
    for (const std::string name : {"../etc/passwd", "..", ""}) {
        const auto result = loadIn(dir, kNotify + "${credential:" + name + "}\"}\n", env);
        ASSERT_EQ(result.problems.size(), 1U) << name;
        EXPECT_THAT(result.problems.front().message, HasSubstr("needs the name a LoadCredential= line gives")) << name;
    }
}

TEST(Secrets, AFolderOrAHugeFileIsRefusedAndItsTextNeverQuoted) {
    test::TempDir dir;
    std::filesystem::create_directory(dir.path() / "folder");
    std::ofstream(dir.file("huge")) << "s3cret" << std::string(kMaxSecretFileBytes, 'x');
    const auto result = loadIn(dir, "connectors:\n  notify:\n    plugin: notify\n    config:\n"
                                    "      api_key: ${file:folder}\n      sms_sender_id: ${file:huge}\n");
    const auto problems = problemsOf(result);
    ASSERT_EQ(problems.size(), 2U) << ::testing::PrintToString(problems);
    EXPECT_THAT(problems[0], HasSubstr("secret file '" + dir.file("folder") + "' is not a file"));
    EXPECT_THAT(problems[1], HasSubstr("is larger than 64 KiB"));
    for (const auto& p : problems)
        EXPECT_THAT(p, Not(HasSubstr("s3cret")));
}

TEST(Secrets, ASecretIsNeverQuotedWhenItsValueIsWrong) {
    test::TempDir dir;
    std::ofstream(dir.file("threads")) << "s3cret";
    EXPECT_THAT(problemsOf(loadIn(dir, "hub:\n  http: {threads: \"${file:threads}\"}\n")),
                ElementsAre(dir.file("hub.yaml") + ":2:19: expected an integer, got '${file:threads}'"));
}

TEST(Secrets, AVariableWithADefaultTakesTheDefaultOnlyWhenUnsetOrEmpty) {
    test::TempDir dir;
    const std::string yaml = "hub:\n  store: sqlite:${STATE_DIRECTORY:-state}/hub.db\n";
    EXPECT_EQ(loadIn(dir, yaml).config->storeUrl, "sqlite:" + dir.file("state/hub.db"));
    EXPECT_EQ(loadIn(dir, yaml, fakeEnvironment({{"STATE_DIRECTORY", ""}})).config->storeUrl,
              "sqlite:" + dir.file("state/hub.db"));
    EXPECT_EQ(loadIn(dir, yaml, fakeEnvironment({{"STATE_DIRECTORY", "/var/lib/clinhub"}})).config->storeUrl,
              "sqlite:/var/lib/clinhub/hub.db");
}

TEST(Secrets, AnEmptyPathSaysHowToWriteOne) {
    test::TempDir dir;
    EXPECT_THAT(
        problemsOf(loadIn(dir, kNotify + "${file:}\"}\n")),
        ElementsAre(dir.file("hub.yaml") + ":4:23: '${file:' needs a path, as in ${file:/etc/clinhub/notify-api-key}"));
}

} // namespace
} // namespace clinhub::config

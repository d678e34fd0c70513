// No std::regex in the product: libstdc++'s matcher recurses once per character of its input, so a long
// enough value from a client, a staff member or a config file overflows the stack and takes the process
// down (issue 14). Tests may keep it, as a reference to check the hub's own matchers against.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool usesRegex(const std::string& text) {
    for (const char* needle : {"std::regex", "std::wregex", "std::basic_regex", "<regex>"})
        if (text.find(needle) != std::string::npos) return true;
    return false;
}

std::vector<std::string> filesUsingRegex(const fs::path& folder) {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        const std::string ext = entry.path().extension().string();
        if (ext != ".cpp" && ext != ".h" && ext != ".hpp" && ext != ".cc" && ext != ".c" && ext != ".in") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (usesRegex(text.str())) out.push_back(fs::relative(entry.path(), CLINHUB_SOURCE_DIR).string());
    }
    return out;
}

} // namespace

TEST(Hygiene, NoStdRegexUnderHubConnectorsOrPlugins) {
    for (const char* folder : {"hub", "connectors", "plugins"})
        EXPECT_EQ(filesUsingRegex(fs::path(CLINHUB_SOURCE_DIR) / folder), std::vector<std::string>{}) << folder;
}

// The search above finds what it looks for: tests/ still has its reference uses.
TEST(Hygiene, TheSearchFindsRegexWhereItIs) {
    const auto found = filesUsingRegex(fs::path(CLINHUB_SOURCE_DIR) / "tests" / "config");
    EXPECT_NE(std::find(found.begin(), found.end(), "tests/config/pattern_test.cpp"), found.end());
}

#include "hub/config/Pattern.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <stdexcept>

using clinhub::config::Pattern;
using ::testing::HasSubstr;

namespace {

// Every pattern the hub's schema and the bundled connectors' schemas use, and a few of the same kind.
const std::vector<std::string> kPatterns = {
    "^https?://[^\\s]+$",
    "^[^@\\s]+@[^@\\s]+$",
    "^[0-9]{6,18}$",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "^[0-9]{1,12}$",
    "^[A-Z0-9]{3,10}$",
    "^https?://",
    "^[A-Za-z_][A-Za-z0-9_]*$",
    "^https?://[^/]+",
    "^/",
    "^[a-z][a-z0-9-]*$",
    "^[a-z0-9][a-z0-9_-]*$",
    "surgery",
    "a.c",
    "\\d+\\.\\d*$",
    "x{2,}y?z*",
    "^\\w\\W\\S\\s[\\]\\[.-]$",
};

} // namespace

// The matcher agrees with ECMAScript's regex_search (which tests may still use) on every pattern above,
// over strings made of the characters those patterns care about.
TEST(ConfigPattern, AgreesWithStdRegexOnTheSchemasPatterns) {
    const std::string alphabet = "ahtps:/.@ -_xyzcdfABZ0129[]\t\n";
    std::mt19937 random(14);
    for (const auto& text : kPatterns) {
        const Pattern pattern = Pattern::compile(text);
        const std::regex reference(text, std::regex::ECMAScript);
        std::vector<std::string> inputs = {
            "",       "https://x",   "http://", "a@b",      "1240781", "0123abcd-0123-4567-89ab-0123456789AB",
            "A81001", "the surgery", "/emis",   "flu-2025", "12.5"};
        for (int i = 0; i < 3000; ++i) {
            std::string s(random() % 24, ' ');
            for (char& c : s)
                c = alphabet[random() % alphabet.size()];
            inputs.push_back(s);
        }
        for (const auto& input : inputs)
            ASSERT_EQ(pattern.search(input), std::regex_search(input, reference)) << text << " on '" << input << "'";
    }
}

TEST(ConfigPattern, GroupsAlternationAndBackReferencesAreRefusedByName) {
    for (const std::string text : {"(a)", "a|b", "a\\1", "a+?", "[a-", "a{2", "a{3,1}", "[z-a]", "x^", "$x", "\\bword"})
        EXPECT_THROW(Pattern::compile(text), std::invalid_argument) << text;
    try {
        Pattern::compile("^(sqlite:.+|postgresql://.+)$");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("uses '(' there, which the hub's patterns do not support"));
    }
}

// What took std::regex down: a long value. The work is the text's length times the pattern's, nothing more.
TEST(ConfigPattern, LongValuesAreMatchedWithoutRecursion) {
    const std::string long_(1024 * 1024, 'a');
    EXPECT_TRUE(Pattern::compile("^[a-z][a-z0-9-]*$").search(long_));
    EXPECT_FALSE(Pattern::compile("^[^@\\s]+@[^@\\s]+$").search(long_));
    EXPECT_TRUE(Pattern::compile("a{1,20}b?$").search(long_));
}

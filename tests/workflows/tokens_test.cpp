#include "hub/workflows/Tokens.h"

#include <gtest/gtest.h>

#include <set>

namespace clinhub::workflows {
namespace {

TEST(Tokens, SecretsCompareWhole) {
    EXPECT_TRUE(sameSecret("abc", "abc"));
    EXPECT_FALSE(sameSecret("abc", "abd"));
    EXPECT_FALSE(sameSecret("abc", "ab"));
    EXPECT_FALSE(sameSecret("", "a"));
}

TEST(Tokens, RandomTokensAreBase64urlOfTheirBytesAndDoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto token = randomToken(32);
        ASSERT_EQ(token.size(), 43U);
        EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        EXPECT_TRUE(seen.insert(token).second);
    }
    EXPECT_EQ(tokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

} // namespace
} // namespace clinhub::workflows

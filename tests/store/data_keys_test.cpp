#include "hub/store/DataKeys.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace clinhub::store {
namespace {

// base64 of 32 known bytes each: "test-only-key-not-for-patients!!" and "another-test-key-nobody-uses-it!".
constexpr const char* kOld = "old:dGVzdC1vbmx5LWtleS1ub3QtZm9yLXBhdGllbnRzISE=";
constexpr const char* kNew = "new:YW5vdGhlci10ZXN0LWtleS1ub2JvZHktdXNlcy1pdCE=";

std::string refusal(const std::string& spec) {
    try {
        (void)DataKeys::parse(spec);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "accepted";
}

TEST(DataKeys, WhatIsSealedOpensWithItsContextAndShowsNothingInClear) {
    const auto keys = DataKeys::parse(kOld);
    const std::string plain = R"({"to":"+447700900123","body":"https://hub.example/b/tok3nXYZ 9990001112"})";
    const auto sealed = keys.seal(plain, "msg-1/payload");
    EXPECT_TRUE(DataKeys::isSealed(sealed));
    EXPECT_EQ(sealed.rfind("sealed:v1:old:", 0), 0U);
    for (const char* secret : {"7700900123", "tok3nXYZ", "9990001112"})
        EXPECT_EQ(sealed.find(secret), std::string::npos) << secret;
    EXPECT_EQ(keys.open(sealed, "msg-1/payload"), plain);
}

TEST(DataKeys, SealingTheSameTextTwiceGivesTwoValues) {
    const auto keys = DataKeys::parse(kOld);
    EXPECT_NE(keys.seal("same", "c"), keys.seal("same", "c"));
}

TEST(DataKeys, AValueMovedToAnotherRowOrAlteredDoesNotOpen) {
    const auto keys = DataKeys::parse(kOld);
    const auto sealed = keys.seal("the body", "msg-1/payload");
    EXPECT_THROW((void)keys.open(sealed, "msg-2/payload"), std::runtime_error);
    std::string altered = sealed;
    altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_THROW((void)keys.open(altered, "msg-1/payload"), std::runtime_error);
    EXPECT_THROW((void)keys.open("sealed:v1:old:AAAA", "msg-1/payload"), std::runtime_error);
    EXPECT_THROW((void)keys.open("sealed:v1:old:not base64!", "msg-1/payload"), std::runtime_error);
}

TEST(DataKeys, ANewKeySealsWhileTheOldOneStillOpensWhatItSealed) {
    const auto before = DataKeys::parse(kOld);
    const auto sealedBefore = before.seal("queued last month", "r");
    const auto rotated = DataKeys::parse(std::string(kNew) + "," + kOld);
    EXPECT_EQ(rotated.sealingId(), "new");
    EXPECT_EQ(rotated.open(sealedBefore, "r"), "queued last month");
    EXPECT_EQ(rotated.seal("today", "r").rfind("sealed:v1:new:", 0), 0U);

    // Dropping the old key too soon: what it sealed says which key it wants.
    const auto dropped = DataKeys::parse(kNew);
    try {
        (void)dropped.open(sealedBefore, "r");
        FAIL() << "opened without its key";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("'old'"), std::string::npos) << e.what();
    }
}

TEST(DataKeys, AValueWrittenBeforeSealingBeganReadsAsItIs) {
    EXPECT_EQ(DataKeys::parse(kOld).open(R"({"to":"x"})", "r"), R"({"to":"x"})");
}

TEST(DataKeys, ABadKeyListIsRefusedSayingWhatIsWrongButNeverTheKey) {
    EXPECT_NE(refusal("").find("not ID:BASE64"), std::string::npos);
    EXPECT_NE(refusal("dGVzdC1vbmx5LWtleS1ub3QtZm9yLXBhdGllbnRzISE=").find("key 1 is not ID:BASE64"),
              std::string::npos);
    EXPECT_NE(refusal("bad id:dGVzdC1vbmx5LWtleS1ub3QtZm9yLXBhdGllbnRzISE=").find("id 'bad id'"), std::string::npos);
    EXPECT_NE(refusal(std::string(kOld) + "," + kOld).find("key 2: id 'old' is given twice"), std::string::npos);
    const auto tooShort = refusal("short:c2hvcnQ=");
    EXPECT_NE(tooShort.find("is 5 bytes; AES-256 takes 32"), std::string::npos) << tooShort;
    EXPECT_EQ(tooShort.find("c2hvcnQ"), std::string::npos);
    EXPECT_NE(refusal("k:!!!!").find("('k') is not base64"), std::string::npos);
}

TEST(DataKeys, AGeneratedKeyParses) {
    const auto spec = DataKeys::generateSpec("2026-12");
    const auto keys = DataKeys::parse(spec);
    EXPECT_EQ(keys.sealingId(), "2026-12");
    EXPECT_NE(DataKeys::generateSpec("x"), DataKeys::generateSpec("x"));
}

} // namespace
} // namespace clinhub::store

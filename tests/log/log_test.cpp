#include "hub/log/Log.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace clinhub::log {
namespace {

Poco::JSON::Object::Ptr lastLine(const std::string& captured) {
    const auto end = captured.find_last_not_of('\n');
    const auto start = captured.rfind('\n', end);
    const auto line = captured.substr(start == std::string::npos ? 0 : start + 1, end + 1);
    return Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
}

TEST(Log, NumbersAndSwitchesAreJsonsOwnAndTextIsText) {
    ::testing::internal::CaptureStderr();
    info("test_event", {{"port", std::uint16_t{18480}},
                        {"count", std::size_t{3}},
                        {"negative", -2},
                        {"ratio", 0.25},
                        {"ready", true},
                        {"file", "/etc/clinhub/clinhub.yaml"},
                        {"digits", std::string("0123")}});
    const auto line = lastLine(::testing::internal::GetCapturedStderr());
    EXPECT_EQ(line->getValue<std::string>("event"), "test_event");
    EXPECT_EQ(line->getValue<std::string>("level"), "info");
    EXPECT_TRUE(line->get("port").isInteger());
    EXPECT_EQ(line->getValue<int>("port"), 18480);
    EXPECT_EQ(line->getValue<int>("count"), 3);
    EXPECT_EQ(line->getValue<int>("negative"), -2);
    EXPECT_DOUBLE_EQ(line->getValue<double>("ratio"), 0.25);
    EXPECT_TRUE(line->get("ready").isBoolean());
    EXPECT_TRUE(line->getValue<bool>("ready"));
    EXPECT_TRUE(line->get("digits").isString()) << "text that looks like a number stays text";
    EXPECT_EQ(line->getValue<std::string>("digits"), "0123");
}

TEST(Log, LinesBelowTheMinimumLevelAreNotWritten) {
    setMinimumLevel(Level::warning);
    ::testing::internal::CaptureStderr();
    info("quiet_event");
    warning("loud_event");
    const std::string captured = ::testing::internal::GetCapturedStderr();
    setMinimumLevel(Level::info);
    EXPECT_EQ(captured.find("quiet_event"), std::string::npos) << captured;
    EXPECT_NE(captured.find("loud_event"), std::string::npos) << captured;
}

TEST(Log, LevelsAreNamedAsTheConfigWritesThem) {
    EXPECT_EQ(levelNamed("debug"), Level::debug);
    EXPECT_EQ(levelNamed("warning"), Level::warning);
    EXPECT_EQ(levelNamed("error"), Level::error);
    EXPECT_EQ(levelNamed("warn"), std::nullopt);
    EXPECT_EQ(levelNamed("INFO"), std::nullopt);
}

} // namespace
} // namespace clinhub::log

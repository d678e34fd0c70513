#include "hub/outbox/Payload.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

using outbox::Channel;

TEST(Payload, EachKindComesBackAsItWentIn) {
    const outbox::SmsPayload sms{"+447700900123", "Test Surgery: book here https://hub.example/b/x"};
    const auto smsBack = std::get<outbox::SmsPayload>(outbox::decode(Channel::sms, outbox::encode(sms)));
    EXPECT_EQ(smsBack.to, sms.to);
    EXPECT_EQ(smsBack.body, sms.body);

    const outbox::EmailPayload email{"parent@example.org", "Book \"Sam\"'s flu", "Dear parent,\n\nline two", ""};
    const auto emailBack = std::get<outbox::EmailPayload>(outbox::decode(Channel::email, outbox::encode(email)));
    EXPECT_EQ(emailBack.subject, email.subject);
    EXPECT_EQ(emailBack.text, email.text);
    EXPECT_TRUE(emailBack.html.empty());

    const outbox::RecordPayload record{{"9995260182", "1956-03-14", {}, {}, {}}, "1240781000000106", "Invitation sent"};
    const auto recordBack = std::get<outbox::RecordPayload>(outbox::decode(Channel::record, outbox::encode(record)));
    EXPECT_EQ(recordBack.patient.nhsNumber, "9995260182");
    EXPECT_EQ(recordBack.patient.dateOfBirth, "1956-03-14");
    EXPECT_EQ(recordBack.code, "1240781000000106");
    EXPECT_EQ(recordBack.term, "Invitation sent");
}

TEST(Payload, AMessageKnowsItsChannelFromItsPayload) {
    EXPECT_EQ(outbox::channelOf(outbox::SmsPayload{}), Channel::sms);
    EXPECT_EQ(outbox::channelOf(outbox::EmailPayload{}), Channel::email);
    EXPECT_EQ(outbox::channelOf(outbox::RecordPayload{}), Channel::record);
}

TEST(Payload, WhatCannotBeReadIsRefusedWithTheReason) {
    const auto why = [](Channel channel, const std::string& json) {
        try {
            outbox::decode(channel, json);
        } catch (const outbox::PayloadError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(why(Channel::sms, "not json").find("not a JSON object"), std::string::npos);
    EXPECT_NE(why(Channel::sms, "[1]").find("not a JSON object"), std::string::npos);
    EXPECT_EQ(why(Channel::record, R"({"code":"1240781000000106"})"), "record message has no patient");
    EXPECT_EQ(why(Channel::sms, R"({"to":447700900123})"), "\"to\" is not a string");
}

} // namespace
} // namespace clinhub::test

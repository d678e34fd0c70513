#include "ConnectorFixture.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <set>
#include <thread>

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::Status;

class OutboxFileTest : public clinhub::test::ConnectorFixture {
protected:
    std::shared_ptr<clinhub::host::ConnectorInstance> outbox() {
        return create("outbox-file", R"({"path": ")" + file("outbox.jsonl") + R"("})");
    }

    std::vector<Poco::JSON::Object::Ptr> lines() const {
        std::vector<Poco::JSON::Object::Ptr> out;
        std::ifstream in(file("outbox.jsonl"));
        std::string text;
        while (std::getline(in, text)) {
            Poco::JSON::Object::Ptr object;
            EXPECT_NO_THROW(object = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>()) << text;
            out.push_back(object);
        }
        return out;
    }
};

TEST_F(OutboxFileTest, ImplementsBothSmsAndEmail) {
    auto o = outbox();
    EXPECT_NE(o->sms(), nullptr);
    EXPECT_NE(o->email(), nullptr);
    EXPECT_EQ(o->appointmentBook(), nullptr);
}

TEST_F(OutboxFileTest, SmsIsWrittenAsOneJsonLineWithItsFields) {
    auto o = outbox();
    std::string id;
    ASSERT_TRUE(o->sms()
                    ->send({"+447700900123", "Book your flu jab: https://x/b/abc \"quoted\"\nnext line", "msg-1"}, id)
                    .ok());
    EXPECT_EQ(id, "file-msg-1");
    const auto all = lines();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0]->getValue<std::string>("channel"), "sms");
    EXPECT_EQ(all[0]->getValue<std::string>("reference"), "msg-1");
    EXPECT_EQ(all[0]->getValue<std::string>("to"), "+447700900123");
    EXPECT_EQ(all[0]->getValue<std::string>("body"), "Book your flu jab: https://x/b/abc \"quoted\"\nnext line");
    EXPECT_FALSE(all[0]->getValue<std::string>("time").empty());
}

TEST_F(OutboxFileTest, EmailIsWrittenWithSubjectTextAndHtml) {
    auto o = outbox();
    std::string id;
    ASSERT_TRUE(
        o->email()->send({"parent@example.org", "Clinic invitation", "Plain text", "<p>Html</p>", "em-7"}, id).ok());
    EXPECT_EQ(id, "file-em-7");
    const auto all = lines();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0]->getValue<std::string>("channel"), "email");
    EXPECT_EQ(all[0]->getValue<std::string>("reference"), "em-7");
    EXPECT_EQ(all[0]->getValue<std::string>("to"), "parent@example.org");
    EXPECT_EQ(all[0]->getValue<std::string>("subject"), "Clinic invitation");
    EXPECT_EQ(all[0]->getValue<std::string>("text"), "Plain text");
    EXPECT_EQ(all[0]->getValue<std::string>("html"), "<p>Html</p>");
}

TEST_F(OutboxFileTest, LookupFindsAWrittenReferenceAsDelivered) {
    auto o = outbox();
    std::string id;
    ASSERT_TRUE(o->sms()->send({"+447700900123", "one", "ref-a"}, id).ok());
    ASSERT_TRUE(o->email()->send({"a@example.org", "s", "t", "", "ref/b\"c"}, id).ok());
    Delivery d;
    ASSERT_TRUE(o->sms()->lookup("ref-a", d).ok());
    EXPECT_EQ(d.state, DeliveryState::delivered);
    EXPECT_EQ(d.providerId, "file-ref-a");
    ASSERT_TRUE(o->email()->lookup("ref/b\"c", d).ok());
    EXPECT_EQ(d.state, DeliveryState::delivered);
    EXPECT_EQ(d.providerId, "file-ref/b\"c");
}

TEST_F(OutboxFileTest, LookupOfAReferenceNeverWrittenIsUnknown) {
    auto o = outbox();
    Delivery d;
    ASSERT_TRUE(o->sms()->lookup("ref-a", d).ok()); // before the file exists
    EXPECT_EQ(d.state, DeliveryState::unknown);
    std::string id;
    ASSERT_TRUE(o->sms()->send({"+447700900123", "mentions ref-a in the body", "ref-ab"}, id).ok());
    ASSERT_TRUE(o->sms()->lookup("ref-a", d).ok());
    EXPECT_EQ(d.state, DeliveryState::unknown);
}

TEST_F(OutboxFileTest, AMessageWithoutAReferenceIsRefused) {
    auto o = outbox();
    std::string id;
    EXPECT_EQ(o->sms()->send({"+447700900123", "x", ""}, id).status, Status::permanent);
    EXPECT_TRUE(lines().empty());
}

// Two instances stand in for two processes: each line must still arrive whole.
TEST_F(OutboxFileTest, ConcurrentWritersNeverInterleaveLines) {
    auto one = outbox();
    auto two = outbox();
    constexpr int kThreads = 4;
    constexpr int kEach = 200;
    const std::string body(3000, 'x'); // longer than a pipe buffer's atomic limit, to be sure it is not luck
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto& o = t % 2 == 0 ? *one : *two;
            for (int i = 0; i < kEach; ++i) {
                std::string id;
                EXPECT_TRUE(o.sms()
                                ->send({"+447700900123", body, "r-" + std::to_string(t) + "-" + std::to_string(i)}, id)
                                .ok());
            }
        });
    }
    for (auto& t : threads)
        t.join();
    std::set<std::string> references;
    for (const auto& line : lines()) {
        ASSERT_TRUE(line);
        EXPECT_EQ(line->getValue<std::string>("body"), body);
        references.insert(line->getValue<std::string>("reference"));
    }
    EXPECT_EQ(references.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(OutboxFileTest, TheLogNamesTheReferenceButNoPatientData) {
    auto o = outbox();
    std::string id;
    testing::internal::CaptureStderr();
    ASSERT_TRUE(o->sms()->send({"+447700900123", "Dear Testy, your flu jab", "ref-log"}, id).ok());
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("ref-log"), std::string::npos) << log;
    EXPECT_EQ(log.find("7700900123"), std::string::npos) << log;
    EXPECT_EQ(log.find("Testy"), std::string::npos) << log;
}

TEST_F(OutboxFileTest, ConfigWithoutAPathIsRefused) {
    EXPECT_NE(createError("outbox-file", "{}").find("path"), std::string::npos);
}

} // namespace

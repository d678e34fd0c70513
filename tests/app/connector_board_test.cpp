// The app's watcher of connector calls, fed by the plugin host calling a real plugin.
#include "hub/app/ConnectorBoard.h"
#include "hub/host/PluginHost.h"
#include "tests/http/Exposition.h"

#include <Poco/Timestamp.h>
#include <gtest/gtest.h>

#include <chrono>

namespace {

using clinhub::app::ConnectorBoard;
using clinhub::host::Operation;
using clinhub::testing::parseExposition;

double sample(const clinhub::testing::Exposition& e, const std::string& name,
              const std::map<std::string, std::string>& labels) {
    const auto found = e.find(name, labels);
    EXPECT_EQ(found.size(), 1U) << name;
    return found.empty() ? -1 : found.front().value;
}

struct Watched {
    clinhub::metrics::Metrics metrics;
    std::shared_ptr<ConnectorBoard> board = std::make_shared<ConnectorBoard>(metrics);
    clinhub::host::PluginHost host;
    std::shared_ptr<clinhub::host::ConnectorInstance> texts;

    Watched() {
        EXPECT_TRUE(host.loadFile(std::string(BROKEN_DIR) + "/libtest-good.so"));
        host.observe(board);
        std::string error;
        texts = host.create("texts", "good", "{}", error);
        EXPECT_NE(texts, nullptr) << error;
    }
    clinhub::Result send(const std::string& reference) {
        std::string providerId;
        return texts->sms()->send({"+447700900123", "hello", reference}, providerId);
    }
};

TEST(ConnectorBoard, FamiliesAreDescribedBeforeAnyCall) {
    clinhub::metrics::Metrics metrics;
    const ConnectorBoard board(metrics);
    const auto e = parseExposition(metrics.render());
    EXPECT_EQ(e.types.at("clinhub_connector_calls_total"), "counter");
    EXPECT_EQ(e.types.at("clinhub_connector_call_duration_seconds"), "histogram");
}

TEST(ConnectorBoard, CountsEachCallByConnectorPluginOperationAndStatusAndTimesIt) {
    Watched w;
    ASSERT_NE(w.texts, nullptr);
    EXPECT_TRUE(w.send("ref-1").ok());
    EXPECT_TRUE(w.send("ref-2").ok());
    EXPECT_FALSE(w.send("timeout").ok());
    clinhub::Delivery delivery;
    EXPECT_FALSE(w.texts->sms()->lookup("ref-1", delivery).ok());

    const auto e = parseExposition(w.metrics.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    const std::map<std::string, std::string> send{{"connector", "texts"}, {"plugin", "good"}, {"operation", "send"}};
    auto with = [](auto labels, const char* status) {
        labels["status"] = status;
        return labels;
    };
    EXPECT_EQ(sample(e, "clinhub_connector_calls_total", with(send, "ok")), 2);
    EXPECT_EQ(sample(e, "clinhub_connector_calls_total", with(send, "retryable")), 1);
    EXPECT_EQ(sample(e, "clinhub_connector_calls_total",
                     {{"connector", "texts"}, {"operation", "lookup"}, {"status", "permanent"}}),
              1);
    EXPECT_TRUE(e.find("clinhub_connector_calls_total", with(send, "conflict")).empty())
        << "a series is made by its first call, not for every status of every call";
    EXPECT_EQ(
        sample(e, "clinhub_connector_call_duration_seconds_count", {{"connector", "texts"}, {"operation", "send"}}), 3);
    EXPECT_EQ(sample(e, "clinhub_connector_call_duration_seconds_bucket",
                     {{"connector", "texts"}, {"operation", "send"}, {"le", "+Inf"}}),
              3);
    EXPECT_GE(sample(e, "clinhub_connector_call_duration_seconds_sum", {{"connector", "texts"}, {"operation", "send"}}),
              0);
}

TEST(ConnectorBoard, KeepsTheLastOutcomeTheLastSuccessAndTheFailuresInARow) {
    Watched w;
    ASSERT_NE(w.texts, nullptr);
    EXPECT_FALSE(w.board->health("texts")->lastCall) << "watched from its creation, called never";
    EXPECT_FALSE(w.board->health("never-made"));

    EXPECT_TRUE(w.send("ref-1").ok());
    auto health = *w.board->health("texts");
    EXPECT_EQ(health.calls, 1U);
    // Kept on the steady clock, read as a time of day: today's, not the steady clock's count since boot.
    EXPECT_NEAR(static_cast<double>(health.lastSuccessMicros),
                static_cast<double>(Poco::Timestamp().epochMicroseconds()), 3600e6);
    EXPECT_EQ(health.consecutiveFailures, 0);
    const auto succeeded = health.lastSuccessMicros;

    EXPECT_FALSE(w.send("timeout").ok());
    EXPECT_FALSE(w.send("refused").ok());
    health = *w.board->health("texts");
    EXPECT_EQ(health.consecutiveFailures, 2);
    // The same success, read again: made a time of day at each read, so the same to within the two clocks' reads.
    EXPECT_NEAR(static_cast<double>(health.lastSuccessMicros), static_cast<double>(succeeded), 1000);
    ASSERT_TRUE(health.lastCall);
    EXPECT_EQ(health.lastCall->status, clinhub::Status::retryable);
    EXPECT_EQ(health.lastCall->operation, Operation::send);
    ASSERT_TRUE(health.lastFailure);

    // A refusal is an answer: the connector is up, whatever it thought of the request.
    clinhub::Delivery delivery;
    EXPECT_EQ(w.texts->sms()->lookup("ref-1", delivery).status, clinhub::Status::permanent);
    EXPECT_EQ(w.board->health("texts")->consecutiveFailures, 0);

    EXPECT_FALSE(w.send("timeout").ok());
    EXPECT_TRUE(w.send("ref-2").ok());
    health = *w.board->health("texts");
    EXPECT_EQ(health.consecutiveFailures, 0);
    EXPECT_EQ(health.lastCall->status, clinhub::Status::ok);
    EXPECT_TRUE(health.lastCall->reason.empty());
    EXPECT_EQ(health.lastFailure->status, clinhub::Status::retryable) << "the last failure is kept after a success";
    EXPECT_EQ(health.calls, 6U);
}

TEST(ConnectorBoard, AFailureReasonIsScrubbedOfPatientDetailsAndCapped) {
    clinhub::metrics::Metrics metrics;
    ConnectorBoard board(metrics);
    const auto watcher = board.watch("book", "emis-xml");
    watcher->called(Operation::findPatient,
                    clinhub::Result::retryable("no answer for 943 476 5919 (born 14/03/1956, 07700 900123) " +
                                               std::string(500, 'x')),
                    std::chrono::milliseconds(3), std::chrono::steady_clock::now());
    const auto health = *board.health("book");
    ASSERT_TRUE(health.lastFailure);
    const auto& reason = health.lastFailure->reason;
    EXPECT_EQ(reason.find("943 476 5919"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("5919"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("1956"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("900123"), std::string::npos) << reason;
    EXPECT_NE(reason.find("no answer for"), std::string::npos) << "what went wrong is still said: " << reason;
    EXPECT_LE(reason.size(), ConnectorBoard::kReasonMax + 3) << "capped (an ellipsis may end it)";
}

TEST(ConnectorBoard, OutcomesOutliveTheInstanceAReloadReplaces) {
    Watched w;
    ASSERT_NE(w.texts, nullptr);
    EXPECT_FALSE(w.send("timeout").ok());
    std::string error;
    w.texts = w.host.create("texts", "good", "{}", error); // as a reload makes it anew
    ASSERT_NE(w.texts, nullptr) << error;
    EXPECT_EQ(w.board->health("texts")->consecutiveFailures, 1);
    EXPECT_FALSE(w.send("timeout").ok());
    EXPECT_EQ(w.board->health("texts")->consecutiveFailures, 2);
}

} // namespace

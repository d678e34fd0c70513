// The JSON of GET /status, built from a test hub's store, outbox and runtime and a board that has seen a
// connector fail with a patient's details in the provider's words.
#include "hub/app/StatusReport.h"
#include "tests/TestHub.h"

#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <sstream>

namespace clinhub::test {
namespace {

TEST(StatusReport, NamesEachConnectorWithItsLastOutcomeAndNeverThePatientDetailsOfAFailure) {
    TempDir dir;
    TestStore db{dir};
    TestHub hub;
    ASSERT_NO_FATAL_FAILURE(hub.start(dir, db, "patients:\n" + std::string(kTestPatientYaml),
                                      testHubYaml("  A12345:\n    name: Test Surgery\n    route: {appointment_book: "
                                                  "book, sms: [texts]}\n")));
    outbox::Outbox outbox(*hub.store);
    metrics::Metrics metrics;
    app::ConnectorBoard board(metrics);
    board.watch("book", "local-book")
        ->called(host::Operation::findPatient,
                 Result::retryable("the book timed out finding 943 476 5919 (07700 900123, born 14/03/1956)"),
                 std::chrono::milliseconds(5), std::chrono::steady_clock::now());

    const auto report = app::statusReport({hub.config->file, 1, *hub.store, outbox, *hub.current, hub.host, board});
    std::ostringstream text;
    report->stringify(text);
    const std::string json = text.str();
    for (const char* detail : {"5919", "943 476", "900123", "1956"})
        EXPECT_EQ(json.find(detail), std::string::npos) << detail << " in " << json;

    EXPECT_TRUE(report->getObject("store")->getValue<bool>("reachable"));
    const auto connectors = report->getArray("connectors");
    ASSERT_EQ(connectors->size(), 2U) << json;
    const auto book = connectors->getObject(0);
    EXPECT_EQ(book->getValue<std::string>("name"), "book");
    EXPECT_EQ(book->getValue<int>("consecutive_failures"), 1);
    const auto failure = book->getObject("last_failure");
    ASSERT_TRUE(failure) << json;
    EXPECT_EQ(failure->getValue<std::string>("operation"), "find_patient");
    EXPECT_EQ(failure->getValue<std::string>("status"), "retryable");
    EXPECT_NE(failure->getValue<std::string>("reason").find("the book timed out finding"), std::string::npos) << json;
    EXPECT_EQ(connectors->getObject(1)->getValue<std::string>("name"), "texts");
    EXPECT_TRUE(connectors->getObject(1)->isNull("last_call"));

    EXPECT_TRUE(app::requiredConnectorProblems(*hub.current->get(), board).empty())
        << "the book is not in hub.ready_requires";
}

} // namespace
} // namespace clinhub::test

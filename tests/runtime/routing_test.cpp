// What a runtime hands out for an organisation: the connectors each outbox channel goes through, in
// failover order, and the one appointment book its workflows ask.
#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/runtime/Runtime.h"
#include "tests/TempDir.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

class Routing : public ::testing::Test {
protected:
    void SetUp() override {
        host.loadDirectory(CLINHUB_PLUGIN_DIR);
        const auto loaded = config::loadConfigText(R"(connectors:
  book: {plugin: local-book, config: {database: book.db}}
  first: {plugin: outbox-file, config: {path: first.jsonl}}
  second: {plugin: outbox-file, config: {path: second.jsonl}}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [second, first], email: first}
  B99999:
    name: Messages Only
    route: {sms: [first]}
)",
                                                   dir.file("hub.yaml"), host, config::processEnvironment());
        ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems.front().str());
        std::vector<std::string> errors;
        runtime = runtime::Runtime::build(*loaded.config, host, errors);
        ASSERT_TRUE(runtime) << errors.front();
    }

    static std::vector<std::string> names(const std::vector<std::shared_ptr<host::ConnectorInstance>>& route) {
        std::vector<std::string> out;
        for (const auto& c : route)
            out.push_back(c->name());
        return out;
    }

    TempDir dir;
    host::PluginHost host;
    std::shared_ptr<const runtime::Runtime> runtime;
};

TEST_F(Routing, AnOrganisationsAppointmentBookIsTheOneItsRouteNames) {
    const auto book = runtime->appointmentBook("A12345");
    ASSERT_NE(book, nullptr);
    EXPECT_EQ(book->name(), "book");
    EXPECT_NE(book->appointmentBook(), nullptr);
    EXPECT_EQ(runtime->appointmentBook("B99999"), nullptr) << "it routes no book";
    EXPECT_EQ(runtime->appointmentBook("Z00000"), nullptr) << "no such organisation";
}

TEST_F(Routing, EachChannelGoesThroughItsConnectorsInFailoverOrder) {
    EXPECT_EQ(names(runtime->route("A12345", outbox::Channel::sms)), (std::vector<std::string>{"second", "first"}));
    EXPECT_EQ(names(runtime->route("A12345", outbox::Channel::email)), (std::vector<std::string>{"first"}));
    EXPECT_EQ(names(runtime->route("A12345", outbox::Channel::record)), (std::vector<std::string>{"book"}));
    EXPECT_TRUE(runtime->route("B99999", outbox::Channel::email).empty());
    EXPECT_TRUE(runtime->route("Z00000", outbox::Channel::sms).empty());
}

TEST_F(Routing, AnOrganisationsSmsLengthIsTheShortestOfItsRoutedConnectors) {
    // outbox-file declares no limit: each connector holds the default the loader gave it.
    EXPECT_EQ(runtime->smsMaxCharacters("A12345"), CLINHUB_SMS_DEFAULT_MAX_CHARACTERS);
    EXPECT_EQ(runtime->smsMaxCharacters("Z00000"), CLINHUB_SMS_DEFAULT_MAX_CHARACTERS) << "no such organisation";

    // As though the plugins had declared 300 and 600: any connector may carry a message after a failover.
    auto config = runtime->config();
    config.connectors.at("first").smsMaxCharacters = 300;
    config.connectors.at("second").smsMaxCharacters = 600;
    std::vector<std::string> errors;
    const auto limited = runtime::Runtime::build(config, host, errors);
    ASSERT_TRUE(limited) << errors.front();
    EXPECT_EQ(limited->smsMaxCharacters("A12345"), 300);
    EXPECT_EQ(limited->smsMaxCharacters("B99999"), 300);
}

} // namespace
} // namespace clinhub::test

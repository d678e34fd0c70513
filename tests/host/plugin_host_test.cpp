#include "hub/host/PluginHost.h"
#include "tests/TempDir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <vector>

namespace {

using clinhub::host::PluginHost;

std::string broken(const std::string& file) { return std::string(BROKEN_DIR) + "/lib" + file + ".so"; }

std::string refusalOf(const std::string& file) {
    PluginHost host;
    EXPECT_FALSE(host.loadFile(broken(file)));
    EXPECT_EQ(host.refused().size(), 1U);
    if (host.refused().empty()) return {};
    EXPECT_EQ(host.refused().front().path, broken(file));
    return host.refused().front().reason;
}

TEST(PluginHost, LoadsAWellFormedPluginAndReportsItsKinds) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    const auto* info = host.find("good");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->kinds, std::set<clinhub::config::Kind>{clinhub::config::Kind::sms});
    EXPECT_TRUE(host.refused().empty());
}

TEST(PluginHost, RefusesAFileThatIsNotASharedObject) {
    EXPECT_NE(refusalOf("not-a-plugin").find("not a loadable shared object"), std::string::npos);
}

TEST(PluginHost, RefusesASharedObjectWithoutTheEntryPoint) {
    EXPECT_NE(refusalOf("test-no-entry").find("no entry point 'clinhub_plugin_entry'"), std::string::npos);
}

TEST(PluginHost, RefusesAnotherAbiMajorVersion) {
    EXPECT_EQ(refusalOf("test-abi-major"), "it was built for plugin ABI 99." + std::to_string(CLINHUB_ABI_MINOR) +
                                               " but this hub speaks ABI 1." + std::to_string(CLINHUB_ABI_MINOR) +
                                               " (major versions must match: rebuild it against this SDK)");
}

TEST(PluginHost, RefusesANewerAbiMinorVersion) {
    EXPECT_NE(refusalOf("test-abi-minor").find("built for plugin ABI 1.999, newer than this hub's"), std::string::npos);
}

TEST(PluginHost, RefusesAnEntryPointThatReturnsNoDescriptor) {
    EXPECT_EQ(refusalOf("test-null-descriptor"), "its entry point returned no descriptor");
}

TEST(PluginHost, TwoFilesDeclaringOneNameMakeItUsableFromNeither) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    EXPECT_FALSE(host.loadFile(broken("test-second-good")));
    ASSERT_EQ(host.refused().size(), 1U);
    EXPECT_EQ(host.refused().front().reason, "plugin 'good' is declared by " + broken("test-good") + " and " +
                                                 broken("test-second-good") +
                                                 ": remove all but one, so which runs does not depend on the order "
                                                 "of a folder");
    EXPECT_EQ(host.find("good"), nullptr) << "not first-wins";
}

// A copy of a test plugin as libclinhub-<name>.so in `dir`, as an installed plugin is named.
std::string install(const clinhub::test::TempDir& dir, const std::string& from, const std::string& as) {
    auto path = dir.file("libclinhub-" + as + ".so");
    std::filesystem::copy_file(broken(from), path);
    std::filesystem::permissions(path, std::filesystem::perms(0755));
    return path;
}

TEST(PluginHost, AServingHubLoadsOnlyThePluginsItsConfigNames) {
    clinhub::test::TempDir dir;
    install(dir, "test-good", "good");
    install(dir, "test-throwing", "throwing");
    PluginHost host;
    host.loadNamed({dir.path().string()}, {"good", "absent"});
    EXPECT_NE(host.find("good"), nullptr);
    EXPECT_EQ(host.find("throwing"), nullptr) << "a file nobody named is never opened";
    ASSERT_EQ(host.refused().size(), 1U);
    EXPECT_EQ(host.refused().front().reason, "no plugin file libclinhub-absent.so in " + dir.path().string());
}

TEST(PluginHost, AFileNamedForOnePluginThatDeclaresAnotherIsRefused) {
    clinhub::test::TempDir dir;
    install(dir, "test-throwing", "good");
    PluginHost host;
    host.loadNamed({dir.path().string()}, {"good"});
    EXPECT_EQ(host.find("good"), nullptr);
    EXPECT_EQ(host.find("throwing"), nullptr);
    ASSERT_EQ(host.refused().size(), 1U);
    EXPECT_EQ(host.refused().front().reason, "it declares plugin 'throwing', not 'good'");
}

TEST(PluginHost, TheSamePluginInTwoFoldersIsAnErrorNotFirstWins) {
    clinhub::test::TempDir first;
    clinhub::test::TempDir second;
    install(first, "test-good", "good");
    install(second, "test-good", "good");
    PluginHost host;
    host.loadNamed({first.path().string(), second.path().string()}, {"good"});
    EXPECT_EQ(host.find("good"), nullptr);
    ASSERT_EQ(host.refused().size(), 1U);
    EXPECT_NE(host.refused().front().reason.find("is declared by " + first.file("libclinhub-good.so") + " and " +
                                                 second.file("libclinhub-good.so")),
              std::string::npos)
        << host.refused().front().reason;
}

TEST(PluginHost, APluginFileOrFolderWritableByOthersIsRefused) {
    clinhub::test::TempDir dir;
    const auto path = install(dir, "test-good", "good");
    std::filesystem::permissions(path, std::filesystem::perms(0666));
    {
        PluginHost host;
        EXPECT_FALSE(host.loadFile(path));
        ASSERT_EQ(host.refused().size(), 1U);
        EXPECT_EQ(host.refused().front().reason,
                  "the file is writable by others than its owner (mode 0666): whoever can write it runs code in the "
                  "hub; chmod go-w it");
    }
    std::filesystem::permissions(path, std::filesystem::perms(0755));
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0777));
    {
        PluginHost host;
        EXPECT_FALSE(host.loadFile(path));
        ASSERT_EQ(host.refused().size(), 1U);
        EXPECT_NE(host.refused().front().reason.find("its folder " + dir.path().string() +
                                                     " is writable by others than its owner (mode 0777)"),
                  std::string::npos)
            << host.refused().front().reason;
    }
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    PluginHost host;
    EXPECT_TRUE(host.loadFile(path));
}

TEST(PluginHost, LoadingADirectoryRefusesTheBadFilesAndKeepsTheGoodOnes) {
    PluginHost host;
    host.loadDirectory(BROKEN_DIR);
    EXPECT_EQ(host.find("good"), nullptr) << "two files there declare it";
    EXPECT_NE(host.find("throwing"), nullptr);
    EXPECT_NE(host.find("create-fails"), nullptr);
    std::set<std::string> refusedFiles;
    for (const auto& r : host.refused())
        refusedFiles.insert(std::filesystem::path(r.path).filename().string());
    EXPECT_EQ(refusedFiles,
              (std::set<std::string>{"libnot-a-plugin.so", "libtest-no-entry.so", "libtest-abi-major.so",
                                     "libtest-abi-minor.so", "libtest-null-descriptor.so", "libtest-second-good.so"}));
}

TEST(PluginHost, RefusesAConnectorWhoseFactoryThrowsNamingTheFileAndTheReason) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-throwing")));
    std::string error;
    EXPECT_EQ(host.create("texts", "throwing", "{}", error), nullptr);
    EXPECT_EQ(error, "connector 'texts': plugin 'throwing' (" + broken("test-throwing") +
                         ") failed to create it: the sender id is not registered");
}

TEST(PluginHost, RefusesAConnectorWhoseCreateFails) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-create-fails")));
    std::string error;
    EXPECT_EQ(host.create("book", "create-fails", "{}", error), nullptr);
    EXPECT_NE(error.find("failed to create it: cannot reach the book at http://127.0.0.1:9"), std::string::npos);
}

TEST(PluginHost, CallsThroughTheAbiReachTheInstance) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    std::string error;
    auto connector = host.create("texts", "good", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    EXPECT_EQ(connector->appointmentBook(), nullptr);
    ASSERT_NE(connector->sms(), nullptr);
    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok());
    EXPECT_EQ(providerId, "ref-1");
    clinhub::Delivery delivery;
    const auto lookup = connector->sms()->lookup("ref-1", delivery);
    EXPECT_EQ(lookup.status, clinhub::Status::permanent) << "a NULL lookup means the plugin cannot reconcile";
}

TEST(PluginHost, APluginBuiltForAbi10LoadsAndItsMissingReceiptCallIsRefusedNotCalled) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-abi-1-0"))) << host.refused().front().reason;
    std::string error;
    auto connector = host.create("texts", "abi-1-0", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok());
    std::vector<clinhub::Receipt> receipts;
    const auto r = connector->sms()->receipt("Bearer x", "{}", receipts);
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_NE(r.message.find("does not implement"), std::string::npos) << r.message;
}

TEST(PluginHost, ASendThatNeverReachedTheProviderSaysSoAcrossTheAbi) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    std::string error;
    auto connector = host.create("texts", "good", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    std::string providerId;
    const auto refused = connector->sms()->send({"+447700900123", "hello", "refused"}, providerId);
    EXPECT_EQ(refused.status, clinhub::Status::retryable);
    EXPECT_TRUE(refused.definitelyNotSent());
    EXPECT_STREQ(clinhub::outcomeOf(refused), "not-sent");
    const auto timeout = connector->sms()->send({"+447700900123", "hello", "timeout"}, providerId);
    EXPECT_EQ(timeout.status, clinhub::Status::retryable);
    EXPECT_FALSE(timeout.definitelyNotSent()) << "a plain retryable is possibly sent";
    EXPECT_STREQ(clinhub::outcomeOf(timeout), "retryable");
}

TEST(PluginHost, AnSmsPluginDeclaresItsLongestMessageAndAn11PluginGetsTheDefault) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    ASSERT_TRUE(host.loadFile(broken("test-abi-1-1"))) << host.refused().front().reason;
    EXPECT_EQ(clinhub::config::smsMaxCharacters(*host.find("good"), "{}"), 480);
    EXPECT_FALSE(host.find("abi-1-1")->maxCharacters) << "read past the end of a 1.1 table";
    EXPECT_EQ(clinhub::config::smsMaxCharacters(*host.find("abi-1-1"), "{}"), CLINHUB_SMS_DEFAULT_MAX_CHARACTERS);
    std::string error;
    auto connector = host.create("texts", "abi-1-1", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok()) << "a 1.1 plugin sends";
}

TEST(PluginHost, DeliveryReceiptsCrossTheAbiOnePerMessage) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-receipts")));
    std::string error;
    auto connector = host.create("texts", "receipts", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    std::vector<clinhub::Receipt> receipts;
    ASSERT_TRUE(connector->sms()->receipt("Bearer let-me-in", "m-1 delivered\nm-2 failed\n", receipts).ok());
    ASSERT_EQ(receipts.size(), 2U);
    EXPECT_EQ(receipts[0].reference, "m-1");
    EXPECT_EQ(receipts[0].state, clinhub::DeliveryState::delivered);
    EXPECT_EQ(receipts[1].reference, "m-2");
    EXPECT_EQ(receipts[1].state, clinhub::DeliveryState::failed);
    EXPECT_EQ(receipts[1].detail, "failed");

    receipts.clear();
    const auto refused = connector->sms()->receipt("Bearer guess", "m-1 delivered\n", receipts);
    EXPECT_EQ(refused.status, clinhub::Status::permanent);
    EXPECT_TRUE(receipts.empty());
}

TEST(PluginHost, A12PluginStillLoadsAndNothingPastTheEndOfItsDescriptorIsRead) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-abi-1-2"))) << host.refused().front().reason;
    const auto* info = host.find("abi-1-2");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->kinds, std::set<clinhub::config::Kind>{clinhub::config::Kind::sms})
        << "read a patient-messaging table past the end of a 1.2 descriptor";
    std::string error;
    auto connector = host.create("texts", "abi-1-2", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    EXPECT_EQ(connector->patientMessaging(), nullptr);
    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok()) << "a 1.2 plugin sends";
}

TEST(PluginHost, APatientMessagingPluginSendsByNhsNumberAndReportsEachChannel) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-patient-messages")));
    const auto* info = host.find("patient-messages");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->kinds, std::set<clinhub::config::Kind>{clinhub::config::Kind::patientMessaging});
    ASSERT_TRUE(info->cascades);
    EXPECT_TRUE(info->cascades(R"({"cascades": true})"));
    EXPECT_FALSE(info->cascades("{}"));

    std::string error;
    auto connector = host.create("app", "patient-messages", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    ASSERT_NE(connector->patientMessaging(), nullptr);
    EXPECT_EQ(connector->sms(), nullptr);
    std::string providerId;
    ASSERT_TRUE(connector->patientMessaging()
                    ->send({"9995260182", "2000-01-01", "+447700900123", "hello", "ref-1"}, providerId)
                    .ok());
    EXPECT_EQ(providerId, "p-ref-1-+447700900123") << "every field crossed";
    const auto notOnApp = connector->patientMessaging()->send({"9990000018", "", "", "hello", "ref-2"}, providerId);
    EXPECT_EQ(notOnApp.status, clinhub::Status::permanent);
    EXPECT_EQ(notOnApp.message, "not on the NHS App");

    clinhub::Delivery delivery;
    std::vector<clinhub::Receipt> channels;
    ASSERT_TRUE(connector->patientMessaging()->lookup("ref-1", delivery, channels).ok());
    EXPECT_EQ(delivery.state, clinhub::DeliveryState::delivered);
    ASSERT_EQ(channels.size(), 1U);
    EXPECT_EQ(channels[0].reference, "ref-1");
    EXPECT_EQ(channels[0].channel, clinhub::PatientChannel::nhsApp);
    EXPECT_EQ(channels[0].state, clinhub::DeliveryState::read);

    std::vector<clinhub::Receipt> receipts;
    ASSERT_TRUE(connector->patientMessaging()
                    ->receipt({{"x-signature", "let-me-in"}, {"authorization", "Bearer x"}},
                              "m-1 nhsapp failed\nm-1 sms delivered\nm-1 - delivered\n", receipts)
                    .ok());
    ASSERT_EQ(receipts.size(), 3U);
    EXPECT_EQ(receipts[0].channel, clinhub::PatientChannel::nhsApp);
    EXPECT_EQ(receipts[0].state, clinhub::DeliveryState::failed);
    EXPECT_EQ(receipts[1].channel, clinhub::PatientChannel::sms);
    EXPECT_EQ(receipts[1].state, clinhub::DeliveryState::delivered);
    EXPECT_EQ(receipts[2].channel, clinhub::PatientChannel::unknown) << "the message as a whole";
    EXPECT_EQ(receipts[2].reference, "m-1");
    EXPECT_EQ(connector->patientMessaging()->receipt({{"x-signature", "guess"}}, "m-1 - delivered\n", receipts).status,
              clinhub::Status::permanent);
}

TEST(PluginHost, AMissingDirectoryIsARefusalNotACrash) {
    PluginHost host;
    host.loadDirectory("/nonexistent/clinhub/plugins");
    ASSERT_EQ(host.refused().size(), 1U);
    EXPECT_EQ(host.refused().front().reason, "plugin directory does not exist");
}

// Writes down what the host says of each call, as the app's ConnectorBoard would count it.
class RecordingObserver : public clinhub::host::CallObserver {
public:
    struct Call {
        std::string connector;
        clinhub::host::Operation operation;
        clinhub::Status status;
        std::chrono::nanoseconds took;
    };
    std::shared_ptr<clinhub::host::ConnectorCalls> watch(const std::string& connector,
                                                         const std::string& plugin) override {
        watched.push_back(connector + " of " + plugin);
        return std::make_shared<Watcher>(*this, connector);
    }
    std::vector<std::string> watched;
    std::vector<Call> calls;

private:
    struct Watcher : clinhub::host::ConnectorCalls {
        Watcher(RecordingObserver& o, std::string c) : observer(o), connector(std::move(c)) {}
        void called(clinhub::host::Operation operation, const clinhub::Result& result, std::chrono::nanoseconds took,
                    std::chrono::steady_clock::time_point /*ended*/) noexcept override {
            observer.calls.push_back({connector, operation, result.status, took});
        }
        RecordingObserver& observer;
        std::string connector;
    };
};

TEST(PluginHost, EveryCallIntoAPluginIsToldToTheObserverWithItsOperationOutcomeAndTime) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    auto observer = std::make_shared<RecordingObserver>();
    host.observe(observer);
    std::string error;
    auto connector = host.create("texts", "good", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    EXPECT_EQ(observer->watched, std::vector<std::string>{"texts of good"});

    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok());
    EXPECT_FALSE(connector->sms()->send({"+447700900123", "hello", "timeout"}, providerId).ok());
    clinhub::Delivery delivery;
    EXPECT_FALSE(connector->sms()->lookup("ref-1", delivery).ok()) << "a call the plugin lacks is an outcome too";

    using clinhub::host::Operation;
    ASSERT_EQ(observer->calls.size(), 3U);
    EXPECT_EQ(observer->calls[0].operation, Operation::send);
    EXPECT_EQ(observer->calls[0].status, clinhub::Status::ok);
    EXPECT_EQ(observer->calls[1].operation, Operation::send);
    EXPECT_EQ(observer->calls[1].status, clinhub::Status::retryable);
    EXPECT_EQ(observer->calls[2].operation, Operation::lookup);
    EXPECT_EQ(observer->calls[2].status, clinhub::Status::permanent);
    for (const auto& call : observer->calls) {
        EXPECT_EQ(call.connector, "texts");
        EXPECT_GE(call.took.count(), 0);
    }
    EXPECT_EQ(clinhub::host::toString(Operation::freeSlots), "free_slots");
}

TEST(PluginHost, WithoutAnObserverCallsAreMadeAsBefore) {
    PluginHost host;
    ASSERT_TRUE(host.loadFile(broken("test-good")));
    std::string error;
    auto connector = host.create("texts", "good", "{}", error);
    ASSERT_NE(connector, nullptr) << error;
    std::string providerId;
    EXPECT_TRUE(connector->sms()->send({"+447700900123", "hello", "ref-1"}, providerId).ok());
    EXPECT_EQ(providerId, "ref-1");
}

} // namespace

// The TCP transport's kept connections, the config checks, and the log.
#include "SystmOneTest.h"

#include "hub/log/Log.h"

#include <atomic>
#include <thread>

namespace systmone::test {
namespace {

int tcpStat(const Sim& sim, const std::string& name) { return sim.requests()->getObject("tcp")->getValue<int>(name); }

TEST_F(SystmOneTest, TcpConnectionsAreKeptAndSharedButNeverMoreThanConfigured) {
    Sim sim;
    auto& b = book(sim, "tcp", R"("max_connections": 2)");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                std::optional<Patient> found;
                if (!b.findPatient(testy().nhsNumber, found).ok() || !found) ++failures;
            }
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(failures, 0);
    EXPECT_LE(tcpStat(sim, "max_open"), 2);
    EXPECT_LE(tcpStat(sim, "accepted"), 2) << "connections are kept between calls, not opened for each";
}

TEST_F(SystmOneTest, ATcpConnectionTheLocalClientClosedWhileIdleIsReplacedUnnoticed) {
    Sim sim({"--idle-timeout-ms", "100"});
    auto& b = book(sim, "tcp");
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient(testy().nhsNumber, found).ok());
    for (int i = 0; i < 200 && tcpStat(sim, "open") > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_EQ(tcpStat(sim, "open"), 0) << "the simulator closed the idle connection";
    const Result r = b.findPatient(testy().nhsNumber, found);
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(tcpStat(sim, "accepted"), 2);
}

TEST_F(SystmOneTest, TheConfigSaysWhatEachTransportNeeds) {
    const std::string base = R"("api_key": "k", "device_id": "d")";
    EXPECT_NE(createError("systmone-xml", "{" + base + "}").find("/port"), std::string::npos);
    EXPECT_NE(createError("systmone-xml", R"({"transport": "http", )" + base + "}").find("/base_url"),
              std::string::npos);
    EXPECT_NE(createError("systmone-xml", R"({"transport": "http", "base_url": "ftp://x", )" + base + "}")
                  .find("http:// or https://"),
              std::string::npos);
    EXPECT_NE(
        createError("systmone-xml", R"({"transport": "carrier pigeon", "port": 1, )" + base + "}").find("/transport"),
        std::string::npos);
    EXPECT_NE(createError("systmone-xml", R"({"port": 2001, "device_id": "d"})").find("/api_key"), std::string::npos);
    EXPECT_NE(createError("systmone-xml", R"({"port": 2001, "api_key": "k", "device_id": "d", "timezone": "CET"})")
                  .find("/timezone"),
              std::string::npos);
}

TEST_F(SystmOneTest, ThePluginPublishesItsConfigSchema) {
    const auto* info = host_.find("systmone-xml");
    ASSERT_NE(info, nullptr);
    const auto& loaded = host_.loaded();
    ASSERT_FALSE(loaded.empty());
    const std::string schema = loaded.front()->descriptor->config_schema;
    for (const char* key : {"\"transport\"", "\"base_url\"", "\"api_key\"", "\"device_id\"", "\"timeout_ms\""})
        EXPECT_NE(schema.find(key), std::string::npos) << key;
}

// Everything the connector logs, through every path that logs, names slots and appointments only.
TEST_F(SystmOneTest, NoPatientDataReachesTheLog) {
    Sim sim;
    clinhub::log::setMinimumLevel(clinhub::log::Level::debug);
    ::testing::internal::CaptureStderr();
    std::string log;
    {
        auto& b = book(sim, "tcp");
        const auto slots = freeSlots(b, "Flu clinic");
        std::optional<Patient> found;
        (void)b.findPatient(testy().nhsNumber, found);
        Appointment a, b2, moved;
        sim.setFaults(R"({"after_commit_rate": 1})");
        (void)b.book(slots.at(0).id, testy(), "note", a);
        sim.setFaults(R"({"after_commit_rate": 0, "drop_rate": 1})");
        (void)b.book(slots.at(1).id, testy(), "note", b2);
        sim.clearFaults();
        (void)b.book(slots.at(1).id, testy(), "note", b2);
        (void)b.book(slots.at(1).id, example(), "note", moved);
        (void)b.reschedule(a.id, slots.at(2).id, moved);
        (void)b.cancel(a.id);
        (void)b.writeCode(testy(), "822931000000100", "Declined");
        (void)b.book(slots.at(3).id, {kUnknownNhsNumber, "", "", "", ""}, "", a);
        instances_.clear();
    }
    log = ::testing::internal::GetCapturedStderr();
    clinhub::log::setMinimumLevel(clinhub::log::Level::info);
    EXPECT_NE(log.find("checking whether a booking of slot"), std::string::npos) << "the paths that log ran:\n" << log;
    for (const char* secret : {"9995260182", "999 526 0182", "9991590838", kUnknownNhsNumber, "Testy", "McTestface",
                               "1956-03-14", "07700", "447700"})
        EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in:\n" << log;
}

} // namespace
} // namespace systmone::test

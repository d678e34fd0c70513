#include "hub/store/Store.h"
#include "tests/store/TestStore.h"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace Poco::Data::Keywords;

namespace {

// ctest runs each test in a process of its own, so this one is first to touch SQLite in its process.
TEST(SqliteTuning, ATunedProcessKeepsNoMemoryCountWhichEveryAllocationWouldLockForAndTuningLateIsRefused) {
    ASSERT_TRUE(clinhub::store::tuneSqliteForThisProcess());
    clinhub::test::TempDir dir;
    auto store = clinhub::store::Store::open("sqlite:" + dir.file("tuned.db"));
    store->migrate();
    sqlite3_int64 current = -1;
    sqlite3_int64 highest = -1;
    ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0), SQLITE_OK);
    EXPECT_EQ(current, 0) << "SQLite still counts its memory";
    EXPECT_FALSE(clinhub::store::tuneSqliteForThisProcess()) << "SQLite is running: too late to change";
}

TEST(Store, AppliesEveryMigrationOnceAndRecordsTheVersion) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    const auto applied = store->migrate();
    ASSERT_EQ(applied.size(), clinhub::store::migrations().size());
    EXPECT_EQ(store->schemaVersion(), clinhub::store::migrations().back().version);
    EXPECT_TRUE(store->migrate().empty()) << "a second run must apply nothing";
}

TEST(Store, WhenEveryConnectionIsInUseTheNextWaitsForOneToComeBackInsteadOfFailing) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    store->migrate();
    std::vector<clinhub::store::Session> held;
    for (int i = 0; i < clinhub::store::Store::kMaxSessions; ++i)
        held.push_back(store->session());
    std::atomic<bool> answered{false};
    int version = 0;
    std::string failed;
    std::thread waiting([&] {
        try {
            auto s = store->session();
            s << "SELECT MAX(version) FROM schema_migrations", Poco::Data::Keywords::into(version),
                Poco::Data::Keywords::now;
            answered = true;
        } catch (const Poco::Exception& e) {
            failed = e.displayText();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(answered) << "every connection was in use";
    held.pop_back();
    waiting.join();
    EXPECT_TRUE(answered) << failed;
    EXPECT_EQ(version, clinhub::store::migrations().back().version);
}

TEST(Store, MigrationsSurviveReopening) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    clinhub::store::Store::open(db.url())->migrate();
    auto reopened = clinhub::store::Store::open(db.url());
    EXPECT_TRUE(reopened->migrate().empty());
}

TEST(Store, AnOlderStoreIsMigratedByANewerClinhubKeepingItsRows) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    const int older = clinhub::store::migrations().front().version + 1;
    {
        auto store = clinhub::store::Store::open(db.url());
        ASSERT_EQ(store->migrate(older).size(), 2U);
        store->write([](clinhub::store::Session& s) {
            s << "INSERT INTO outbox (reference, organisation, channel, payload, state, due_at, created_at, "
                 "updated_at) "
                 "VALUES ('msg-old', 'A12345', 'sms', '{}', 'queued', 0, 0, 0)",
                now;
        });
    }
    auto upgraded = clinhub::store::Store::open(db.url());
    const auto applied = upgraded->migrate();
    ASSERT_FALSE(applied.empty());
    EXPECT_EQ(applied.front(), older + 1);
    EXPECT_EQ(upgraded->schemaVersion(), clinhub::store::Store::knownVersion());
    int kept = 0;
    auto s = upgraded->session();
    s << "SELECT COUNT(*) FROM outbox WHERE reference = 'msg-old'", into(kept), now;
    EXPECT_EQ(kept, 1);
}

TEST(Store, AStoreANewerClinhubMigratedIsRefusedWithWhatToDoAndLeftAsItWas) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    store->migrate();
    const int newer = clinhub::store::Store::knownVersion() + 2;
    store->write([&](clinhub::store::Session& s) {
        int version = newer;
        s << "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, 'from the future', 0)",
            use(version), now;
    });
    try {
        clinhub::store::Store::open(db.url())->migrate();
        FAIL() << "a newer store was opened";
    } catch (const clinhub::store::NewerSchemaError& e) {
        EXPECT_EQ(e.found(), newer);
        EXPECT_EQ(std::string(e.what()), "store schema version " + std::to_string(newer) +
                                             " is newer than this clinhub (" +
                                             std::to_string(clinhub::store::Store::knownVersion()) +
                                             "): upgrade clinhub, or restore a backup taken by this version "
                                             "(docs/operations.md)");
    }
    EXPECT_EQ(store->schemaVersion(), newer) << "nothing was changed";
}

TEST(Store, UsesWriteAheadLoggingOnSqlite) {
    clinhub::test::TempDir dir;
    auto store = clinhub::store::Store::open("sqlite:" + dir.file("hub.db"));
    auto session = store->session();
    std::string mode;
    session << "PRAGMA journal_mode", into(mode), now;
    EXPECT_EQ(mode, "wal");
}

TEST(Store, AFailedWriteRollsBackEverything) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    store->write([](clinhub::store::Session& s) { s << "CREATE TABLE t (v INTEGER)", now; });
    EXPECT_THROW(store->write([](clinhub::store::Session& s) {
        s << "INSERT INTO t VALUES (1)", now;
        throw std::runtime_error("half way");
    }),
                 std::runtime_error);
    int count = -1;
    auto session = store->session();
    session << "SELECT COUNT(*) FROM t", into(count), now;
    EXPECT_EQ(count, 0);
}

TEST(Store, ConcurrentReadThenWriteTransactionsDoNotLoseUpdates) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    store->write([](clinhub::store::Session& s) {
        s << "CREATE TABLE counter (v INTEGER)", now;
        s << "INSERT INTO counter VALUES (0)", now;
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i)
                store->write([](clinhub::store::Session& s) {
                    int v = 0;
                    s << "SELECT v FROM counter", into(v), now;
                    ++v;
                    s << "UPDATE counter SET v = ?", use(v), now;
                });
        });
    for (auto& t : threads)
        t.join();
    int v = 0;
    auto session = store->session();
    session << "SELECT v FROM counter", into(v), now;
    EXPECT_EQ(v, 100);
}

TEST(Store, RefusesAUrlItCannotUse) {
    EXPECT_THROW(clinhub::store::Store::open("mysql://localhost/hub"), std::invalid_argument);
    EXPECT_THROW(clinhub::store::Store::open("sqlite::memory:"), std::invalid_argument);
}

TEST(Store, ReportsItselfReachable) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    std::string problem;
    EXPECT_TRUE(store->reachable(problem)) << problem;
}

} // namespace

#include "hub/store/Backup.h"
#include "hub/store/Store.h"
#include "tests/TempDir.h"

#include <Poco/Data/Session.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace Poco::Data::Keywords;

namespace clinhub::store {
namespace {

int outboxRows(Store& store) {
    int rows = 0;
    auto s = store.session();
    s << "SELECT COUNT(*) FROM outbox", into(rows), now;
    return rows;
}

void addMessage(Store& store, const std::string& reference) {
    store.write([&](Session& s) {
        std::string r = reference;
        s << "INSERT INTO outbox (reference, organisation, channel, payload, state, due_at, created_at, updated_at) "
             "VALUES (?, 'A12345', 'sms', '{}', 'queued', 0, 0, 0)",
            use(r), now;
    });
}

TEST(Backup, ACopyTakenWithTheStoreOpenHoldsWhatWasCommittedAndIsOneFile) {
    test::TempDir dir;
    auto store = Store::open("sqlite:" + dir.file("hub.db"));
    store->migrate();
    addMessage(*store, "msg-1");
    // Still open, in WAL mode: the commit is in hub.db-wal, which a copy of hub.db alone would miss.
    const auto info = backupSqlite(dir.file("hub.db"), dir.file("copy.db"), false);
    EXPECT_EQ(info.schemaVersion, Store::knownVersion());
    EXPECT_EQ(info.bytes, std::filesystem::file_size(dir.file("copy.db")));
    EXPECT_FALSE(std::filesystem::exists(dir.file("copy.db-wal")));
    EXPECT_EQ(outboxRows(*Store::open("sqlite:" + dir.file("copy.db"))), 1);
}

TEST(Backup, RestoreRefusesAStoreAnyConnectionHasOpenAndReplacesItOnceClosed) {
    test::TempDir dir;
    {
        auto original = Store::open("sqlite:" + dir.file("original.db"));
        original->migrate();
        addMessage(*original, "msg-1");
        addMessage(*original, "msg-2");
    }
    backupSqlite(dir.file("original.db"), dir.file("backup.db"), false);

    auto serving = Store::open("sqlite:" + dir.file("hub.db"));
    serving->migrate();
    addMessage(*serving, "msg-other");
    try {
        restoreSqlite(dir.file("backup.db"), dir.file("hub.db"));
        FAIL() << "restored under an open store";
    } catch (const BackupError& e) {
        EXPECT_NE(std::string(e.what()).find("is open in another process"), std::string::npos) << e.what();
    }
    EXPECT_EQ(outboxRows(*serving), 1) << "left as it was";
    serving.reset();

    const auto info = restoreSqlite(dir.file("backup.db"), dir.file("hub.db"));
    EXPECT_EQ(info.schemaVersion, Store::knownVersion());
    auto restored = Store::open("sqlite:" + dir.file("hub.db"));
    EXPECT_TRUE(restored->migrate().empty());
    EXPECT_EQ(outboxRows(*restored), 2);
}

TEST(Backup, AnOlderBackupIsRestoredAndMigratedAtTheNextOpen) {
    test::TempDir dir;
    {
        auto older = Store::open("sqlite:" + dir.file("older.db"));
        older->migrate(2);
    }
    const auto info = restoreSqlite(dir.file("older.db"), dir.file("hub.db"));
    EXPECT_EQ(info.schemaVersion, 2);
    auto store = Store::open("sqlite:" + dir.file("hub.db"));
    EXPECT_FALSE(store->migrate().empty());
    EXPECT_EQ(store->schemaVersion(), Store::knownVersion());
}

TEST(Backup, ATruncatedBackupIsRefusedBeforeTheStoreIsTouched) {
    test::TempDir dir;
    {
        auto original = Store::open("sqlite:" + dir.file("original.db"));
        original->migrate();
    }
    backupSqlite(dir.file("original.db"), dir.file("backup.db"), false);
    std::filesystem::resize_file(dir.file("backup.db"), std::filesystem::file_size(dir.file("backup.db")) / 2);
    std::ofstream(dir.file("hub.db")) << "";
    EXPECT_THROW(restoreSqlite(dir.file("backup.db"), dir.file("hub.db")), BackupError);
    EXPECT_EQ(std::filesystem::file_size(dir.file("hub.db")), 0U);
}

} // namespace
} // namespace clinhub::store

#include "hub/store/Session.h"
#include "hub/store/Store.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

using clinhub::store::Dialect;
using clinhub::store::placeholdersFor;
using namespace Poco::Data::Keywords;

namespace {

TEST(Placeholders, AreNumberedInOrderForPostgresql) {
    EXPECT_EQ(placeholdersFor(Dialect::postgresql, "UPDATE t SET a = ?, b = ? WHERE id = ?"),
              "UPDATE t SET a = $1, b = $2 WHERE id = $3");
}

TEST(Placeholders, AreLeftAsTheyAreForSqlite) {
    EXPECT_EQ(placeholdersFor(Dialect::sqlite, "SELECT ? FROM t WHERE a = ?"), "SELECT ? FROM t WHERE a = ?");
}

TEST(Placeholders, InsideQuotedTextOrCommentsAreText) {
    EXPECT_EQ(placeholdersFor(Dialect::postgresql, "SELECT '?', 'it''s ?', \"a?\" FROM t -- why?\nWHERE a = ?"),
              "SELECT '?', 'it''s ?', \"a?\" FROM t -- why?\nWHERE a = $1");
}

TEST(StoreSession, BindsPortableSqlOnEitherDatabase) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    EXPECT_EQ(store->dialect(), db.postgresql() ? Dialect::postgresql : Dialect::sqlite);
    store->write([](clinhub::store::Session& s) {
        s << "CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT NOT NULL)", now;
        std::string k = "question?";
        int64_t v = 1'700'000'000'000'000;
        s << "INSERT INTO t (k, v) VALUES (?, ?)", use(k), use(v), now;
    });
    auto s = store->session();
    std::string k = "question?";
    int64_t v = 0;
    s << "SELECT v FROM t WHERE k = ? AND k <> '?'", use(k), into(v), now;
    EXPECT_EQ(v, 1'700'000'000'000'000);
}

TEST(StoreSession, RowsClaimedInOneTransactionAreSkippedByAnother) {
    clinhub::test::TempDir dir;
    const clinhub::test::TestStore db(dir);
    auto store = clinhub::store::Store::open(db.url());
    store->write([](clinhub::store::Session& s) {
        s << "CREATE TABLE q (id INTEGER PRIMARY KEY)", now;
        s << "INSERT INTO q (id) VALUES (1), (2), (3), (4)", now;
    });
    std::vector<int> first;
    std::vector<int> second;
    store->transact([&](clinhub::store::Session& a) {
        a << std::string("SELECT id FROM q ORDER BY id LIMIT 2") + a.skipLocked(), into(first), now;
        if (!db.postgresql()) return; // SQLite's one writer: nobody else is in a transaction now
        // Another session, while this one holds its rows, gets the next ones rather than waiting.
        store->transact([&](clinhub::store::Session& b) {
            b << std::string("SELECT id FROM q ORDER BY id LIMIT 2") + b.skipLocked(), into(second), now;
        });
    });
    EXPECT_EQ(first, (std::vector<int>{1, 2}));
    if (db.postgresql()) EXPECT_EQ(second, (std::vector<int>{3, 4}));
}

TEST(StoreUrl, BecomesLibpqKeywordsForPostgresql) {
    EXPECT_EQ(clinhub::store::postgresConnectionString("postgresql://hub%40x@db.internal:6432/clinhub?sslmode=require"),
              "host=db.internal port=6432 user=hub@x dbname=clinhub sslmode=require");
    EXPECT_EQ(clinhub::store::postgresConnectionString("postgres://hub%40x:p%3Ass@db.example:6000/store"),
              "host=db.example port=6000 user=hub@x password=p:ss dbname=store");
    EXPECT_THROW(clinhub::store::postgresConnectionString("postgresql://hub:a%20b@127.0.0.1/clinhub"),
                 std::invalid_argument);
    EXPECT_THROW(clinhub::store::postgresConnectionString("sqlite:///var/hub.db"), std::invalid_argument);
}

TEST(StoreUrl, IsShownWithoutItsPassword) {
    EXPECT_EQ(clinhub::store::withoutPassword("postgresql://hub:s3cret@db:5432/clinhub"),
              "postgresql://hub:***@db:5432/clinhub");
    EXPECT_EQ(clinhub::store::withoutPassword("postgresql://hub@db:5432/clinhub"), "postgresql://hub@db:5432/clinhub");
    EXPECT_EQ(clinhub::store::withoutPassword("sqlite:/var/lib/clinhub/hub.db"), "sqlite:/var/lib/clinhub/hub.db");
}

} // namespace

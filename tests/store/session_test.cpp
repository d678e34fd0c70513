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

TEST(StoreUrl, NoShapeOrSchemeShowsAPassword) {
    using clinhub::store::withoutPassword;
    EXPECT_EQ(withoutPassword("postgres://hub:s3cret@db:5432/clinhub"), "postgres://hub:***@db:5432/clinhub");
    EXPECT_EQ(withoutPassword("postgresql://hub:s3@cr/et@db/clinhub"), "postgresql://hub:***@db/clinhub")
        << "an unescaped '@' or '/' in the password";
    EXPECT_EQ(withoutPassword("postgresql://hub@db/clinhub?sslmode=require&password=s3cret"),
              "postgresql://hub@db/clinhub?sslmode=require&password=***");
    EXPECT_EQ(withoutPassword("postgresql://hub@db/clinhub?PassWord=s3cret&sslpassword=k3y&sslmode=require"),
              "postgresql://hub@db/clinhub?PassWord=***&sslpassword=***&sslmode=require");
    EXPECT_EQ(withoutPassword("postgresql://hub:s3cret@[::1]:5432/clinhub"), "postgresql://hub:***@[::1]:5432/clinhub");
    EXPECT_EQ(withoutPassword("postgresql://[::1]:5432/clinhub"), "postgresql://[::1]:5432/clinhub");
    EXPECT_EQ(withoutPassword("sqlite://hub:s3cret@/var/lib/hub.db"), "sqlite://hub:***@/var/lib/hub.db");
    EXPECT_EQ(withoutPassword("sqlite:hub:s3cret@/var/lib/hub.db"), "sqlite:hub:***@/var/lib/hub.db");
    EXPECT_EQ(withoutPassword("sqlite:file:/var/lib/hub.db?password=s3cret"),
              "sqlite:file:/var/lib/hub.db?password=***");
    EXPECT_EQ(withoutPassword("mysql://hub:s3cret@db/clinhub"), "mysql://hub:***@db/clinhub");
}

TEST(StoreUrl, ADriversMessageIsShownWithoutThePassword) {
    using clinhub::store::hidingPassword;
    EXPECT_EQ(hidingPassword("password=s3cret rejected", "postgresql://hub:s3cret@db/clinhub"),
              "password=*** rejected");
    EXPECT_EQ(hidingPassword("bad p:w@x and p%3Aw%40x", "postgres://hub:p%3Aw%40x@db/clinhub"), "bad *** and ***")
        << "as written and percent-decoded";
    EXPECT_EQ(hidingPassword("cannot open /srv/u:s3cret@/hub.db", "sqlite:/srv/u:s3cret@/hub.db"),
              "cannot open /srv/u:***@/hub.db");
    EXPECT_EQ(hidingPassword("nothing to hide", "postgresql://hub@db/clinhub"), "nothing to hide");
}

} // namespace

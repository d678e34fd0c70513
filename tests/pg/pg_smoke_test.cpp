// The hub's toolchain talks to a real PostgreSQL: Poco::Data::PostgreSQL as Debian 12 ships it (Poco 1.11.0),
// against the throw-away cluster of ctest's fixture `pg`. Each test proves one thing the PostgreSQL store
// relies on, or pins down one of the connector's traps:
// - Placeholders are $1, $2, …, never `?`: the connector prepares the SQL on the server verbatim (PQprepare)
//   and PostgreSQL's syntax for parameters is $n; `?` is not rewritten, the server refuses it as a syntax
//   error. The hub's SQLite statements (with `?`) have to be ported, not reused.
// - The connection string is libpq's keyword=value form split at spaces, never a URL (store::postgresConnectionString).
// - A BIGINT read into an `int` comes back 0 without any error: read BIGINT columns into Poco::Int64.
// Found while writing these, not tested here: every statement is a prepared one, so one string holds one
// statement ("cannot insert multiple commands into a prepared statement"); a NULL read into std::string is
// "" (use Poco::Nullable); a query with no row leaves a scalar into() untouched; after an error inside a
// transaction every statement fails until rollback (unlike SQLite); `BEGIN` sent as a statement works but
// Session::isTransaction() does not know of it; the same $n used for columns of different types fails
// ("inconsistent types deduced"); libpq prints server NOTICEs (DROP … IF EXISTS) to stderr.
#include "hub/store/Store.h"
#include "tests/pg/PgDatabase.h"
#include "tests/pg/PgUrl.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

class PgSmoke : public ::testing::Test {
protected:
    static void SetUpTestSuite() { Poco::Data::PostgreSQL::Connector::registerConnector(); }
    static void TearDownTestSuite() { Poco::Data::PostgreSQL::Connector::unregisterConnector(); }

    static Session connect() {
        return Session(Poco::Data::PostgreSQL::Connector::KEY,
                       clinhub::store::postgresConnectionString(clinhub::test::postgresUrl()));
    }

    // A table of this test's own (tests run in parallel against one database), made afresh.
    static std::string freshTable(Session& session, const std::string& columns) {
        std::string name = std::string("smoke_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        session << "DROP TABLE IF EXISTS " + name, now;
        session << "CREATE TABLE " + name + " (" + columns + ")", now;
        return name;
    }
};

TEST_F(PgSmoke, SelectOneOverTheFixturesCluster) {
    Session session = connect();
    ASSERT_TRUE(session.isConnected());
    int one = 0;
    session << "SELECT 1", into(one), now;
    EXPECT_EQ(one, 1);
    std::string database;
    session << "SELECT current_database()", into(database), now;
    EXPECT_EQ(database, "clinhub");
}

TEST_F(PgSmoke, UrlIsNotAConnectionStringForPoco) {
    EXPECT_THROW(Session(Poco::Data::PostgreSQL::Connector::KEY, clinhub::test::postgresUrl()), Poco::Exception);
}

TEST_F(PgSmoke, DollarPlaceholdersBindAndRowsReadBack) {
    Session session = connect();
    const std::string table = freshTable(session, "id BIGINT PRIMARY KEY, name TEXT NOT NULL");
    for (Poco::Int64 id : {1, 2, 3}) {
        std::string name = "row " + std::to_string(id);
        session << "INSERT INTO " + table + " (id, name) VALUES ($1, $2)", use(id), use(name), now;
    }
    std::vector<Poco::Int64> ids;
    std::vector<std::string> names;
    Poco::Int64 from = 2;
    session << "SELECT id, name FROM " + table + " WHERE id >= $1 ORDER BY id", use(from), into(ids), into(names), now;
    EXPECT_EQ(ids, (std::vector<Poco::Int64>{2, 3}));
    EXPECT_EQ(names, (std::vector<std::string>{"row 2", "row 3"}));
}

TEST_F(PgSmoke, QuestionMarkPlaceholdersAreRefused) {
    Session session = connect();
    const std::string table = freshTable(session, "id BIGINT PRIMARY KEY, name TEXT NOT NULL");
    Poco::Int64 id = 1;
    std::string name = "one";
    std::string error;
    try {
        session << "INSERT INTO " + table + " (id, name) VALUES (?, ?)", use(id), use(name), now;
    } catch (const Poco::Exception& e) {
        error = e.displayText();
    }
    EXPECT_NE(error.find("syntax error"), std::string::npos) << "the server should refuse `?`; got: " << error;
    Poco::Int64 rows = -1;
    session << "SELECT COUNT(*) FROM " + table, into(rows), now;
    EXPECT_EQ(rows, 0);
}

TEST_F(PgSmoke, BigintKeepsMicrosecondTimestampsExactly) {
    Session session = connect();
    const std::string table = freshTable(session, "id BIGINT PRIMARY KEY, at_us BIGINT NOT NULL");
    // 2026-11-23T17:20:00.123457Z, and the extremes of the type.
    std::vector<Poco::Int64> values{1795454400123457, 0, -1, INT64_MAX, INT64_MIN};
    for (Poco::Int64 i = 0; i < static_cast<Poco::Int64>(values.size()); ++i)
        session << "INSERT INTO " + table + " (id, at_us) VALUES ($1, $2)", use(i), use(values[i]), now;
    std::vector<Poco::Int64> back;
    session << "SELECT at_us FROM " + table + " ORDER BY id", into(back), now;
    EXPECT_EQ(back, values);

    Poco::Int64 fromServer = 0;
    Poco::Int64 at = values[0];
    session << "SELECT (EXTRACT(EPOCH FROM to_timestamp($1::BIGINT / 1e6)) * 1e6)::BIGINT", use(at), into(fromServer),
        now;
    EXPECT_EQ(fromServer, at);
}

TEST_F(PgSmoke, BigintReadIntoIntBecomesZeroWithoutError) {
    Session session = connect();
    int narrow = -1;
    session << "SELECT 1795454400123457::BIGINT", into(narrow), now;
    EXPECT_EQ(narrow, 0) << "Poco's PostgreSQL connector changed: a BIGINT into int is no longer silently 0";
    Poco::Int64 wide = 0;
    session << "SELECT 1795454400123457::BIGINT", into(wide), now;
    EXPECT_EQ(wide, 1795454400123457);
}

TEST_F(PgSmoke, RolledBackTransactionLeavesNothing) {
    Session session = connect();
    const std::string table = freshTable(session, "id BIGINT PRIMARY KEY");
    session.begin();
    EXPECT_TRUE(session.isTransaction());
    for (Poco::Int64 id : {1, 2})
        session << "INSERT INTO " + table + " (id) VALUES ($1)", use(id), now;
    Poco::Int64 inside = 0;
    session << "SELECT COUNT(*) FROM " + table, into(inside), now;
    EXPECT_EQ(inside, 2);
    session.rollback();
    EXPECT_FALSE(session.isTransaction());

    Poco::Int64 after = -1;
    connect() << "SELECT COUNT(*) FROM " + table, into(after), now;
    EXPECT_EQ(after, 0);
}

TEST_F(PgSmoke, SkipLockedLetsTwoSessionsClaimDifferentRows) {
    Session setup = connect();
    const std::string table = freshTable(setup, "id BIGINT PRIMARY KEY, claimed_by TEXT");
    for (Poco::Int64 id : {1, 2, 3, 4, 5})
        setup << "INSERT INTO " + table + " (id) VALUES ($1)", use(id), now;
    const std::string claim =
        "SELECT id FROM " + table + " WHERE claimed_by IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED";

    Session a = connect();
    Session b = connect();
    Poco::Int64 two = 2, ten = 10;
    std::vector<Poco::Int64> claimedByA, claimedByB;
    a.begin();
    a << claim, use(two), into(claimedByA), now;
    b.begin();
    b << claim, use(ten), into(claimedByB), now; // without SKIP LOCKED this would wait for a
    EXPECT_EQ(claimedByA, (std::vector<Poco::Int64>{1, 2}));
    EXPECT_EQ(claimedByB, (std::vector<Poco::Int64>{3, 4, 5}));

    // a marks its rows and commits; b gives up. b's rows are free again, a's are gone from the queue.
    std::string by = "a";
    for (Poco::Int64 id : claimedByA)
        a << "UPDATE " + table + " SET claimed_by = $1 WHERE id = $2", use(by), use(id), now;
    a.commit();
    b.rollback();
    std::vector<Poco::Int64> claimable;
    Session c = connect();
    c.begin();
    c << claim, use(ten), into(claimable), now;
    c.rollback();
    EXPECT_EQ(claimable, (std::vector<Poco::Int64>{3, 4, 5}));
}

TEST_F(PgSmoke, PgDatabaseGivesATestAnEmptyDatabaseOfItsOwnAndDropsIt) {
    std::string name;
    std::optional<Session> lingering; // a session the test forgot: it does not keep the database alive
    {
        clinhub::test::PgDatabase database;
        name = database.name();
        EXPECT_EQ(database.url().substr(database.url().rfind('/') + 1), name);
        lingering.emplace(database.session());
        Poco::Int64 tables = -1;
        *lingering << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'", into(tables), now;
        EXPECT_EQ(tables, 0);
        *lingering << "CREATE TABLE outbox (reference TEXT PRIMARY KEY)", now; // what a migration would make
    }
    Poco::Int64 left = -1;
    connect() << "SELECT COUNT(*) FROM pg_database WHERE datname = $1", use(name), into(left), now;
    EXPECT_EQ(left, 0);
}

} // namespace

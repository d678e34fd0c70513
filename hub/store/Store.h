// The hub's durable state, through Poco::Data: SQLite by default, PostgreSQL when several hub processes
// share one database, chosen by URL.
//
// SQL is written once, portably, with `?` placeholders; what differs between databases (placeholders,
// how a write transaction starts, row locks) is kept in this class and store::Session so callers never
// branch on the database.
#pragma once

#include "hub/store/Session.h"
#include "hub/store/StoreUrl.h"

#include <Poco/Data/SessionPool.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::store {

// A store whose schema is newer than this binary's migrations: an older clinhub was started (or a backup
// restored) against a store a newer one had upgraded.
class NewerSchemaError : public std::runtime_error {
public:
    NewerSchemaError(int found, int known);
    [[nodiscard]] int found() const { return found_; }

private:
    int found_;
};

struct Migration {
    int version;
    std::string description;
    std::vector<std::string> statements;
    std::vector<std::string> sqliteStatements = {};   // after `statements`, on SQLite only
    std::vector<std::string> postgresStatements = {}; // after `statements`, on PostgreSQL only
};

// The numbered migrations, oldest first. Never edit a released one: add the next.
const std::vector<Migration>& migrations();

class Store {
public:
    // "sqlite:/path/to/file.db" ("sqlite::memory:" is refused: the hub needs a file other processes and
    // restarts can see), or "postgresql://USER@HOST:PORT/DBNAME" (a password is best left to libpq's
    // PGPASSWORD or ~/.pgpass, out of the config). Throws std::invalid_argument with a readable message on a
    // bad URL, and Poco::Data::ConnectionFailedException at once when an SQLite file cannot be opened (Poco's
    // own attempt would take its 60-second login timeout to say so).
    static std::unique_ptr<Store> open(const std::string& url);

    virtual ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // The URL without its password, fit for logs and messages.
    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] Dialect dialect() const { return dialect_; }
    // Whether other processes may share this store (PostgreSQL): then no process may assume that a claim
    // it finds at start-up is its own.
    [[nodiscard]] bool shared() const { return dialect_ == Dialect::postgresql; }

    // Seals patient data with `keys` from now on (and opens what they sealed before). Without it, a store
    // seals with a key that lives only as long as this process: fine for tests and tools, never for serve.
    // Call before the store is shared between threads.
    void useKeys(DataKeys keys) { keys_ = std::make_unique<const DataKeys>(std::move(keys)); }

    // A pooled session; give it back by letting it go out of scope. When every one of the kMaxSessions connections is
    // in use, waits for one to come back, up to kSessionWait, rather than fail at once as Poco's pool does: a burst of
    // requests queues instead of answering 500. Throws Poco::Data::SessionPoolExhaustedException after that.
    Session session();

    static constexpr int kMaxSessions = 32;
    static constexpr std::chrono::milliseconds kSessionWait{5000};

    // Applies every migration newer than the database, each in its own transaction; returns the
    // versions applied now. Safe to run from several processes at once. `upTo` stops short of the newest
    // (an older hub's store, for the upgrade tests). Throws NewerSchemaError, changing nothing, when the
    // store was migrated by a newer clinhub: this one would misread tables it does not know.
    std::vector<int> migrate(int upTo = knownVersion());
    int schemaVersion();
    // The newest migration this clinhub knows.
    static int knownVersion();
    // A cheap round trip, for /readyz; `problem` is the driver's reason, its password hidden.
    bool reachable(std::string& problem);

    // Runs `work` in a write transaction that holds the store's write lock from its first statement, so a
    // read-then-write inside it cannot race another writer, in this process or another. Commits when
    // `work` returns, rolls back when it throws.
    //
    // On SQLite that is the database's own single writer (BEGIN IMMEDIATE). On PostgreSQL it is a
    // transaction-scoped advisory lock, so every workflow keeps the one-writer-at-a-time reasoning it was
    // written with when several processes share the database.
    void write(const std::function<void(Session&)>& work);

    // Runs `work` in a transaction that takes no store-wide lock, for work that locks just the rows it
    // touches (SELECT … skipLocked()) so that processes sharing the store proceed side by side. On
    // SQLite it is write(), there being no finer lock.
    void transact(const std::function<void(Session&)>& work);

private:
    Store(const std::string& url, Dialect dialect, const std::string& connectionString);
    void run(const std::function<void(Session&)>& work, bool storeWide);

    std::string url_;
    std::string given_; // with its password, if any: only to hide it in the driver's messages
    Dialect dialect_;
    std::unique_ptr<Poco::Data::SessionPool> pool_;
    std::unique_ptr<const DataKeys> keys_;
    // SQLite takes one writer at a time, and a writer that finds it busy sleeps for milliseconds before
    // trying again: queueing this process's writers here instead keeps them to microseconds.
    std::mutex writer_;
};

// Poco::Data::PostgreSQL (1.11) takes no URL: it splits its connection string at spaces into libpq's
// keyword=value pairs. postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?KEY=VALUE&…] becomes "host=HOST
// port=PORT user=USER [password=PASSWORD] dbname=DBNAME [KEY=VALUE …]", each part percent-decoded. Throws
// std::invalid_argument when the URL is not postgresql:// or a part holds a space.
std::string postgresConnectionString(const std::string& url);

// For a process's main(), before anything opens a database: SQLite stops counting its memory in use, a
// count every allocation of every connection updated under one process-wide mutex (under load, most of
// the hub's lock contention). Returns false when it came too late and changed nothing.
bool tuneSqliteForThisProcess();

// Microseconds since the epoch: how every time is stored, so no database rounds it.
int64_t nowMicros();

// Greater than every number this process had from it before, and close to nowMicros(): the order of rows
// written in the same microsecond (the event tables' `seq`).
int64_t nextSequence();

} // namespace clinhub::store

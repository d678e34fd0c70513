// The hub's durable state, through Poco::Data: SQLite by default, PostgreSQL later, chosen by URL.
//
// SQL is written once, portably, with `?` placeholders; what differs between databases (placeholders,
// how a write transaction starts) is kept in this class so callers never branch on the database.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace clinhub::store {

struct Migration {
    int version;
    std::string description;
    std::vector<std::string> statements;
};

// The numbered migrations, oldest first. Never edit a released one: add the next.
const std::vector<Migration>& migrations();

class Store {
public:
    // "sqlite:/path/to/file.db" (or "sqlite::memory:" is refused: the hub needs a file other processes
    // and restarts can see). Throws std::invalid_argument with a readable message on a bad URL.
    static std::unique_ptr<Store> open(const std::string& url);

    virtual ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    [[nodiscard]] const std::string& url() const { return url_; }

    // A pooled session; give it back by letting it go out of scope.
    Poco::Data::Session session();

    // Applies every migration newer than the database, each in its own transaction; returns the
    // versions applied now. Safe to run from several processes at once.
    std::vector<int> migrate();
    int schemaVersion();
    // A cheap round trip, for /readyz.
    bool reachable(std::string& problem);

    // Runs `work` in a write transaction that holds the write lock from its first statement, so a
    // read-then-write inside it cannot race another writer. Commits when `work` returns, rolls back
    // when it throws.
    void write(const std::function<void(Poco::Data::Session&)>& work);

private:
    Store(std::string url, std::string connector, std::string connectionString);

    std::string url_;
    std::unique_ptr<Poco::Data::SessionPool> pool_;
    // SQLite takes one writer at a time, and a writer that finds it busy sleeps for milliseconds before
    // trying again: queueing this process's writers here instead keeps them to microseconds.
    std::mutex writer_;
};

// Microseconds since the epoch: how every time is stored, so no database rounds it.
int64_t nowMicros();

} // namespace clinhub::store

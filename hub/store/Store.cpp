#include "hub/store/Store.h"

#include "hub/store/PostgresConnector.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

using namespace Poco::Data::Keywords;

namespace clinhub::store {
namespace {

constexpr std::size_t kBusyTimeoutSeconds = 10;
// libpq waits as long as the operating system does (minutes, for a host that drops packets) unless told.
constexpr int kConnectTimeoutSeconds = 3;
constexpr int kPoolMinimum = 1;
constexpr int kPoolIdleSeconds = 60;
// The PostgreSQL advisory lock that write() holds: one number, the same in every hub process.
constexpr int64_t kWriterLock = 0x636c696e687562; // "clinhub"

// Every SQLite connection waits for a busy database instead of failing at once, and sees the database
// in WAL mode so readers never block the writer.
class SqlitePool final : public Poco::Data::SessionPool {
public:
    explicit SqlitePool(const std::string& path)
        : SessionPool(Poco::Data::SQLite::Connector::KEY, path, kPoolMinimum, Store::kMaxSessions, kPoolIdleSeconds) {}

protected:
    void customizeSession(Poco::Data::Session& session) override {
        session.setConnectionTimeout(kBusyTimeoutSeconds);
        session << "PRAGMA journal_mode=WAL", now;
        session << "PRAGMA synchronous=NORMAL", now;
        session << "PRAGMA foreign_keys=ON", now;
    }
};

// Opens the file as the pool will, and says at once why it cannot be. Poco 1.11 reports a failed SQLite open
// only when its 60-second login timeout runs out, holding the pool's lock all the while; the pool's
// janitor, first due at that same minute, then deadlocks with the pool's destructor.
void probeSqlite(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::string reason;
    if (rc != SQLITE_OK) {
        reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        if (const int error = db != nullptr ? sqlite3_system_errno(db) : 0; error != 0)
            reason += std::string(" (") + std::strerror(error) + ")";
    }
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw Poco::Data::ConnectionFailedException("cannot open " + path + ": " + reason);
}

std::unique_ptr<Poco::Data::SessionPool> poolFor(Dialect dialect, const std::string& connectionString) {
    if (dialect == Dialect::sqlite) {
        Poco::Data::SQLite::Connector::registerConnector();
        return std::make_unique<SqlitePool>(connectionString);
    }
    return std::make_unique<Poco::Data::SessionPool>(postgresConnector(), connectionString, kPoolMinimum,
                                                     Store::kMaxSessions, kPoolIdleSeconds);
}

} // namespace

std::string postgresConnectionString(const std::string& url) {
    const Poco::URI uri(url);
    if (uri.getScheme() != "postgresql" && uri.getScheme() != "postgres")
        throw std::invalid_argument("store URL '" + withoutPassword(url) +
                                    "' is not postgresql://USER@HOST:PORT/DBNAME");
    std::string out;
    auto add = [&](const std::string& key, const std::string& value) {
        if (value.empty()) return;
        if (value.find_first_of(" \t\n") != std::string::npos)
            throw std::invalid_argument("store URL '" + withoutPassword(url) +
                                        "': Poco's PostgreSQL connector cannot take a " + key + " with a space in it");
        out += (out.empty() ? "" : " ") + key + "=" + value;
    };
    std::string user = uri.getUserInfo();
    std::string password;
    if (const auto colon = user.find(':'); colon != std::string::npos) {
        password = user.substr(colon + 1);
        user.resize(colon);
    }
    std::string decodedUser;
    std::string decodedPassword;
    Poco::URI::decode(user, decodedUser);
    Poco::URI::decode(password, decodedPassword);
    add("host", uri.getHost());
    add("port", uri.getPort() != 0 ? std::to_string(uri.getPort()) : "");
    add("user", decodedUser);
    add("password", decodedPassword);
    add("dbname", uri.getPath().empty() ? "" : uri.getPath().substr(1)); // getPath() is decoded already
    for (const auto& [key, value] : uri.getQueryParameters())
        add(key, value);
    return out;
}

bool tuneSqliteForThisProcess() { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }

int64_t nowMicros() { return Poco::Timestamp().epochMicroseconds(); }

int64_t nextSequence() {
    static std::atomic<int64_t> last{0};
    int64_t seen = last.load();
    int64_t next = 0;
    do {
        next = std::max(nowMicros(), seen + 1);
    } while (!last.compare_exchange_weak(seen, next));
    return next;
}

Store::Store(const std::string& url, Dialect dialect, const std::string& connectionString)
    : url_(withoutPassword(url)), given_(url), dialect_(dialect), pool_(poolFor(dialect, connectionString)) {}

Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& url) {
    const std::string sqlite = "sqlite:";
    if (url.rfind(sqlite, 0) == 0) {
        std::string path = url.substr(sqlite.size());
        if (path.empty() || path == ":memory:")
            throw std::invalid_argument("store URL '" + withoutPassword(url) +
                                        "' names no database file (write sqlite:/path/to/file.db)");
        probeSqlite(path);
        return std::unique_ptr<Store>(new Store(url, Dialect::sqlite, path));
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        std::string connection = postgresConnectionString(url);
        if (connection.find("connect_timeout=") == std::string::npos)
            connection += " connect_timeout=" + std::to_string(kConnectTimeoutSeconds);
        return std::unique_ptr<Store>(new Store(url, Dialect::postgresql, connection));
    }
    throw std::invalid_argument("store URL '" + withoutPassword(url) +
                                "' is not supported: use sqlite:/path/to/file.db or "
                                "postgresql://USER@HOST:PORT/DBNAME");
}

Session Store::session() {
    // Poco 1.11's pool has no way to wait for a session to be put back, so this polls, briefly at first.
    const auto deadline = std::chrono::steady_clock::now() + kSessionWait;
    for (auto pause = std::chrono::microseconds(100);; pause = std::min(pause * 2, std::chrono::microseconds(20'000))) {
        try {
            return {pool_->get(), dialect_, keys_.get()};
        } catch (const Poco::Data::SessionPoolExhaustedException&) {
            if (std::chrono::steady_clock::now() + pause > deadline) throw;
            std::this_thread::sleep_for(pause);
        }
    }
}

void Store::write(const std::function<void(Session&)>& work) { run(work, true); }

void Store::transact(const std::function<void(Session&)>& work) { run(work, dialect_ == Dialect::sqlite); }

void Store::run(const std::function<void(Session&)>& work, bool storeWide) {
    ++threadCounts().transactions;
    // The writer's turn first, then a connection: threads queueing for the turn hold none of the pool's.
    std::unique_lock<std::mutex> one(writer_, std::defer_lock);
    if (storeWide) one.lock();
    Session s = session();
    // On PostgreSQL, begin() sends nothing: BEGIN goes with the first statement, in its round trip, and
    // commit() and rollback() are one each (hub/store/PostgresConnector.h). On SQLite, Poco's begin() is
    // BEGIN DEFERRED, which lets two writers read, then deadlock on upgrade.
    const bool sqlite = dialect_ == Dialect::sqlite;
    if (sqlite)
        s << "BEGIN IMMEDIATE", now;
    else
        s.poco().begin();
    try {
        if (storeWide && !sqlite) {
            int64_t lock = kWriterLock;
            s << "SELECT pg_advisory_xact_lock(?)", use(lock), now;
        }
        work(s);
        if (sqlite)
            s << "COMMIT", now;
        else
            s.poco().commit();
    } catch (...) {
        try {
            if (sqlite)
                s << "ROLLBACK", now;
            else
                s.poco().rollback();
        } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): the first error is the one to report
        }
        throw;
    }
}

int Store::schemaVersion() {
    int version = 0;
    // A write, so that processes starting together on one PostgreSQL do not race to create the table.
    write([&](Session& s) {
        s << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT "
             "NULL, applied_at BIGINT NOT NULL)",
            now;
        s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
    });
    return version;
}

NewerSchemaError::NewerSchemaError(int found, int known)
    : std::runtime_error("store schema version " + std::to_string(found) + " is newer than this clinhub (" +
                         std::to_string(known) +
                         "): upgrade clinhub, or restore a backup taken by this version (docs/operations.md)"),
      found_(found) {}

int Store::knownVersion() { return migrations().back().version; }

std::vector<int> Store::migrate(int upTo) {
    // Also creates the bookkeeping table.
    if (const int found = schemaVersion(); found > knownVersion()) throw NewerSchemaError(found, knownVersion());
    std::vector<int> applied;
    for (const auto& m : migrations()) {
        if (m.version > upTo) break;
        write([&](Session& s) {
            int present = 0;
            int version = m.version;
            s << "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", use(version), into(present), now;
            if (present > 0) return; // another process got here first
            for (const auto& sql : m.statements)
                s << sql, now;
            for (const auto& sql : dialect_ == Dialect::sqlite ? m.sqliteStatements : m.postgresStatements)
                s << sql, now;
            std::string description = m.description;
            int64_t at = nowMicros();
            s << "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)", use(version),
                use(description), use(at), now;
            applied.push_back(m.version);
        });
    }
    return applied;
}

bool Store::reachable(std::string& problem) {
    try {
        Session s = session();
        int one = 0;
        s << "SELECT 1", into(one), now;
        return one == 1;
    } catch (const Poco::Exception& e) {
        problem = hidingPassword(e.displayText(), given_);
    } catch (const std::exception& e) {
        problem = hidingPassword(e.what(), given_);
    }
    return false;
}

} // namespace clinhub::store

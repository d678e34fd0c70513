#include "hub/store/Store.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace clinhub::store {
namespace {

constexpr std::size_t kBusyTimeoutSeconds = 10;

// Every SQLite connection waits for a busy database instead of failing at once, and sees the database
// in WAL mode so readers never block the writer.
class SqlitePool final : public Poco::Data::SessionPool {
public:
    explicit SqlitePool(const std::string& path) : SessionPool("SQLite", path, 1, 32, 60) {}

protected:
    void customizeSession(Poco::Data::Session& session) override {
        session.setConnectionTimeout(kBusyTimeoutSeconds);
        session << "PRAGMA journal_mode=WAL", now;
        session << "PRAGMA synchronous=NORMAL", now;
        session << "PRAGMA foreign_keys=ON", now;
    }
};

} // namespace

int64_t nowMicros() { return Poco::Timestamp().epochMicroseconds(); }

Store::Store(std::string url, std::string connector, std::string connectionString) : url_(std::move(url)) {
    if (connector == "SQLite") {
        Poco::Data::SQLite::Connector::registerConnector();
        pool_ = std::make_unique<SqlitePool>(connectionString);
    }
}

Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& url) {
    const std::string sqlite = "sqlite:";
    if (url.rfind(sqlite, 0) == 0) {
        std::string path = url.substr(sqlite.size());
        if (path.empty() || path == ":memory:")
            throw std::invalid_argument("store URL '" + url +
                                        "' names no database file (write sqlite:/path/to/file.db)");
        return std::unique_ptr<Store>(new Store(url, "SQLite", path));
    }
    throw std::invalid_argument("store URL '" + url + "' is not supported: use sqlite:/path/to/file.db");
}

Poco::Data::Session Store::session() { return pool_->get(); }

void Store::write(const std::function<void(Poco::Data::Session&)>& work) {
    Poco::Data::Session s = session();
    const std::lock_guard one(writer_);
    // Poco's begin() is BEGIN DEFERRED, which lets two writers read, then deadlock on upgrade.
    s << "BEGIN IMMEDIATE", now;
    try {
        work(s);
        s << "COMMIT", now;
    } catch (...) {
        try {
            s << "ROLLBACK", now;
        } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): the first error is the one to report
        }
        throw;
    }
}

int Store::schemaVersion() {
    Poco::Data::Session s = session();
    s << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
         "applied_at BIGINT NOT NULL)",
        now;
    int version = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
    return version;
}

std::vector<int> Store::migrate() {
    schemaVersion(); // creates the bookkeeping table
    std::vector<int> applied;
    for (const auto& m : migrations()) {
        write([&](Poco::Data::Session& s) {
            int present = 0;
            int version = m.version;
            s << "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", use(version), into(present), now;
            if (present > 0) return; // another process got here first
            for (const auto& sql : m.statements)
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
        Poco::Data::Session s = session();
        int one = 0;
        s << "SELECT 1", into(one), now;
        return one == 1;
    } catch (const Poco::Exception& e) {
        problem = "store unreachable: " + e.displayText();
    } catch (const std::exception& e) {
        problem = std::string("store unreachable: ") + e.what();
    }
    return false;
}

} // namespace clinhub::store

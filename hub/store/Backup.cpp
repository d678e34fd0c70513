#include "hub/store/Backup.h"

#include "hub/store/Store.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace clinhub::store {
namespace {

namespace fs = std::filesystem;

// A hub mid-checkpoint holds the source for milliseconds; ten seconds of that is something else.
constexpr int kBusyTries = 200;
constexpr int kBusyPauseMs = 50;

class Database {
public:
    Database(const std::string& path, int flags) : path_(path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            throw BackupError("cannot open " + path + ": " + reason);
        }
        sqlite3_extended_result_codes(db_, 1);
    }
    ~Database() { sqlite3_close_v2(db_); }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    [[nodiscard]] sqlite3* get() const { return db_; }
    [[nodiscard]] std::string error() const { return sqlite3_errmsg(db_); }

    // The first column of the first row `sql` gives, as text ("" for none); rc is SQLite's code.
    std::string first(const std::string& sql, int& rc) const {
        sqlite3_stmt* statement = nullptr;
        rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr);
        std::string out;
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(statement);
            if (rc == SQLITE_ROW) {
                if (const auto* text = sqlite3_column_text(statement, 0); text != nullptr)
                    out = reinterpret_cast<const char*>(text);
                rc = SQLITE_OK;
            } else if (rc == SQLITE_DONE) {
                rc = SQLITE_OK;
            }
        }
        sqlite3_finalize(statement);
        return out;
    }

    std::string first(const std::string& sql) const {
        int rc = 0;
        auto out = first(sql, rc);
        if (rc != SQLITE_OK) throw BackupError(path_ + ": " + error());
        return out;
    }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

// Made before SQLite writes to it, so the patient data sealed in it is never readable by others, not even
// for the moment between creating the file and a chmod.
void createOwnerOnly(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw BackupError("cannot create " + path + ": " + std::strerror(errno));
    ::close(fd);
}

// Flushed before the rename, and the rename flushed, so a power cut leaves the old file or the new one.
void syncFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const std::string reason = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        throw BackupError("cannot flush " + path + ": " + reason);
    }
    ::close(fd);
}

// Every page of `from` into `to`, in one step: one read transaction on `from`, so the copy is the store at
// one instant, and one write transaction on `to`, so it is all there or not at all.
void copyPages(const Database& from, const Database& to, const std::string& what) {
    sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (backup == nullptr) throw BackupError(what + ": " + to.error());
    int rc = SQLITE_OK;
    for (int tries = 0; tries < kBusyTries; ++tries) {
        rc = sqlite3_backup_step(backup, -1);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
        sqlite3_sleep(kBusyPauseMs);
    }
    const int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE || finished != SQLITE_OK)
        throw BackupError(what + ": " + (rc != SQLITE_DONE ? sqlite3_errstr(rc) : to.error()));
}

// The store's schema version; 0 when it has no migrations table, so is no clinhub store.
int schemaVersionOf(const Database& db) {
    if (db.first("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") != "1")
        return 0;
    const std::string version = db.first("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    return version.empty() ? 0 : std::stoi(version);
}

} // namespace

BackupInfo backupSqlite(const std::string& database, const std::string& out, bool overwrite) {
    std::error_code ec;
    if (!fs::exists(database, ec)) throw BackupError("there is no store at " + database);
    if (!overwrite && fs::exists(out, ec))
        throw BackupError(out + " exists: name another file, or give --force to replace it");
    if (fs::exists(out, ec) && fs::equivalent(out, database, ec))
        throw BackupError(out + " is the store itself: name another file");
    const std::string part = out + ".part";
    fs::remove(part, ec); // left by a backup that was killed
    createOwnerOnly(part);
    BackupInfo info;
    try {
        {
            // Read-write without create: a reader of a WAL store may have to make its shared-memory file.
            const Database source(database, SQLITE_OPEN_READWRITE);
            const Database copy(part, SQLITE_OPEN_READWRITE);
            copyPages(source, copy, "backing up " + database);
            // One self-contained file, whatever the store's journal: no -wal beside it to lose in a copy.
            copy.first("PRAGMA journal_mode=DELETE");
            info.schemaVersion = schemaVersionOf(copy);
        }
        if (info.schemaVersion == 0) throw BackupError(database + " is not a clinhub store: it has no migrations");
        syncFile(part);
        fs::rename(part, out);
        syncFile(fs::absolute(out).parent_path().string());
    } catch (...) {
        fs::remove(part, ec);
        throw;
    }
    info.bytes = fs::file_size(out);
    return info;
}

BackupInfo restoreSqlite(const std::string& in, const std::string& database) {
    std::error_code ec;
    if (!fs::is_regular_file(in, ec)) throw BackupError("there is no backup at " + in);
    if (fs::exists(database, ec) && fs::equivalent(in, database, ec))
        throw BackupError(in + " is the store itself: name the backup");

    const Database backup(in, SQLITE_OPEN_READONLY);
    int rc = 0;
    const std::string integrity = backup.first("PRAGMA integrity_check", rc);
    if (rc != SQLITE_OK) throw BackupError(in + " is not an SQLite database: " + backup.error());
    if (integrity != "ok")
        throw BackupError(in + " is damaged (SQLite's integrity check: " + integrity + "): nothing was restored");
    const int version = schemaVersionOf(backup);
    if (version == 0) throw BackupError(in + " is not a clinhub store: it has no migrations");
    if (version > Store::knownVersion())
        throw BackupError(in + " has schema version " + std::to_string(version) + ", newer than this clinhub (" +
                          std::to_string(Store::knownVersion()) +
                          "): restore it with the clinhub that took it, or a newer one");

    if (!fs::exists(database, ec)) createOwnerOnly(database);
    const Database store(database, SQLITE_OPEN_READWRITE);
    sqlite3_busy_timeout(store.get(), 0);
    // Held until this connection closes. Leaving WAL needs every other connection gone, and a hub keeps one
    // open all the while it serves: so this is how a serving hub is told from a stopped one, and once it is
    // held no hub can open the store until the restore is done.
    store.first("PRAGMA locking_mode=EXCLUSIVE");
    const std::string journal = store.first("PRAGMA journal_mode=DELETE", rc);
    if (rc != SQLITE_OK || journal != "delete")
        throw BackupError(database +
                          " is open in another process, a serving hub perhaps: stop it (systemctl stop clinhub), "
                          "then restore. Nothing was changed");
    store.first("BEGIN EXCLUSIVE", rc);
    if (rc != SQLITE_OK) throw BackupError(database + " is locked by another process: " + store.error());
    store.first("COMMIT");
    copyPages(backup, store, "restoring " + in + " into " + database);
    BackupInfo info;
    info.schemaVersion = version;
    info.bytes = fs::file_size(database);
    return info;
}

} // namespace clinhub::store

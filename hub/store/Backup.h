// A copy of an SQLite store taken while a hub serves from it, and that copy put back.
//
// The copy is SQLite's online backup: one read transaction, so it is the store as it stood at one instant
// (every link with its queued invite, never one without the other), and in WAL mode the hub's writers go on
// while it is read. A PostgreSQL store is pg_dump's business (docs/operations.md).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace clinhub::store {

// Why a backup or a restore was refused; the message says what to do.
class BackupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct BackupInfo {
    int schemaVersion = 0;
    std::uintmax_t bytes = 0;
};

// Copies the store at `database` (a file path) to `out`, through `out`.part, renamed into place once whole,
// readable by its owner only (it holds sealed patient data). Refuses an existing `out` unless `overwrite`.
BackupInfo backupSqlite(const std::string& database, const std::string& out, bool overwrite);

// Replaces the store at `database` with the backup at `in`, in one SQLite transaction: a failure leaves the store as
// it was. Refuses, changing nothing, a file that is not a whole clinhub store (integrity check, migrations table),
// one from a newer clinhub than this, and a store any process has open (a serving hub).
BackupInfo restoreSqlite(const std::string& in, const std::string& database);

} // namespace clinhub::store

// SQLite through Poco::Data, shared safely by several threads of this process and by other processes.
//
// Poco sessions are not thread-safe, so each call borrows one from a small per-instance pool; SQLite's
// own locking (WAL, busy timeout, BEGIN IMMEDIATE) then orders writers across threads and processes
// alike. Sessions are built from Poco::Data::SQLite::SessionImpl directly, not through the global
// SessionFactory, so nothing here is process-wide.
#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace localbook {

class Database {
public:
    explicit Database(std::string path);
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // A session on loan; goes back to the pool when the lease ends.
    class Lease {
    public:
        Lease(Database& db, std::unique_ptr<Poco::Data::Session> session) : db_(db), session_(std::move(session)) {}
        ~Lease() { db_.giveBack(std::move(session_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Poco::Data::Session& operator*() { return *session_; }

    private:
        Database& db_;
        std::unique_ptr<Poco::Data::Session> session_;
    };

    Lease lease();
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::unique_ptr<Poco::Data::Session> open() const;
    void giveBack(std::unique_ptr<Poco::Data::Session> session);

    std::string path_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Poco::Data::Session>> idle_;
};

// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes can
// fail with SQLITE_BUSY under WAL without waiting, and two of them could both see a slot as free.
// Rolls back unless committed.
class ImmediateTransaction {
public:
    explicit ImmediateTransaction(Poco::Data::Session& session);
    ~ImmediateTransaction();
    ImmediateTransaction(const ImmediateTransaction&) = delete;
    ImmediateTransaction& operator=(const ImmediateTransaction&) = delete;
    void commit();

private:
    Poco::Data::Session& session_;
    bool open_ = true;
};

// Whether an exception means "the database was busy for longer than the busy timeout": worth a retry.
bool isBusy(const std::exception& e);

} // namespace localbook

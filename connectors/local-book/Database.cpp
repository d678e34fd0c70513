#include "Database.h"

#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/SessionImpl.h>

namespace localbook {

using namespace Poco::Data::Keywords;

namespace {
// Long enough to ride out another process's burst of bookings, short enough for a patient's request.
constexpr int kBusyTimeoutMs = 10000;
constexpr size_t kMaxIdle = 8;
} // namespace

Database::Database(std::string path) : path_(std::move(path)) {
    auto session = open();
    std::string mode;
    // WAL lets readers carry on while one writer books; it is a property of the file, so set it once.
    *session << "PRAGMA journal_mode=WAL", into(mode), now;
    giveBack(std::move(session));
}

std::unique_ptr<Poco::Data::Session> Database::open() const {
    auto session = std::make_unique<Poco::Data::Session>(
        Poco::AutoPtr<Poco::Data::SessionImpl>(new Poco::Data::SQLite::SessionImpl(path_)));
    *session << "PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs), now;
    *session << "PRAGMA foreign_keys=ON", now;
    // NORMAL is durable across a process crash under WAL, which is what a diary on one machine needs.
    *session << "PRAGMA synchronous=NORMAL", now;
    return session;
}

Database::Lease Database::lease() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto session = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(session));
        }
    }
    return Lease(*this, open());
}

void Database::giveBack(std::unique_ptr<Poco::Data::Session> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(session));
}

ImmediateTransaction::ImmediateTransaction(Poco::Data::Session& session) : session_(session) {
    session_ << "BEGIN IMMEDIATE", now;
}

ImmediateTransaction::~ImmediateTransaction() {
    if (!open_) return;
    try {
        session_ << "ROLLBACK", now;
    } catch (...) { // NOLINT(bugprone-empty-catch): SQLite has already rolled back when ROLLBACK itself fails
    }
}

void ImmediateTransaction::commit() {
    session_ << "COMMIT", now;
    open_ = false;
}

bool isBusy(const std::exception& e) {
    return dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e) != nullptr;
}

} // namespace localbook

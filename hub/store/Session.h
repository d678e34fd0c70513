// A connection to the store that takes portable SQL.
//
// Every query in the hub is written once, with `?` placeholders: SQLite takes them as they are, and
// PostgreSQL (whose Poco 1.11 connector passes the text to libpq verbatim) gets them numbered `$1, $2, …`
// here. The few things that cannot be written portably are asked of the session by name.
#pragma once

#include "hub/store/DataKeys.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace clinhub::store {

enum class Dialect { sqlite, postgresql };

// `?` placeholders numbered `$1…` in order, skipping quoted text ('…', "…") and comments; SQL as it is
// for SQLite.
std::string placeholdersFor(Dialect dialect, std::string_view sql);

// A statement whose text is whole. Streaming more text onto it would miss the placeholder rewrite, so
// that does not compile: build the text first, then start the statement with it.
class Statement : public Poco::Data::Statement {
public:
    explicit Statement(Poco::Data::Statement&& statement) : Poco::Data::Statement(std::move(statement)) {}
    template <typename T> Statement& operator<<(const T&) = delete;
};

// What this thread has asked of the store: statements started through any Session, and transactions
// begun by Store::write() or transact(). Cheap enough to keep always, so tests can hold a request to its
// budget of round trips.
struct ThreadCounts {
    uint64_t statements = 0;
    uint64_t transactions = 0;
};
ThreadCounts& threadCounts();

class Session {
public:
    Session(Poco::Data::Session session, Dialect dialect, const DataKeys* keys = nullptr)
        : poco_(std::move(session)), dialect_(dialect), keys_(keys) {}

    // Starts a statement, as Poco::Data::Session does: s << "SELECT … WHERE id = ?", use(id), now;
    Statement operator<<(std::string_view sql) {
        ++threadCounts().statements;
        return Statement(poco_ << placeholdersFor(dialect_, sql));
    }

    [[nodiscard]] Dialect dialect() const { return dialect_; }

    // Appended to a SELECT that claims rows for this transaction: other transactions skip the rows this
    // one holds rather than waiting for them. SQLite has one writer at a time, so there it is nothing.
    [[nodiscard]] const char* skipLocked() const {
        return dialect_ == Dialect::postgresql ? " FOR UPDATE SKIP LOCKED" : "";
    }

    // Appended to a SELECT whose rows the transaction goes on to change: a concurrent change to them waits
    // for this transaction, and one that committed first is seen. SQLite's single writer already is that.
    [[nodiscard]] const char* forUpdate() const { return dialect_ == Dialect::postgresql ? " FOR UPDATE" : ""; }

    [[nodiscard]] Poco::Data::Session& poco() { return poco_; }

    // The keys that seal this store's patient data at rest: the store's, or this process's own.
    [[nodiscard]] const DataKeys& keys() const { return keys_ != nullptr ? *keys_ : DataKeys::processKey(); }

private:
    Poco::Data::Session poco_;
    Dialect dialect_;
    const DataKeys* keys_;
};

} // namespace clinhub::store

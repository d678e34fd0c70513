#include "hub/store/PostgresConnector.h"

#include <Poco/Data/AbstractExtractor.h>
#include <Poco/Data/Connector.h>
#include <Poco/Data/Date.h>
#include <Poco/Data/PostgreSQL/Binder.h>
#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/SessionFactory.h>
#include <Poco/Data/StatementImpl.h>
#include <Poco/Data/Time.h>
#include <Poco/DateTimeParser.h>
#include <Poco/HexBinaryDecoder.h>
#include <Poco/MemoryStream.h>
#include <Poco/UUID.h>

#include <charconv>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace clinhub::store {
namespace {

using Poco::Data::PostgreSQL::SessionHandle;
using Poco::Data::PostgreSQL::StatementException;

// Statements a connection keeps prepared. The hub's texts are a fixed set written in its code, so the
// bound is for texts built at run time (IN lists of varying length): past it, the least recently used
// statement is deallocated.
constexpr std::size_t kPreparedPerConnection = 256;

struct PGresultFree {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, PGresultFree>;

std::string field(const PGresult* result, int code) {
    const char* value = PQresultErrorField(result, code);
    return value != nullptr ? value : "N/A";
}

// The server's message, with its SQLSTATE and constraint but never its DETAIL, which quotes the values
// of the row (an NHS number in a unique violation) and so would carry patient data into logs.
std::string failure(const char* stage, const PGresult* result, PGconn* connection, const std::string& sql) {
    std::string message = std::string("postgresql_stmt_") + stage + " error: ";
    const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    message += primary != nullptr ? primary : PQerrorMessage(connection);
    if (result != nullptr) {
        message += " State: " + field(result, PG_DIAG_SQLSTATE);
        message += " Constraint: " + field(result, PG_DIAG_CONSTRAINT_NAME);
    }
    return message + " " + sql;
}

struct Prepared {
    std::string name;
    int parameters = 0;
    std::vector<Poco::Data::MetaColumn> columns;
};

// The statements prepared on one connection, by text. A reconnect (a new server process) loses them all,
// so the cache is checked against the connection it was filled on before each use.
class PreparedStatements {
public:
    std::shared_ptr<const Prepared> get(SessionHandle& handle, const std::string& sql) {
        PGconn* connection = handle;
        const int backend = connection != nullptr ? PQbackendPID(connection) : 0;
        if (connection != connection_ || backend != backend_) {
            bySql_.clear();
            order_.clear();
            connection_ = connection;
            backend_ = backend;
        }
        if (auto found = bySql_.find(sql); found != bySql_.end()) {
            order_.splice(order_.begin(), order_, found->second.place);
            return found->second.prepared;
        }
        auto prepared = prepare(handle, sql);
        order_.push_front(sql);
        bySql_.emplace(sql, Entry{prepared, order_.begin()});
        if (bySql_.size() > kPreparedPerConnection) evictOldest(handle);
        return prepared;
    }

    // After the server has said it no longer has the statement, or cannot run it as prepared (its
    // tables' columns changed): the next use prepares it again.
    void forget(const std::string& sql) {
        if (auto found = bySql_.find(sql); found != bySql_.end()) {
            order_.erase(found->second.place);
            bySql_.erase(found);
        }
    }

private:
    using Order = std::list<std::string>; // most recently used first
    struct Entry {
        std::shared_ptr<const Prepared> prepared;
        Order::iterator place;
    };

    std::shared_ptr<const Prepared> prepare(SessionHandle& handle, const std::string& sql) {
        auto prepared = std::make_shared<Prepared>();
        prepared->name = "clinhub_" + std::to_string(++named_);
        const std::scoped_lock lock(handle.mutex());
        PGconn* connection = handle;
        // The server infers the parameters' types, as it would for a literal in the text.
        Result made(PQprepare(connection, prepared->name.c_str(), sql.c_str(), 0, nullptr));
        if (!made || PQresultStatus(made.get()) != PGRES_COMMAND_OK)
            throw StatementException(failure("prepare", made.get(), connection, sql));
        Result described(PQdescribePrepared(connection, prepared->name.c_str()));
        if (!described || PQresultStatus(described.get()) != PGRES_COMMAND_OK)
            throw StatementException(failure("describe", described.get(), connection, sql));
        prepared->parameters = PQnparams(described.get());
        const int columns = PQnfields(described.get());
        prepared->columns.reserve(static_cast<std::size_t>(std::max(columns, 0)));
        for (int i = 0; i < columns; ++i)
            prepared->columns.emplace_back(i, PQfname(described.get(), i),
                                           Poco::Data::PostgreSQL::oidToColumnDataType(PQftype(described.get(), i)), 0,
                                           0, true);
        return prepared;
    }

    void evictOldest(SessionHandle& handle) {
        const auto oldest = bySql_.find(order_.back());
        try {
            // Inside a transaction Poco defers this to its end; a statement already running keeps its result.
            handle.deallocatePreparedStatement(oldest->second.prepared->name);
        } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): a lost connection loses them all anyway
        }
        bySql_.erase(oldest);
        order_.pop_back();
    }

    std::unordered_map<std::string, Entry> bySql_;
    Order order_;
    const PGconn* connection_ = nullptr;
    int backend_ = 0;
    unsigned long long named_ = 0;
};

// Reads the current row of a text-format result into Poco's types. A null value leaves the target as it
// is and reads as false, as in every Poco extractor; text that does not read as the type asked for throws,
// naming the column.
class RowReader final : public Poco::Data::AbstractExtractor {
public:
    void read(const PGresult* result, int row) {
        result_ = result;
        row_ = row;
    }

    bool extract(std::size_t pos, Poco::Int8& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::UInt8& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::Int16& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::UInt16& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::Int32& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::UInt32& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::Int64& val) override { return number(pos, val); }
    bool extract(std::size_t pos, Poco::UInt64& val) override { return number(pos, val); }
    bool extract(std::size_t pos, float& val) override { return number(pos, val); }
    bool extract(std::size_t pos, double& val) override { return number(pos, val); }

    bool extract(std::size_t pos, bool& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        const std::string_view v(value);
        if (v == "t" || v == "true" || v == "1") {
            val = true;
        } else if (v == "f" || v == "false" || v == "0") {
            val = false;
        } else {
            unreadable(pos, "a boolean");
        }
        return true;
    }

    bool extract(std::size_t pos, char& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        val = value[0];
        return true;
    }

    bool extract(std::size_t pos, std::string& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        val.assign(value, static_cast<std::size_t>(PQgetlength(result_, row_, static_cast<int>(pos))));
        return true;
    }

    bool extract(std::size_t pos, Poco::Data::CLOB& val) override {
        std::string s;
        if (!extract(pos, s)) return false;
        val.assignRaw(s.data(), s.size());
        return true;
    }

    // bytea's text form is \x followed by hex digits.
    bool extract(std::size_t pos, Poco::Data::BLOB& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        const std::size_t length = std::strlen(value);
        if (length < 2 || value[0] != '\\' || value[1] != 'x') unreadable(pos, "bytea");
        Poco::MemoryInputStream hex(value + 2, static_cast<std::streamsize>(length - 2));
        Poco::HexBinaryDecoder decoder(hex);
        std::string bytes((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
        val.assignRaw(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
        return true;
    }

    bool extract(std::size_t pos, Poco::DateTime& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        int zone = 0;
        if (!Poco::DateTimeParser::tryParse(value, val, zone)) unreadable(pos, "a timestamp");
        val.makeUTC(zone);
        return true;
    }

    bool extract(std::size_t pos, Poco::Data::Date& val) override {
        Poco::DateTime at;
        if (!extract(pos, at)) return false;
        val.assign(at.year(), at.month(), at.day());
        return true;
    }

    bool extract(std::size_t pos, Poco::Data::Time& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        Poco::DateTime at;
        int zone = 0;
        if (!Poco::DateTimeParser::tryParse("%H:%M:%S", value, at, zone)) unreadable(pos, "a time");
        val.assign(at.hour(), at.minute(), at.second());
        return true;
    }

    bool extract(std::size_t pos, Poco::UUID& val) override {
        const char* value = text(pos);
        if (value == nullptr) return false;
        if (!val.tryParse(value)) unreadable(pos, "a UUID");
        return true;
    }

    // As Poco's own PostgreSQL extractor: a value of no declared type is its text.
    bool extract(std::size_t pos, Poco::Any& val) override {
        std::string s;
        if (!extract(pos, s)) return false;
        val = s;
        return true;
    }

    bool extract(std::size_t pos, Poco::Dynamic::Var& val) override {
        std::string s;
        if (!extract(pos, s)) return false;
        val = s;
        return true;
    }

    bool isNull(std::size_t col, std::size_t /*row*/) override { return text(col) == nullptr; }

private:
    const char* text(std::size_t pos) const {
        if (result_ == nullptr || static_cast<int>(pos) >= PQnfields(result_))
            throw StatementException("no column " + std::to_string(pos) + " in the row read");
        const int column = static_cast<int>(pos);
        return PQgetisnull(result_, row_, column) != 0 ? nullptr : PQgetvalue(result_, row_, column);
    }

    template <typename Number> bool number(std::size_t pos, Number& val) {
        const char* value = text(pos);
        if (value == nullptr) return false;
        const char* end = value + std::strlen(value);
        const auto [stop, error] = std::from_chars(value, end, val);
        if (error != std::errc() || stop != end) unreadable(pos, "a number of the type asked for");
        return true;
    }

    [[noreturn]] void unreadable(std::size_t pos, const char* type) const {
        throw StatementException(std::string("column '") + PQfname(result_, static_cast<int>(pos)) +
                                 "' does not read as " + type);
    }

    const PGresult* result_ = nullptr;
    int row_ = 0;
};

// Where a session's transaction is. begin() sends nothing: the BEGIN goes ahead of the transaction's first
// statement in the same round trip, and a transaction that ran nothing ends without a word to the server.
enum class Transaction { none, pending, open };

// Reads a pipeline's results up to its sync, the null that ends each statement's dropped. Empty when the
// connection failed before the sync came back.
std::vector<Result> resultsToSync(PGconn* connection) {
    std::vector<Result> out;
    for (bool afterNull = false;;) {
        Result r(PQgetResult(connection));
        if (!r) {
            // Two nulls in a row, or a lost connection, mean no more are coming.
            if (afterNull || PQstatus(connection) == CONNECTION_BAD) return {};
            afterNull = true;
            continue;
        }
        afterNull = false;
        if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) return out;
        out.push_back(std::move(r));
    }
}

// One statement: compiled by finding (or making) its prepared form on the connection, run with
// PQexecPrepared, its rows read from the one result libpq returns.
class PreparedStatement final : public Poco::Data::StatementImpl {
public:
    PreparedStatement(Poco::Data::PostgreSQL::SessionImpl& session, PreparedStatements& prepared,
                      Transaction& transaction)
        : StatementImpl(session), handle_(session.handle()), prepared_(prepared), transaction_(transaction),
          binder_(new Poco::Data::PostgreSQL::Binder), reader_(new RowReader) {}

protected:
    std::size_t columnsReturned() const override { return statement_ ? statement_->columns.size() : 0; }
    int affectedRowCount() const override { return affected_; }

    const Poco::Data::MetaColumn& metaColumn(std::size_t pos) const override {
        if (!statement_ || pos >= statement_->columns.size())
            throw StatementException("no column " + std::to_string(pos) + " in " + sql_);
        return statement_->columns[pos];
    }

    bool hasNext() override {
        return result_ && PQresultStatus(result_.get()) == PGRES_TUPLES_OK && next_ < PQntuples(result_.get());
    }

    std::size_t next() override {
        if (!hasNext()) throw StatementException("No data received");
        reader_->read(result_.get(), next_);
        std::size_t position = 0;
        for (auto& extraction : extractions()) {
            extraction->extract(position);
            position += extraction->numOfColumnsHandled();
        }
        ++next_;
        return 1;
    }

    bool canBind() const override { return statement_ && !bindings().empty() && (*bindings().begin())->canBind(); }

    bool canCompile() const override { return !statement_; }

    void compileImpl() override {
        sql_ = toString();
        statement_ = prepared_.get(handle_, sql_);
    }

    void bindImpl() override {
        // Looked up again: another statement on this connection may have pushed it out since compiling.
        statement_ = prepared_.get(handle_, sql_);
        result_.reset();
        next_ = 0;
        affected_ = 0;
        bindRow();
        if (statement_->columns.empty() && canBind())
            executeEachRow();
        else
            execute();
    }

    Poco::Data::AbstractExtractor::Ptr extractor() override { return reader_; }
    Poco::Data::AbstractBinder::Ptr binder() override { return binder_; }

private:
    // libpq's view of the parameters bound for one run, pointing into the binder's values.
    struct Arguments {
        std::vector<const char*> values;
        std::vector<int> lengths;
        std::vector<int> formats;
        [[nodiscard]] int count() const { return static_cast<int>(values.size()); }
    };

    // The next row of the bound values (of vectors, a row at a time) into the binder.
    void bindRow() {
        std::size_t position = 0;
        for (auto& binding : bindings()) {
            if (!binding->canBind()) break;
            binding->bind(position);
            position += binding->numOfColumnsHandled();
        }
        binder_->updateBindVectorToCurrentValues();
    }

    Arguments arguments() {
        parameters_ = binder_->bindVector();
        if (parameters_.size() != static_cast<std::size_t>(statement_->parameters))
            throw StatementException("statement takes " + std::to_string(statement_->parameters) +
                                     " parameters, was given " + std::to_string(parameters_.size()) + ": " + sql_);
        Arguments a;
        for (const auto& p : parameters_) {
            a.values.push_back(static_cast<const char*>(p.pInternalRepresentation()));
            a.lengths.push_back(static_cast<int>(p.size()));
            a.formats.push_back(p.isBinary() ? 1 : 0);
        }
        return a;
    }

    void execute() {
        const Arguments a = arguments();
        PGconn* connection = handle_;
        if (transaction_ == Transaction::pending) {
            executeAfterBegin(a);
        } else {
            const std::scoped_lock lock(handle_.mutex());
            result_.reset(PQexecPrepared(connection, statement_->name.c_str(), a.count(), a.values.data(),
                                         a.lengths.data(), a.formats.data(), 0));
        }
        const ExecStatusType status = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            Result failed = std::move(result_);
            throw StatementException(failedWith(failed.get(), connection));
        }
        affected_ = status == PGRES_TUPLES_OK ? PQntuples(result_.get()) : changedRows(result_.get());
    }

    // The transaction's first statement, with the BEGIN put off until now: one round trip for both. A
    // failed BEGIN stands in for the statement's own result, which the server then skipped.
    void executeAfterBegin(const Arguments& a) {
        PGconn* connection = handle_;
        const std::scoped_lock lock(handle_.mutex());
        if (PQenterPipelineMode(connection) != 1)
            throw StatementException(failure("pipeline", nullptr, connection, sql_));
        // Open from here on: whatever happens next, ending the transaction must reach the server.
        transaction_ = Transaction::open;
        const bool sent = PQsendQueryParams(connection, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
                          PQsendQueryPrepared(connection, statement_->name.c_str(), a.count(), a.values.data(),
                                              a.lengths.data(), a.formats.data(), 0) == 1 &&
                          PQpipelineSync(connection) == 1;
        std::vector<Result> results = sent ? resultsToSync(connection) : std::vector<Result>{};
        PQexitPipelineMode(connection);
        if (results.size() != 2) throw StatementException(failure("execute", nullptr, connection, sql_));
        result_ = std::move(PQresultStatus(results[0].get()) == PGRES_COMMAND_OK ? results[1] : results[0]);
    }

    // A statement bound to vectors that returns no rows (a bulk insert or update) runs once a row. Sent
    // in libpq's pipeline mode, those runs wait for one round trip per kRowsPerSync rather than one each.
    // An error stops the rest, as it would have row by row; in a transaction it ends the transaction.
    void executeEachRow() {
        constexpr int kRowsPerSync = 256; // each answer is a few bytes: far from filling a socket buffer
        PGconn* connection = handle_;
        const std::scoped_lock lock(handle_.mutex());
        if (PQenterPipelineMode(connection) != 1)
            throw StatementException(failure("pipeline", nullptr, connection, sql_));
        std::string failed;
        if (transaction_ == Transaction::pending) {
            // The BEGIN put off until now goes first in the pipeline; its answer is read with the rows'.
            transaction_ = Transaction::open;
            if (PQsendQueryParams(connection, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
                PQexitPipelineMode(connection);
                throw StatementException(failure("execute", nullptr, connection, "BEGIN"));
            }
        }
        const auto sync = [&] {
            if (PQpipelineSync(connection) != 1) {
                if (failed.empty()) failed = failure("pipeline", nullptr, connection, sql_);
                return;
            }
            readPipelineResults(connection, failed);
        };
        try {
            for (int sent = 1;; ++sent) {
                const Arguments a = arguments();
                if (PQsendQueryPrepared(connection, statement_->name.c_str(), a.count(), a.values.data(),
                                        a.lengths.data(), a.formats.data(), 0) != 1) {
                    failed = failure("execute", nullptr, connection, sql_);
                    break;
                }
                if (sent % kRowsPerSync == 0) {
                    sync();
                    if (!failed.empty()) break;
                }
                if (!canBind()) break;
                bindRow();
            }
        } catch (...) {
            sync();
            PQexitPipelineMode(connection);
            throw;
        }
        sync();
        PQexitPipelineMode(connection);
        if (!failed.empty()) throw StatementException(failed);
    }

    // Reads a pipeline's results up to its sync: counts the rows changed and keeps the first failure.
    void readPipelineResults(PGconn* connection, std::string& failed) {
        for (bool afterNull = false;;) {
            Result r(PQgetResult(connection));
            if (!r) {
                // One null ends each statement's results; two in a row, or a lost connection, mean none are coming.
                if (afterNull || PQstatus(connection) == CONNECTION_BAD) {
                    if (failed.empty()) failed = failure("execute", nullptr, connection, sql_);
                    return;
                }
                afterNull = true;
                continue;
            }
            afterNull = false;
            const ExecStatusType status = PQresultStatus(r.get());
            if (status == PGRES_PIPELINE_SYNC) return;
            if (status == PGRES_COMMAND_OK)
                affected_ += changedRows(r.get());
            else if (status != PGRES_PIPELINE_ABORTED && failed.empty())
                failed = failedWith(r.get(), connection);
        }
    }

    // The message for a failed run; a statement the server no longer has, or cannot run as prepared, is
    // forgotten so that its next run prepares it again.
    std::string failedWith(const PGresult* result, PGconn* connection) {
        const std::string state = result != nullptr ? field(result, PG_DIAG_SQLSTATE) : "";
        // 26000: the server no longer has it (DISCARD ALL); 0A000: its tables' columns have changed.
        if (state == "26000" || state == "0A000") prepared_.forget(sql_);
        return failure("execute", result, connection, sql_);
    }

    static int changedRows(const PGresult* result) {
        const char* changed = PQcmdTuples(const_cast<PGresult*>(result)); // libpq's signature, not a write
        int rows = 0;
        return std::from_chars(changed, changed + std::strlen(changed), rows).ec == std::errc() ? rows : 0;
    }

    SessionHandle& handle_;
    PreparedStatements& prepared_;
    Transaction& transaction_;
    Poco::SharedPtr<Poco::Data::PostgreSQL::Binder> binder_;
    Poco::SharedPtr<RowReader> reader_;
    std::string sql_;
    std::shared_ptr<const Prepared> statement_;
    Poco::Data::PostgreSQL::InputParameterVector parameters_; // what the last Arguments point into
    Result result_;
    int next_ = 0;
    int affected_ = 0;
};

// Poco's PostgreSQL session, keeping its connection's prepared statements.
class CachingSession final : public Poco::Data::PostgreSQL::SessionImpl {
public:
    using SessionImpl::SessionImpl;
    Poco::Data::StatementImpl::Ptr createStatementImpl() override {
        return new PreparedStatement(*this, prepared_, transaction_);
    }

    // Poco's begin() is a round trip of its own; here BEGIN waits for the first statement and goes with it.
    void begin() override {
        if (transaction_ != Transaction::none) throw Poco::InvalidAccessException("Already in transaction.");
        transaction_ = Transaction::pending;
    }
    void commit() override { end("COMMIT"); }
    void rollback() override { end("ROLLBACK"); }
    bool isTransaction() const override { return transaction_ != Transaction::none; }

private:
    // A transaction whose BEGIN never went has nothing on the server to end.
    void end(const char* sql) {
        const bool open = transaction_ == Transaction::open;
        transaction_ = Transaction::none;
        if (!open) return;
        SessionHandle& session = handle();
        const std::scoped_lock lock(session.mutex());
        PGconn* connection = session;
        Result ended(PQexec(connection, sql));
        if (!ended || PQresultStatus(ended.get()) != PGRES_COMMAND_OK)
            throw StatementException(failure("execute", ended.get(), connection, sql));
    }

    PreparedStatements prepared_;
    Transaction transaction_ = Transaction::none;
};

class CachingConnector final : public Poco::Data::Connector {
public:
    static const std::string kName;
    const std::string& name() const override { return kName; }
    Poco::AutoPtr<Poco::Data::SessionImpl> createSession(const std::string& connectionString,
                                                         std::size_t timeout) override {
        return Poco::AutoPtr<Poco::Data::SessionImpl>(new CachingSession(connectionString, timeout));
    }
};

const std::string CachingConnector::kName = "clinhub-postgresql";

} // namespace

const std::string& postgresConnector() {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SessionFactory::instance().add(new CachingConnector); });
    return CachingConnector::kName;
}

} // namespace clinhub::store

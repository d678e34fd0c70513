// Statements on PostgreSQL through the store's connector (each statement prepared once per connection)
// against Poco 1.11's own PostgreSQL connector (prepare, describe, execute, deallocate every time), on
// one connection each, in the same database: a read by primary key, and an insert.
//
//   bench_postgres_statements [N]   CLINHUB_BENCH_STORE=postgresql://… (bench/run gives it a fresh database)
#include "Report.h"
#include "hub/store/Store.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

using namespace Poco::Data::Keywords;
using clinhub::bench::format;
using clinhub::bench::ratio;
using clinhub::bench::result;

namespace {

// Statements per second over `n` runs of `statement(i)`.
double rate(int n, const std::function<void(int)>& statement) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
        statement(i);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return n / took.count();
}

struct Rates {
    double read = 0;
    double insert = 0;
};

// The same two statements on any session: `table` keeps the two connectors' rows apart.
template <typename Session>
Rates measure(Session& s, const std::string& table, int n, const char* read, const char* insert) {
    Rates r;
    r.insert = rate(n, [&](int i) {
        std::string k = "k" + std::to_string(i);
        int64_t v = i;
        s << format(insert, table.c_str()), use(k), use(v), now;
    });
    r.read = rate(n, [&](int i) {
        std::string k = "k" + std::to_string(i);
        int64_t v = -1;
        s << format(read, table.c_str()), use(k), into(v), now;
        if (v != i) throw std::runtime_error("read back the wrong row");
    });
    return r;
}

} // namespace

int main(int argc, char** argv) try {
    const int n = argc > 1 ? std::stoi(argv[1]) : 20000;
    if (!clinhub::bench::onPostgres()) {
        std::fprintf(stderr, "bench_postgres_statements: set CLINHUB_BENCH_STORE to a postgresql:// URL\n");
        return 2;
    }
    const std::string url = clinhub::bench::storeUrl();
    auto store = clinhub::store::Store::open(url);
    auto ours = store->session();
    ours << "CREATE TABLE ours (k TEXT PRIMARY KEY, v BIGINT NOT NULL)", now;
    ours << "CREATE TABLE poco (k TEXT PRIMARY KEY, v BIGINT NOT NULL)", now;

    Poco::Data::PostgreSQL::Connector::registerConnector();
    Poco::Data::Session poco(Poco::Data::PostgreSQL::Connector::KEY, clinhub::store::postgresConnectionString(url));

    // The store's sessions number `?` placeholders themselves; Poco's takes PostgreSQL's own.
    const Rates baseline = measure(poco, "poco", n, "SELECT v FROM %s WHERE k = $1", "INSERT INTO %s VALUES ($1, $2)");
    const Rates figure = measure(ours, "ours", n, "SELECT v FROM %s WHERE k = ?", "INSERT INTO %s VALUES (?, ?)");

    std::printf("%d statements each on one connection to PostgreSQL\n", n);
    std::printf("  read by key: %.0f/s through the store, %.0f/s through Poco's connector (%.2fx)\n", figure.read,
                baseline.read, figure.read / baseline.read);
    std::printf("  insert:      %.0f/s through the store, %.0f/s through Poco's connector (%.2fx)\n", figure.insert,
                baseline.insert, figure.insert / baseline.insert);
    result("read by key", format("%.0f/s", figure.read), format("%.0f/s (Poco's connector)", baseline.read),
           ratio(figure.read / baseline.read), ">= 2x", clinhub::bench::verdict(figure.read >= 2 * baseline.read));
    result("insert", format("%.0f/s", figure.insert), format("%.0f/s (Poco's connector)", baseline.insert),
           ratio(figure.insert / baseline.insert), ">= 2x",
           clinhub::bench::verdict(figure.insert >= 2 * baseline.insert));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_postgres_statements: %s\n", e.what());
    return 1;
}

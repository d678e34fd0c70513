// What the C++ benchmarks share: the store their hubs use, and the machine-readable result lines that
// bench/run gathers into one table.
//
// CLINHUB_BENCH_STORE holds a store URL (postgresql://USER@HOST:PORT/DBNAME, or sqlite:FILE); unset, each
// hub gets `sqlite:hub.db` in its own temp folder, as before. bench/run hands every run an empty database;
// outbox_delivery empties it again for its second hub (emptyStore): never point it at one that matters.
//
// Each figure is also printed as one line, fields separated by tabs:
//   RESULT <name> <figure> <baseline> <ratio> <target> <verdict>
// figure and baseline with their units, ratio like 0.85x, target like ">= 2000/s", verdict met, NOT met or
// "—" where no target is set; "—" also stands for a missing baseline or ratio.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace clinhub::bench {

inline constexpr const char* kNone = "—";

inline std::string storeUrl() {
    const char* url = std::getenv("CLINHUB_BENCH_STORE");
    return url && *url ? url : "sqlite:hub.db";
}

inline bool onPostgres() {
    const std::string url = storeUrl();
    return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

inline const char* storeName() { return onPostgres() ? "PostgreSQL" : "SQLite"; }

// The hub.yaml line naming the store; quoted, as a URL holds ':' and '@'.
inline std::string storeYaml() { return "  store: \"" + storeUrl() + "\"\n"; }

inline void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

// Runs a file of SQL against the hub's store: sqlite3 on DIR/hub.db, or psql on the PostgreSQL URL.
inline void runSql(const std::filesystem::path& dir, const std::filesystem::path& file) {
    if (onPostgres())
        run("psql -X -q -v ON_ERROR_STOP=1 -d '" + storeUrl() + "' -f '" + file.string() + "' >/dev/null");
    else
        run("sqlite3 '" + (dir / "hub.db").string() + "' < '" + file.string() + "'");
}

// Empties the PostgreSQL store, for a second hub in one run: it then starts as on a fresh SQLite file
// in a new folder. Nothing to do on SQLite.
inline void emptyStore() {
    if (onPostgres())
        run("psql -X -q -v ON_ERROR_STOP=1 -d '" + storeUrl() +
            "' -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public' >/dev/null 2>&1");
}

inline std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
inline std::string format(const char* pattern, ...) {
    char buffer[256];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

inline std::string ratio(double r) { return format("%.2fx", r); }
inline std::string verdict(bool met) { return met ? "met" : "NOT met"; }

inline void result(const std::string& name, const std::string& figure, const std::string& baseline,
                   const std::string& ratio, const std::string& target, const std::string& verdict) {
    std::printf("RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n", name.c_str(), figure.c_str(), baseline.c_str(), ratio.c_str(),
                target.c_str(), verdict.c_str());
    std::fflush(stdout);
}

// A connector's latency through its plugin against the same requests sent straight to its simulator
// (median ms each); the connectors' target is at most 1 ms added.
inline void overheadResult(const std::string& name, double pluginMs, double directMs) {
    result(name, format("%.3f ms", pluginMs), format("%.3f ms", directMs),
           directMs > 0 ? ratio(pluginMs / directMs) : kNone, "overhead <= 1 ms", verdict(pluginMs - directMs <= 1.0));
}

} // namespace clinhub::bench

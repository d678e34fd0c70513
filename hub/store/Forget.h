// One step of forgetting patient details past their time (workflows::Retention). The owner of each table
// that holds them says which of its rows are past their time and what of them to forget; rows stay, with
// their states and counts, for reports.
#pragma once

#include <cstdint>
#include <string>

namespace clinhub::store {

struct Forget {
    std::string organisation;
    int64_t before = 0;  // microseconds since the epoch: rows finished and last touched before this
    int limit = 500;     // rows per step, each step one short write transaction
    bool dryRun = false; // count every row that would go; change nothing
};

} // namespace clinhub::store

namespace clinhub::store {

class Session;

// The SQL of one kind of row to forget. `where` picks the rows past their time: its first `?` is the
// organisation, every later one `before`. `key` names a row: its key column, or columns ("a, b").
struct ForgetSql {
    const char* table;
    const char* key;
    const char* where;
    const char* set;
};

// One step of `f` on `sql`: how many rows it forgot, or with f.dryRun how many it would in all.
int64_t forgetRows(Session& s, const Forget& f, const ForgetSql& sql);

} // namespace clinhub::store

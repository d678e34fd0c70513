// How long patient details stay: an organisation's `retention_days` after a link, a batch, a cohort member
// or a message is finished with. Past that, the details are forgotten where they lie; the rows stay, with
// their states and counts, for reports.
//
// Each table's owner says which of its rows are past their time (LinkRepository::forgetPatients and the like);
// this walks them a few hundred rows per transaction, so a hub that prunes a year of data keeps answering.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <string>

namespace clinhub::workflows {

// What was (or, in a dry run, would be) forgotten, by kind of row.
struct Forgotten {
    int64_t links = 0;
    int64_t batchRows = 0;
    int64_t rejectedRows = 0;
    int64_t cohortMembers = 0;
    int64_t messagePayloads = 0;

    [[nodiscard]] int64_t total() const { return links + batchRows + rejectedRows + cohortMembers + messagePayloads; }
    // Each kind by its metric label, in a fixed order.
    [[nodiscard]] std::vector<std::pair<const char*, int64_t>> byKind() const;
};

class Retention {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit Retention(store::Store& store, Clock clock = store::nowMicros) : store_(store), clock_(std::move(clock)) {}

    // Forgets `organisation`'s patient details finished with more than `days` ago; with `dryRun`, only
    // counts them.
    Forgotten prune(const std::string& organisation, int days, bool dryRun);

private:
    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::workflows

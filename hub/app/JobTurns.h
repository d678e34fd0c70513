// Whose turn it is to run a periodic job, when several hub processes share one store: each process keeps
// its own timer, and the first to ask once the last turn is over takes the next, so a job runs about once
// an interval across them all. Turns live in the store (job_turns), so they need no other coordination,
// and a process that dies simply lets its turn lapse.
#pragma once

#include "hub/store/Store.h"

#include <chrono>
#include <string>

namespace clinhub::app {

class JobTurns {
public:
    explicit JobTurns(store::Store& store);

    // True when this process now holds `job`'s turn for most of `interval`, so the next turn falls to
    // whichever process's timer fires first after it.
    bool take(const std::string& job, std::chrono::milliseconds interval);

    [[nodiscard]] const std::string& holder() const { return holder_; }

private:
    store::Store& store_;
    std::string holder_; // host:pid:random, so a restarted process is a new holder
};

} // namespace clinhub::app

#include "hub/app/JobTurns.h"

#include <Poco/Environment.h>
#include <Poco/Process.h>

#include <random>

using namespace Poco::Data::Keywords;

namespace clinhub::app {

JobTurns::JobTurns(store::Store& store) : store_(store) {
    std::random_device rd;
    holder_ = Poco::Environment::nodeName() + ":" + std::to_string(Poco::Process::id()) + ":" + std::to_string(rd());
}

bool JobTurns::take(const std::string& job, std::chrono::milliseconds interval) {
    const int64_t at = store::nowMicros();
    // A tenth short of the interval: the turn is over by the time the holder's own timer fires again.
    int64_t until = at + std::chrono::duration_cast<std::chrono::microseconds>(interval).count() * 9 / 10;
    bool taken = false;
    store_.transact([&](store::Session& s) {
        std::string name = job;
        std::string holder = holder_;
        int64_t t = at;
        s << "INSERT INTO job_turns (job, holder, until_at) VALUES (?, '', 0) ON CONFLICT DO NOTHING", use(name), now;
        // Under PostgreSQL's row lock, a process that loses the race re-reads the row and finds it taken.
        Poco::Data::Statement turn =
            s << "UPDATE job_turns SET holder = ?, until_at = ? WHERE job = ? AND until_at <= ?";
        turn, use(holder), use(until), use(name), use(t);
        taken = turn.execute() == 1;
    });
    return taken;
}

} // namespace clinhub::app

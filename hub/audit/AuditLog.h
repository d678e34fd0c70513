// The audit trail: who did what to which record, from where, when, and how it ended.
//
// Append-only: the hub never updates or deletes an entry (only retention, after the audit retention period,
// removes the oldest). A change writes its entry in the same transaction as the change itself, so a
// change rolled back leaves no success behind; a refused or failed request writes its own entry after.
// The only code that reads or writes `audit_log`.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::audit {

// The organisation of entries that concern the whole hub rather than one practice (a config reload, the
// trail's own retention): the one a hub-wide role is held in (staff::kEveryOrganisation).
inline constexpr const char* kHubWide = "*";

// Who acted. Never a patient: patients are the subject of entries, not their authors.
struct Actor {
    std::string kind;    // "user" (a user's key or session), "key" (a service key), "cli", "hub"
    std::string id;      // usr_… or key_…; "" for the command line and the hub itself
    std::string name;    // as history shows it: the user's name, the key's name
    std::string address; // the client address the request came from; "" off the network

    static Actor hub() { return {"hub", "", "the hub", ""}; }
    static Actor commandLine() { return {"cli", "", "the command line", ""}; }
};

// What a workflow is told of the request it serves: who, and the action's name (the operation's
// operationId in schemas/openapi.yaml, e.g. "expireLink").
struct Context {
    Actor actor = Actor::hub();
    std::string action;
};

enum class Outcome { success, failure, refused };
std::string_view toString(Outcome outcome);

struct Entry {
    int64_t at = 0; // microseconds since the epoch
    Actor actor;
    std::string action;
    std::string organisation;
    std::string resource;  // the id of what was acted on: lnk_…, msg_…, bat_…
    std::string nhsNumber; // the patient touched, when one is
    Outcome outcome = Outcome::success;
    std::string detail; // for a failure, why (the status and its message); never a patient detail
};

// `by`'s action as it succeeded, for a workflow to append in the change's own transaction.
Entry succeeded(const Context& by, int64_t at, std::string organisation, std::string resource, std::string detail = {},
                std::string nhsNumber = {});

struct Filter {
    std::string organisation;
    std::optional<std::string> actorId;
    std::optional<std::string> nhsNumber;
    std::optional<int64_t> from; // inclusive
    std::optional<int64_t> to;   // exclusive
    int limit = 1000;
};

class AuditLog {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit AuditLog(store::Store& store, Clock clock = store::nowMicros) : store_(store), clock_(std::move(clock)) {}

    // Appends inside the caller's transaction, beside the change it records. `entry.at` 0 means now.
    static void append(store::Session& transaction, Entry entry);
    // Appends in a transaction of its own: a refusal, a failure, a read of patient detail.
    void append(Entry entry);
    // Oldest first.
    std::vector<Entry> find(const Filter& filter);
    // Retention: deletes every entry written before `before` (microseconds since the epoch), `rowsPerStep`
    // to a transaction, and notes how many went in an entry of its own (kHubWide). The only delete of an
    // entry anywhere. Returns how many went.
    int64_t forgetBefore(int64_t before, int rowsPerStep = kRowsPerStep);

    // A few milliseconds of the store's write lock, so requests meanwhile wait no longer than for any write.
    static constexpr int kRowsPerStep = 500;

private:
    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::audit

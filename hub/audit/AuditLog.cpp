#include "hub/audit/AuditLog.h"

#include "hub/store/SortableId.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace clinhub::audit {

std::string_view toString(Outcome outcome) {
    switch (outcome) {
    case Outcome::success: return "success";
    case Outcome::failure: return "failure";
    case Outcome::refused: return "refused";
    }
    return "unknown";
}

Entry succeeded(const Context& by, int64_t at, std::string organisation, std::string resource, std::string detail,
                std::string nhsNumber) {
    return {at,
            by.actor,
            by.action,
            std::move(organisation),
            std::move(resource),
            std::move(nhsNumber),
            Outcome::success,
            std::move(detail)};
}

namespace {

Outcome outcomeFrom(const std::string& word) {
    if (word == "failure") return Outcome::failure;
    if (word == "refused") return Outcome::refused;
    return Outcome::success;
}

} // namespace

void AuditLog::append(store::Session& s, Entry e) {
    if (e.at == 0) e.at = store::nowMicros();
    std::string id = "aud_" + store::sortableId();
    int64_t seq = store::nextSequence();
    std::string outcome(toString(e.outcome));
    s << "INSERT INTO audit_log (id, seq, at, actor_kind, actor_id, actor_name, address, action, organisation, "
         "resource, nhs_number, outcome, detail) VALUES (?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), ?, ?, "
         "NULLIF(?, ''), NULLIF(?, ''), ?, NULLIF(?, ''))",
        use(id), use(seq), use(e.at), useRef(e.actor.kind), useRef(e.actor.id), useRef(e.actor.name),
        useRef(e.actor.address), useRef(e.action), useRef(e.organisation), useRef(e.resource), useRef(e.nhsNumber),
        use(outcome), useRef(e.detail), now;
}

void AuditLog::append(Entry entry) {
    if (entry.at == 0) entry.at = clock_();
    store_.write([&](store::Session& s) { append(s, entry); });
}

std::vector<Entry> AuditLog::find(const Filter& f) {
    std::string sql = "SELECT at, actor_kind, COALESCE(actor_id, ''), actor_name, COALESCE(address, ''), action, "
                      "organisation, COALESCE(resource, ''), COALESCE(nhs_number, ''), outcome, COALESCE(detail, '') "
                      "FROM audit_log WHERE organisation = ?";
    std::string organisation = f.organisation, actor = f.actorId.value_or(""), nhs = f.nhsNumber.value_or("");
    int64_t from = f.from.value_or(0), to = f.to.value_or(0);
    if (f.actorId) sql += " AND actor_id = ?";
    if (f.nhsNumber) sql += " AND nhs_number = ?";
    if (f.from) sql += " AND at >= ?";
    if (f.to) sql += " AND at < ?";
    sql += " ORDER BY at, seq LIMIT " + std::to_string(std::max(1, f.limit));
    auto s = store_.session();
    Poco::Data::Statement select = s << sql;
    select, use(organisation);
    if (f.actorId) select, use(actor);
    if (f.nhsNumber) select, use(nhs);
    if (f.from) select, use(from);
    if (f.to) select, use(to);
    select.execute();
    Poco::Data::RecordSet rows(select);
    std::vector<Entry> out;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext())
        out.push_back({rows[0].convert<int64_t>(),
                       {rows[1].convert<std::string>(), rows[2].convert<std::string>(), rows[3].convert<std::string>(),
                        rows[4].convert<std::string>()},
                       rows[5].convert<std::string>(),
                       rows[6].convert<std::string>(),
                       rows[7].convert<std::string>(),
                       rows[8].convert<std::string>(),
                       outcomeFrom(rows[9].convert<std::string>()),
                       rows[10].convert<std::string>()});
    return out;
}

int64_t AuditLog::forgetBefore(int64_t before, int rowsPerStep) {
    // Organisation by organisation, so each step finds its rows through the (organisation, at) index
    // rather than reading through years of entries; the distinct organisations are walked the same way, one
    // index probe each (neither store skips through an index by itself).
    std::vector<std::string> organisations;
    {
        auto s = store_.session();
        s << "WITH RECURSIVE o (organisation) AS (SELECT MIN(organisation) FROM audit_log UNION ALL "
             "SELECT (SELECT MIN(organisation) FROM audit_log WHERE organisation > o.organisation) FROM o "
             "WHERE o.organisation IS NOT NULL) SELECT organisation FROM o WHERE organisation IS NOT NULL",
            into(organisations), now;
    }
    int64_t all = 0;
    for (auto& organisation : organisations)
        for (int64_t done = rowsPerStep; done == rowsPerStep;) {
            store_.write([&](store::Session& s) {
                store::Statement remove =
                    s << "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE organisation = ? AND "
                         "at < ? LIMIT ?)";
                remove, use(organisation), use(before), use(rowsPerStep);
                done = static_cast<int64_t>(remove.execute());
            });
            all += done;
        }
    if (all > 0)
        append({0,
                Actor::hub(),
                "deleteExpiredAuditEntries",
                kHubWide,
                {},
                {},
                Outcome::success,
                std::to_string(all) + " entries from before " +
                    Poco::DateTimeFormatter::format(Poco::Timestamp(before), "%Y-%m-%dT%H:%M:%SZ")});
    return all;
}

} // namespace clinhub::audit

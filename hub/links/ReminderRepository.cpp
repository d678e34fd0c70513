#include "hub/links/ReminderRepository.h"

#include <Poco/Data/RecordSet.h>

using namespace Poco::Data::Keywords;

namespace clinhub::links {

std::vector<DueReminder> ReminderRepository::due(const std::string& organisation, const std::string& rule,
                                                 int offsetMinutes, int nextMinutes, int64_t nowSeconds, int limit,
                                                 const DueReminder* after) {
    const int64_t offset = int64_t{offsetMinutes} * 60;
    const int64_t latest = nowSeconds + offset;
    // The range's start seeks the index on start_at: the page before's last start, or the window's.
    const int64_t from = after != nullptr ? after->start : nowSeconds + int64_t{nextMinutes} * 60 + 1;
    const std::string afterLink = after != nullptr ? after->linkId : std::string();
    // CROSS JOIN: SQLite takes the appointments first, through the booked ones' index on (start_at, link_id) in
    // the order asked, rather than every link of the organisation and a sort. PostgreSQL plans by its
    // statistics either way.
    // An appointment booked after its reminder fell due (a week's reminder for one booked yesterday) gets none
    // at that offset: its confirmation told the patient as much, and later offsets remind them in their turn.
    Poco::Data::Statement select =
        s_ << "SELECT a.link_id, a.appointment_id, a.start_at, COALESCE(a.location, ''), a.telephone, "
              "COALESCE(a.call_from, 0), COALESCE(a.call_to, 0), l.nhs_number, "
              "l.date_of_birth, l.mobile, COALESCE(l.name, '') FROM link_appointments a CROSS JOIN links l WHERE "
              "l.id = a.link_id AND a.state = 'booked' AND a.start_at >= ? AND a.start_at <= ? AND NOT (a.start_at = ? "
              "AND "
              "a.link_id <= ?) AND l.organisation = ? AND "
              "l.rule = ? AND l.nhs_number <> '' AND a.at <= (a.start_at - ?) * 1000000 AND (a.reminded_minutes IS "
              "NULL OR "
              "a.reminded_minutes > ?) ORDER BY a.start_at, a.link_id LIMIT ?";
    select, useRef(from), useRef(latest), useRef(from), useRef(afterLink), useRef(organisation), useRef(rule),
        useRef(offset), use(offsetMinutes), use(limit);
    select.execute();
    std::vector<DueReminder> out;
    Poco::Data::RecordSet rows(select);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext())
        out.push_back({rows[0].convert<std::string>(),
                       rows[1].convert<std::string>(),
                       rows[2].convert<int64_t>(),
                       rows[3].convert<std::string>(),
                       rows[4].convert<int>() != 0,
                       rows[5].convert<int64_t>(),
                       rows[6].convert<int64_t>(),
                       {rows[7].convert<std::string>(), rows[8].convert<std::string>(), rows[9].convert<std::string>(),
                        rows[10].convert<std::string>()}});
    return out;
}

void ReminderRepository::record(const std::vector<QueuedReminder>& reminders, int offsetMinutes, int64_t at) {
    if (reminders.empty()) return;
    const std::size_t n = reminders.size();
    std::vector<std::string> links(n), appointments(n), references(n), hashes(n);
    for (std::size_t i = 0; i < n; ++i) {
        links[i] = reminders[i].linkId;
        appointments[i] = reminders[i].appointmentId;
        references[i] = reminders[i].reference;
        hashes[i] = reminders[i].tokenHash;
    }
    std::vector<int> offsets(n, offsetMinutes);
    std::vector<int64_t> times(n, at);
    s_ << "INSERT INTO appointment_reminders (link_id, appointment_id, offset_minutes, reference, at) VALUES (?, ?, ?, "
          "?, ?)",
        use(links), use(appointments), use(offsets), use(references), use(times), now;
    std::vector<std::string> purposes(n, "manage");
    s_ << "INSERT INTO link_tokens (token_hash, link_id, purpose, created_at) VALUES (?, ?, ?, ?)", use(hashes),
        use(links), use(purposes), use(times), now;
    s_ << "UPDATE link_appointments SET reminded_minutes = ? WHERE link_id = ? AND appointment_id = ?", use(offsets),
        use(links), use(appointments), now;
}

std::vector<std::string> ReminderRepository::referencesOf(const std::string& linkId, const std::string& appointmentId) {
    std::vector<std::string> out;
    s_ << "SELECT reference FROM appointment_reminders WHERE link_id = ? AND appointment_id = ? ORDER BY at",
        useRef(linkId), useRef(appointmentId), into(out), now;
    return out;
}

} // namespace clinhub::links

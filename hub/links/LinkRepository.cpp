#include "hub/links/LinkRepository.h"

#include "hub/store/Store.h"

#include <Poco/Data/RecordSet.h>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace clinhub::links {

namespace {

// A link's columns and what they join; by id, or (with the token's purpose after them) by a token's hash.
std::string linkQuery(bool byToken) {
    return std::string("SELECT l.id, l.organisation, l.rule, l.state, l.nhs_number, l.date_of_birth, l.mobile, "
                       "COALESCE(l.name, ''), l.failed_dob, COALESCE(l.invite_reference, ''), l.created_at, "
                       "l.expires_at, COALESCE(o.state, ''), COALESCE(l.batch_id, ''), COALESCE(b.allow_decline, 0), "
                       "COALESCE(b.decline_code, ''), COALESCE(b.decline_term, ''), COALESCE(l.member_id, ''), "
                       "COALESCE(l.dose, 0)") +
           (byToken ? ", t.purpose FROM link_tokens t JOIN links l ON l.id = t.link_id " : " FROM links l ") +
           "LEFT JOIN outbox o ON o.reference = l.invite_reference LEFT JOIN batches b ON b.id = l.batch_id WHERE " +
           (byToken ? "t.token_hash = ?" : "l.id = ?");
}

// `state IN ('sent', …)` for a move's from-set. The words are this file's own, never input.
std::string stateIn(const Move& move) {
    std::string in;
    for (unsigned bit = 0; bit < 16; ++bit) {
        const auto state = static_cast<LinkState>(bit);
        if (!move.allows(state)) continue;
        in += (in.empty() ? "'" : ", '") + std::string(toString(state)) + "'";
    }
    return "state IN (" + in + ")";
}

template <class... Values>
std::map<std::string, int64_t> counted(store::Session& s, const char* sql, const Values&... values) {
    std::vector<std::string> keys;
    std::vector<int64_t> counts;
    auto select = s << sql;
    (select, ..., useRef(values));
    select, into(keys), into(counts), now;
    std::map<std::string, int64_t> out;
    for (std::size_t i = 0; i < keys.size(); ++i)
        out[keys[i]] = counts[i];
    return out;
}

} // namespace

std::string_view toString(AppointmentState state) {
    switch (state) {
    case AppointmentState::replaced: return "replaced";
    case AppointmentState::cancelled: return "cancelled";
    case AppointmentState::booked: break;
    }
    return "booked";
}

const AppointmentRecord* Link::currentAppointment() const {
    for (auto it = appointments.rbegin(); it != appointments.rend(); ++it)
        if (it->state == AppointmentState::booked) return &*it;
    return nullptr;
}

std::optional<Link> LinkRepository::read(const std::string& key, bool byToken, int64_t at, std::string* purpose) {
    Poco::Data::Statement select = s_ << linkQuery(byToken);
    select, useRef(key);
    select.execute();
    Poco::Data::RecordSet row(select);
    if (!row.moveFirst()) return std::nullopt;
    Link link;
    link.id = row[0].convert<std::string>();
    link.organisation = row[1].convert<std::string>();
    link.rule = row[2].convert<std::string>();
    const std::string stored = row[3].convert<std::string>();
    const auto state = linkStateFrom(stored);
    if (!state) throw std::runtime_error("link " + link.id + " has an unknown state '" + stored + "'");
    link.state = *state;
    link.patient = {row[4].convert<std::string>(), row[5].convert<std::string>(), row[6].convert<std::string>(),
                    row[7].convert<std::string>()};
    link.failedDobAttempts = row[8].convert<int>();
    link.inviteReference = row[9].convert<std::string>();
    link.createdAt = row[10].convert<int64_t>();
    link.expiresAt = row[11].convert<int64_t>();
    const std::string inviteState = row[12].convert<std::string>();
    link.memberId = row[17].convert<std::string>();
    link.dose = row[18].convert<int>();
    if (purpose != nullptr) *purpose = row[19].convert<std::string>();
    if (const auto batchId = row[13].convert<std::string>(); !batchId.empty()) {
        link.batch = BatchTerms{batchId, row[14].convert<int>() != 0, std::nullopt};
        if (const auto code = row[15].convert<std::string>(); !code.empty())
            link.batch->declineCode = config::Code{code, row[16].convert<std::string>()};
    }
    // A link not yet used to book has no appointments to read.
    if (!unused(link.state)) readAppointments(link);
    if (link.state == LinkState::sent && inviteState == "failed")
        link.state = LinkState::failed;
    else if (unused(link.state) && at >= link.expiresAt)
        link.state = LinkState::expired;
    return link;
}

std::optional<Link> LinkRepository::byId(const std::string& id, int64_t at) { return read(id, false, at, nullptr); }

std::optional<std::pair<Link, TokenPurpose>> LinkRepository::byToken(const std::string& tokenHash, int64_t at) {
    std::string purpose;
    auto link = read(tokenHash, true, at, &purpose);
    if (!link) return std::nullopt;
    return std::pair{std::move(*link), purpose == "manage" ? TokenPurpose::manage : TokenPurpose::book};
}

void LinkRepository::readAppointments(Link& link) {
    Poco::Data::Statement appointments =
        s_ << "SELECT appointment_id, slot_id, slot_type, start_at, duration_minutes, COALESCE(clinician, ''), "
              "COALESCE(location, ''), telephone, state, at, COALESCE(call_from, 0), COALESCE(call_to, 0) "
              "FROM link_appointments WHERE link_id = ? "
              "ORDER BY at, seq";
    appointments, useRef(link.id);
    appointments.execute();
    Poco::Data::RecordSet a(appointments);
    for (bool more = a.moveFirst(); more; more = a.moveNext()) {
        AppointmentRecord r;
        r.appointmentId = a[0].convert<std::string>();
        r.slot = {a[1].convert<std::string>(), a[2].convert<std::string>(), a[3].convert<int64_t>(),
                  a[4].convert<int>(),         a[5].convert<std::string>(), a[6].convert<std::string>(),
                  a[7].convert<int>() != 0};
        const auto state = a[8].convert<std::string>();
        r.state = state == "replaced"    ? AppointmentState::replaced
                  : state == "cancelled" ? AppointmentState::cancelled
                                         : AppointmentState::booked;
        r.at = a[9].convert<int64_t>();
        r.callFrom = a[10].convert<int64_t>();
        r.callTo = a[11].convert<int64_t>();
        link.appointments.push_back(std::move(r));
    }
}

std::vector<LinkEvent> LinkRepository::events(const std::string& id) {
    Poco::Data::Statement select =
        s_ << "SELECT at, event, COALESCE(detail, '') FROM link_events WHERE link_id = ? ORDER BY at, seq";
    select, useRef(id);
    select.execute();
    Poco::Data::RecordSet e(select);
    std::vector<LinkEvent> out;
    for (bool more = e.moveFirst(); more; more = e.moveNext())
        out.push_back({e[0].convert<int64_t>(), e[1].convert<std::string>(), e[2].convert<std::string>()});
    return out;
}

std::vector<std::string> LinkRepository::idsOfPatient(const std::string& organisation, const std::string& nhsNumber) {
    std::vector<std::string> ids;
    s_ << "SELECT id FROM links WHERE organisation = ? AND nhs_number = ? ORDER BY created_at DESC, id DESC",
        useRef(organisation), useRef(nhsNumber), into(ids), now;
    return ids;
}

std::vector<std::string> LinkRepository::lapsedIds(int64_t at) {
    std::vector<std::string> ids;
    s_ << "SELECT id FROM links WHERE " + stateIn(moves::lapse) + " AND expires_at <= ?", useRef(at), into(ids), now;
    return ids;
}

std::vector<std::string> LinkRepository::openPatients(const std::string& organisation, const std::string& rule,
                                                      int64_t at) {
    std::vector<std::string> numbers;
    s_ << "SELECT nhs_number FROM links WHERE organisation = ? AND rule = ? AND state IN ('sent', 'accessed', "
          "'booking') AND expires_at > ?",
        useRef(organisation), useRef(rule), useRef(at), into(numbers), now;
    return numbers;
}

std::map<std::string, int64_t> LinkRepository::countByState(const std::string& batchId) {
    return counted(s_, "SELECT state, COUNT(*) FROM links WHERE batch_id = ? GROUP BY state", batchId);
}

std::map<std::string, int64_t> LinkRepository::countByInviteState(const std::string& batchId) {
    return counted(s_,
                   "SELECT o.state, COUNT(*) FROM links l JOIN outbox o ON o.reference = l.invite_reference "
                   "WHERE l.batch_id = ? GROUP BY o.state",
                   batchId);
}

std::map<std::string, int64_t> LinkRepository::countEventsSince(const std::string& organisation, int64_t since) {
    return counted(s_,
                   "SELECT e.event, COUNT(*) FROM link_events e JOIN links l ON l.id = e.link_id "
                   "WHERE e.at >= ? AND l.organisation = ? GROUP BY e.event",
                   since, organisation);
}

std::vector<LinkSummary> LinkRepository::page(const LinkFilter& f, int64_t at) {
    // Every filter's condition is in the text whether used or not (a bound of 0 or "" switches it off), so
    // the statement is nearly the same for every filter; the state's is chosen from this file's own words. The casts
    // keep PostgreSQL from taking a bare `? = 0` for a 32-bit integer.
    std::string stateCondition = "1 = 1";
    std::string stateWord;
    if (f.state) {
        switch (*f.state) {
        case LinkState::sent:
            stateCondition = "l.state = 'sent' AND l.expires_at > ? AND COALESCE(o.state, '') <> 'failed'";
            break;
        case LinkState::accessed: stateCondition = "l.state = 'accessed' AND l.expires_at > ?"; break;
        case LinkState::expired:
            stateCondition = "(l.state = 'expired' OR (l.state = 'accessed' AND l.expires_at <= ?) OR (l.state = "
                             "'sent' AND l.expires_at <= ? AND COALESCE(o.state, '') <> 'failed'))";
            break;
        case LinkState::failed:
            stateCondition = "(l.state = 'failed' OR (l.state = 'sent' AND o.state = 'failed'))";
            break;
        default: stateCondition = "l.state = ?"; stateWord = std::string(toString(*f.state));
        }
    }
    Poco::Data::Statement select =
        s_ << "SELECT l.id, l.rule, l.state, l.nhs_number, COALESCE(l.name, ''), l.created_at, l.expires_at, "
              "COALESCE(o.state, '') FROM links l LEFT JOIN outbox o ON o.reference = l.invite_reference "
              "WHERE l.organisation = ? AND (? = '' OR l.rule = ?) AND (CAST(? AS BIGINT) = 0 OR l.created_at >= ?) "
              "AND (CAST(? AS BIGINT) = 0 OR l.created_at < ?) AND " +
                  // Only when there is one: SQLite seeks the index by the key only outside an OR.
                  (f.before.empty() ? std::string()
                                    : "(l.created_at, l.id) < (SELECT created_at, id FROM links WHERE id = ?) AND ") +
                  stateCondition + " ORDER BY l.created_at DESC, l.id DESC LIMIT ?";
    select, useRef(f.organisation), useRef(f.rule), useRef(f.rule), useRef(f.from), useRef(f.from), useRef(f.to),
        useRef(f.to);
    if (!f.before.empty()) select, useRef(f.before);
    const auto placeholders = std::count(stateCondition.begin(), stateCondition.end(), '?');
    for (long i = 0; i < placeholders; ++i)
        if (stateWord.empty())
            select, useRef(at);
        else
            select, useRef(stateWord);
    select, useRef(f.limit);
    select.execute();
    Poco::Data::RecordSet r(select);
    std::vector<LinkSummary> out;
    for (bool more = r.moveFirst(); more; more = r.moveNext()) {
        LinkSummary link{r[0].convert<std::string>(), r[1].convert<std::string>(), LinkState::sent,
                         r[3].convert<std::string>(), r[4].convert<std::string>(), r[5].convert<int64_t>(),
                         r[6].convert<int64_t>()};
        link.state = linkStateFrom(r[2].convert<std::string>()).value_or(LinkState::sent);
        if (link.state == LinkState::sent && r[7].convert<std::string>() == "failed")
            link.state = LinkState::failed;
        else if (unused(link.state) && at >= link.expiresAt)
            link.state = LinkState::expired;
        out.push_back(std::move(link));
    }
    return out;
}

std::string LinkRepository::nhsNumberOf(const std::string& id) {
    std::vector<std::string> numbers;
    s_ << "SELECT nhs_number FROM links WHERE id = ?", useRef(id), into(numbers), now;
    return numbers.empty() ? std::string() : numbers.front();
}

std::pair<LinkState, int> LinkRepository::dateOfBirthTries(const std::string& id) {
    std::string state;
    int failed = 0;
    s_ << "SELECT state, failed_dob FROM links WHERE id = ?", useRef(id), into(state), into(failed), now;
    return {linkStateFrom(state).value_or(LinkState::locked), failed};
}

void LinkRepository::insert(const std::vector<NewLink>& links, int64_t at) {
    const std::size_t n = links.size();
    if (n == 0) return;
    // Column by column, so each table takes every row through one prepared statement.
    std::vector<std::string> ids(n), organisations(n), rules(n), nhs(n), dob(n), mobile(n), name(n), inviteReference(n),
        batch(n), hash(n), members(n), events(n, "sent"), detail(n);
    std::vector<int64_t> atEach(n, at), expires(n), seq(n);
    std::vector<int> doses(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Link& link = links[i].link;
        ids[i] = link.id;
        organisations[i] = link.organisation;
        rules[i] = link.rule;
        nhs[i] = link.patient.nhsNumber;
        dob[i] = link.patient.dateOfBirth;
        mobile[i] = link.patient.mobile;
        name[i] = link.patient.name;
        inviteReference[i] = link.inviteReference;
        expires[i] = link.expiresAt;
        batch[i] = links[i].batchId;
        hash[i] = links[i].tokenHash;
        members[i] = link.memberId;
        doses[i] = link.dose;
        detail[i] = link.inviteReference.empty() ? "" : "invite " + link.inviteReference;
        seq[i] = store::nextSequence();
    }
    s_ << "INSERT INTO links (id, organisation, rule, state, nhs_number, date_of_birth, mobile, name, failed_dob, "
          "invite_reference, created_at, expires_at, updated_at, batch_id, member_id, dose) "
          "VALUES (?, ?, ?, 'sent', ?, ?, ?, NULLIF(?, ''), 0, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, 0))",
        use(ids), use(organisations), use(rules), use(nhs), use(dob), use(mobile), use(name), use(inviteReference),
        use(atEach), use(expires), use(atEach), use(batch), use(members), use(doses), now;
    s_ << "INSERT INTO link_tokens (token_hash, link_id, purpose, created_at) VALUES (?, ?, 'book', ?)", use(hash),
        use(ids), use(atEach), now;
    s_ << "INSERT INTO link_events (link_id, at, event, detail, seq) VALUES (?, ?, ?, ?, ?)", use(ids), use(atEach),
        use(events), use(detail), use(seq), now;
}

bool LinkRepository::move(const std::string& id, const Move& move, int64_t at) {
    const std::string to(toString(move.to));
    Poco::Data::Statement update = s_ << "UPDATE links SET state = ?, updated_at = ? WHERE id = ? AND " +
                                             stateIn(move) + (move.beforeExpiry ? " AND expires_at > ?" : "");
    update, useRef(to), use(at), useRef(id);
    if (move.beforeExpiry) update, use(at);
    return update.execute() == 1;
}

void LinkRepository::addEvent(const std::string& id, int64_t at, const std::string& event, const std::string& detail) {
    int64_t seq = store::nextSequence();
    s_ << "INSERT INTO link_events (link_id, at, event, detail, seq) VALUES (?, ?, ?, NULLIF(?, ''), ?)", useRef(id),
        use(at), useRef(event), useRef(detail), use(seq), now;
}

void LinkRepository::countWrongDateOfBirth(const std::string& id, int failures, int64_t at) {
    s_ << "UPDATE links SET failed_dob = ?, updated_at = ? WHERE id = ?", use(failures), use(at), useRef(id), now;
}

void LinkRepository::addToken(const std::string& tokenHash, const std::string& id, TokenPurpose purpose, int64_t at) {
    std::string word = purpose == TokenPurpose::manage ? "manage" : "book";
    s_ << "INSERT INTO link_tokens (token_hash, link_id, purpose, created_at) VALUES (?, ?, ?, ?)", useRef(tokenHash),
        useRef(id), use(word), use(at), now;
}

void LinkRepository::addAppointment(const std::string& id, const Appointment& a, int64_t at, int64_t callFrom,
                                    int64_t callTo) {
    const int64_t start = a.slot.start;
    const int duration = a.slot.durationMinutes;
    const int telephone = a.slot.telephone ? 1 : 0;
    int64_t seq = store::nextSequence();
    s_ << "INSERT INTO link_appointments (link_id, appointment_id, slot_id, slot_type, start_at, duration_minutes, "
          "clinician, location, telephone, state, at, seq, call_from, call_to) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)",
        useRef(id), useRef(a.id), useRef(a.slot.id), useRef(a.slot.slotType), useRef(start), useRef(duration),
        useRef(a.slot.clinician), useRef(a.slot.location), useRef(telephone), use(at), use(seq), use(callFrom),
        use(callTo), now;
}

void LinkRepository::markReplaced(const std::string& id, const std::string& appointmentId) {
    s_ << "UPDATE link_appointments SET state = 'replaced' WHERE link_id = ? AND appointment_id = ?", useRef(id),
        useRef(appointmentId), now;
}

void LinkRepository::markCancelled(const std::string& id, const std::string& appointmentId) {
    s_ << "UPDATE link_appointments SET state = 'cancelled' WHERE link_id = ? AND appointment_id = ?", useRef(id),
        useRef(appointmentId), now;
}

int64_t LinkRepository::forgetPatients(store::Session& s, const store::Forget& f) {
    static constexpr store::ForgetSql kLinks{
        "links", "id", "organisation = ? AND nhs_number <> '' AND expires_at < ? AND updated_at < ?",
        "nhs_number = '', date_of_birth = '', mobile = '', name = NULL"};
    return store::forgetRows(s, f, kLinks);
}

} // namespace clinhub::links

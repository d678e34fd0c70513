#include "hub/cohorts/MemberRepository.h"

#include "hub/domain/Vaccination.h"
#include "hub/store/SortableId.h"
#include "hub/store/Store.h"

#include <Poco/Data/RecordSet.h>

using namespace Poco::Data::Keywords;

namespace clinhub::cohorts {

namespace {

constexpr const char* kColumns =
    "SELECT id, organisation, campaign, nhs_number, COALESCE(name, ''), date_of_birth, COALESCE(mobile, ''), "
    "COALESCE(email, ''), COALESCE(school_urn, ''), status, doses, COALESCE(dose1_on, ''), "
    "COALESCE(dose1_vaccine, ''), COALESCE(dose1_term, ''), check_attempts, COALESCE(check_error, ''), "
    "COALESCE(consent, '') FROM cohort_members";

std::vector<Member> readMembers(Poco::Data::Statement& select) {
    select.execute();
    Poco::Data::RecordSet rows(select);
    std::vector<Member> out;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        Member m;
        m.id = rows[0].convert<std::string>();
        m.organisation = rows[1].convert<std::string>();
        m.campaign = rows[2].convert<std::string>();
        m.patient = {rows[3].convert<std::string>(), rows[5].convert<std::string>(), rows[6].convert<std::string>(),
                     rows[4].convert<std::string>()};
        m.email = rows[7].convert<std::string>();
        m.schoolUrn = rows[8].convert<std::string>();
        m.status = rows[9].convert<std::string>();
        m.doses = rows[10].convert<int>();
        m.dose1On = rows[11].convert<std::string>();
        m.dose1Vaccine = {rows[12].convert<std::string>(), rows[13].convert<std::string>()};
        m.checkAttempts = rows[14].convert<int>();
        m.checkError = rows[15].convert<std::string>();
        m.consent = rows[16].convert<std::string>();
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<Member> first(std::vector<Member> found) {
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

const char* orderBy(MemberFilter::Order order) {
    switch (order) {
    case MemberFilter::Order::nhsNumber: return " ORDER BY nhs_number";
    // No date first on both stores (PostgreSQL puts NULL last, SQLite first), as the keyset needs one order.
    case MemberFilter::Order::firstDose: return " ORDER BY COALESCE(dose1_on, ''), nhs_number";
    case MemberFilter::Order::checkDue: return " ORDER BY next_check_at";
    case MemberFilter::Order::none: break;
    }
    return "";
}

// The filter's conditions, " WHERE …", each added with its values; `weekEnds` holds a value bound by reference.
std::string conditions(const MemberFilter& f, Poco::Data::AbstractBindingVec& values, std::string& weekEnds) {
    // Each condition's SQL and its values are added together, so they cannot fall out of step.
    std::string sql = " WHERE 1 = 1";
    const auto where = [&](const char* condition, std::initializer_list<Poco::Data::AbstractBinding::Ptr> bound) {
        sql += condition;
        values.insert(values.end(), bound);
    };
    if (!f.organisation.empty()) where(" AND organisation = ?", {useRef(f.organisation)});
    if (!f.campaign.empty()) where(" AND campaign = ?", {useRef(f.campaign)});
    if (f.status) where(" AND status = ?", {useRef(*f.status)});
    // As the order has it, so the same index serves the week and the order.
    if (f.dose1Week) {
        weekEnds = domain::addDays(*f.dose1Week, 6);
        where(" AND COALESCE(dose1_on, '') BETWEEN ? AND ?", {useRef(*f.dose1Week), useRef(weekEnds)});
    }
    if (!f.schoolUrns.empty()) {
        sql += " AND school_urn IN (";
        for (std::size_t i = 0; i < f.schoolUrns.size(); ++i) {
            sql += i == 0 ? "?" : ", ?";
            values.push_back(useRef(f.schoolUrns[i]));
        }
        sql += ")";
    }
    if (f.checkDueBy) where(" AND next_check_at <= ?", {useRef(*f.checkDueBy)});
    if (f.communityInvitedOtherThan)
        where(" AND EXISTS (SELECT 1 FROM cohort_events e WHERE e.member_id = cohort_members.id AND "
              "e.event = 'community_invited' AND e.once_key <> ?)",
              {useRef(*f.communityInvitedOtherThan)});
    return sql;
}

} // namespace

std::vector<Member> MemberRepository::select(const MemberFilter& f) {
    Poco::Data::AbstractBindingVec values;
    std::string weekEnds;
    const std::string limit = f.limit > 0 ? " LIMIT " + std::to_string(f.limit) : std::string();
    if (!f.after.empty() && f.order == MemberFilter::Order::firstDose) return selectAfter(f, limit);
    Poco::Data::Statement q = s_ << std::string(kColumns) + conditions(f, values, weekEnds) + orderBy(f.order) + limit;
    q, values;
    return readMembers(q);
}

// The page after a member, in two halves that each seek the index on (…, dose 1's date, NHS number): the rest
// of the cursor's date by NHS number, then the later dates. One comparison of the pair would be simpler, but
// SQLite seeks only the first column of a pair compared with a pair, and most of a campaign can share one
// date (none yet): so that walked every member before the page.
std::vector<Member> MemberRepository::selectAfter(const MemberFilter& f, const std::string& limit) {
    std::string date;
    std::string nhsNumber;
    s_ << "SELECT COALESCE(dose1_on, ''), nhs_number FROM cohort_members WHERE id = ?", useRef(f.after), into(date),
        into(nhsNumber), now;
    if (nhsNumber.empty()) return {};
    Poco::Data::AbstractBindingVec values;
    std::string weekEnds;
    std::string sameDate = std::string(kColumns) + conditions(f, values, weekEnds) +
                           " AND COALESCE(dose1_on, '') = ? AND nhs_number > ? ORDER BY nhs_number" + limit;
    values.push_back(useRef(date));
    values.push_back(useRef(nhsNumber));
    std::string later = std::string(kColumns) + conditions(f, values, weekEnds) +
                        " AND COALESCE(dose1_on, '') > ? ORDER BY COALESCE(dose1_on, ''), nhs_number" + limit;
    values.push_back(useRef(date));
    // Columns 12 and 4 of kColumns: dose 1's date and the NHS number.
    Poco::Data::Statement q = s_ << "SELECT * FROM (" + sameDate + ") AS same_date UNION ALL SELECT * FROM (" + later +
                                        ") AS later ORDER BY 12, 4" + limit;
    q, values;
    return readMembers(q);
}

int64_t MemberRepository::count(MemberFilter f) {
    f.after.clear();
    Poco::Data::AbstractBindingVec values;
    std::string weekEnds;
    int64_t n = 0;
    Poco::Data::Statement q = s_ << "SELECT COUNT(*) FROM cohort_members" + conditions(f, values, weekEnds);
    q, values, into(n);
    q.execute();
    return n;
}

std::optional<Member> MemberRepository::byId(const std::string& id) {
    Poco::Data::Statement q = s_ << std::string(kColumns) + " WHERE id = ?";
    q, useRef(id);
    return first(readMembers(q));
}

std::optional<Member> MemberRepository::find(const std::string& organisation, const std::string& campaign,
                                             const std::string& id) {
    Poco::Data::Statement q = s_ << std::string(kColumns) + " WHERE id = ? AND organisation = ? AND campaign = ?";
    q, useRef(id), useRef(organisation), useRef(campaign);
    return first(readMembers(q));
}

std::optional<std::pair<std::string, std::string>> MemberRepository::byNhsNumber(const std::string& organisation,
                                                                                 const std::string& campaign,
                                                                                 const std::string& nhsNumber) {
    std::vector<std::string> ids, statuses;
    s_ << "SELECT id, status FROM cohort_members WHERE organisation = ? AND campaign = ? AND nhs_number = ?",
        useRef(organisation), useRef(campaign), useRef(nhsNumber), into(ids), into(statuses), now;
    if (ids.empty()) return std::nullopt;
    return std::pair{ids.front(), statuses.front()};
}

bool MemberRepository::hasStatus(const std::string& id, std::string_view status) {
    std::vector<std::string> still;
    std::string s(status);
    s_ << "SELECT id FROM cohort_members WHERE id = ? AND status = ?", useRef(id), use(s), into(still), now;
    return !still.empty();
}

std::map<std::string, int64_t> MemberRepository::countByStatus(const std::string& organisation,
                                                               const std::string& campaign) {
    std::vector<std::string> names;
    std::vector<int64_t> counts;
    s_ << "SELECT status, COUNT(*) FROM cohort_members WHERE organisation = ? AND campaign = ? GROUP BY status",
        useRef(organisation), useRef(campaign), into(names), into(counts), now;
    std::map<std::string, int64_t> out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out[names[i]] = counts[i];
    return out;
}

std::vector<std::string> MemberRepository::firstDoseDates(const std::string& organisation, const std::string& campaign,
                                                          std::string_view status) {
    std::vector<std::string> dates;
    std::string s(status);
    s_ << "SELECT dose1_on FROM cohort_members WHERE organisation = ? AND campaign = ? AND status = ? AND dose1_on "
          "IS NOT NULL",
        useRef(organisation), useRef(campaign), use(s), into(dates), now;
    return dates;
}

std::vector<CohortEvent> MemberRepository::events(const std::string& id) {
    std::vector<int64_t> at;
    std::vector<std::string> events, details;
    s_ << "SELECT at, event, COALESCE(detail, '') FROM cohort_events WHERE member_id = ? ORDER BY at, seq", useRef(id),
        into(at), into(events), into(details), now;
    std::vector<CohortEvent> out;
    for (std::size_t i = 0; i < at.size(); ++i)
        out.push_back({at[i], events[i], details[i]});
    return out;
}

bool MemberRepository::hasEvent(const std::string& id, const std::string& event, const std::string& onceKey) {
    std::vector<std::string> found;
    s_ << "SELECT event FROM cohort_events WHERE member_id = ? AND event = ? AND once_key = ?", useRef(id),
        useRef(event), useRef(onceKey), into(found), now;
    return !found.empty();
}

bool MemberRepository::hasAnyKey(const std::string& id, const std::vector<std::string>& onceKeys) {
    for (const auto& key : onceKeys) {
        std::vector<std::string> found;
        s_ << "SELECT event FROM cohort_events WHERE member_id = ? AND once_key = ?", useRef(id), useRef(key),
            into(found), now;
        if (!found.empty()) return true;
    }
    return false;
}

std::string MemberRepository::add(const std::string& organisation, const std::string& campaign, const Contact& c,
                                  std::string_view status, int64_t at) {
    std::string id = "mbr_" + store::sortableId();
    std::string s(status);
    s_ << "INSERT INTO cohort_members (id, organisation, campaign, nhs_number, name, date_of_birth, mobile, email, "
          "school_urn, status, created_at, updated_at) "
          "VALUES (?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?)",
        useRef(id), useRef(organisation), useRef(campaign), useRef(c.patient.nhsNumber), useRef(c.patient.name),
        useRef(c.patient.dateOfBirth), useRef(c.patient.mobile), useRef(c.email), useRef(c.schoolUrn), use(s), use(at),
        use(at), now;
    return id;
}

void MemberRepository::updateContact(const std::string& id, const Contact& c, int64_t at) {
    s_ << "UPDATE cohort_members SET name = NULLIF(?, ''), date_of_birth = ?, mobile = NULLIF(?, ''), "
          "email = NULLIF(?, ''), school_urn = NULLIF(?, ''), updated_at = ? WHERE id = ?",
        useRef(c.patient.name), useRef(c.patient.dateOfBirth), useRef(c.patient.mobile), useRef(c.email),
        useRef(c.schoolUrn), use(at), useRef(id), now;
}

void MemberRepository::setStatus(const std::string& id, std::string_view status, int64_t at) {
    std::string s(status);
    s_ << "UPDATE cohort_members SET status = ?, updated_at = ? WHERE id = ?", use(s), use(at), useRef(id), now;
}

void MemberRepository::markChecked(const std::string& id, const std::string& status, int doses,
                                   const std::string& dose1On, const config::Code& dose1Vaccine, int attempts,
                                   int64_t at) {
    s_ << "UPDATE cohort_members SET status = ?, doses = ?, dose1_on = NULLIF(?, ''), dose1_vaccine = NULLIF(?, ''), "
          "dose1_term = NULLIF(?, ''), check_attempts = ?, next_check_at = NULL, check_error = NULL, updated_at = ? "
          "WHERE id = ?",
        useRef(status), use(doses), useRef(dose1On), useRef(dose1Vaccine.code), useRef(dose1Vaccine.term),
        use(attempts), use(at), useRef(id), now;
}

void MemberRepository::markCheckFailed(const std::string& id, std::string_view status, int attempts,
                                       int64_t nextCheckAt, const std::string& error, int64_t at) {
    std::string s(status);
    s_ << "UPDATE cohort_members SET status = ?, check_attempts = ?, next_check_at = ?, check_error = ?, updated_at = "
          "? "
          "WHERE id = ?",
        use(s), use(attempts), use(nextCheckAt), useRef(error), use(at), useRef(id), now;
}

void MemberRepository::setConsent(const std::string& id, const std::string& consent, int64_t at) {
    s_ << "UPDATE cohort_members SET consent = ?, updated_at = ? WHERE id = ?", useRef(consent), use(at), useRef(id),
        now;
}

bool MemberRepository::addEvent(const std::string& id, int64_t at, const std::string& event, const std::string& detail,
                                const std::string& onceKey) {
    int64_t seq = store::nextSequence();
    Poco::Data::Statement insert = s_ << "INSERT INTO cohort_events (member_id, at, event, detail, once_key, seq) "
                                         "VALUES (?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?) ON CONFLICT DO NOTHING";
    insert, useRef(id), use(at), useRef(event), useRef(detail), useRef(onceKey), use(seq);
    return insert.execute() == 1;
}

int64_t MemberRepository::forgetMembers(store::Session& s, const store::Forget& f) {
    // The NHS number is unique per campaign, so a forgotten one becomes the member's own id.
    static constexpr store::ForgetSql kMembers{
        "cohort_members", "id",
        "organisation = ? AND updated_at < ? AND status IN ('completed', 'declined') AND date_of_birth <> ''",
        "nhs_number = 'forgotten-' || id, name = NULL, date_of_birth = '', mobile = NULL, email = NULL, "
        "school_urn = NULL"};
    return store::forgetRows(s, f, kMembers);
}

} // namespace clinhub::cohorts

#include "hub/workflows/Cohorts.h"

#include "hub/batch/BatchRows.h"
#include "hub/batch/CsvReader.h"
#include "hub/domain/Vaccination.h"
#include "hub/log/Log.h"
#include "hub/store/SortableId.h"
#include "hub/workflows/Messages.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/RecordSet.h>

#include <algorithm>
#include <atomic>
#include <istream>
#include <mutex>
#include <set>
#include <thread>

namespace clinhub::workflows {

using namespace Poco::Data::Keywords;
namespace cohort = domain::cohort;

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMaxRecheckMicros = kSecondsPerDay * kMicrosPerSecond;

constexpr const char* kColumns =
    "id, organisation, campaign, nhs_number, COALESCE(name, ''), date_of_birth, COALESCE(mobile, ''), "
    "COALESCE(email, ''), COALESCE(school_urn, ''), status, doses, COALESCE(dose1_on, ''), "
    "COALESCE(dose1_vaccine, ''), COALESCE(dose1_term, ''), check_attempts, COALESCE(check_error, ''), "
    "COALESCE(consent, '')";

// The columns of a cohort list, by the headings they go by (as batch::headingKey writes them).
struct Columns {
    std::optional<std::size_t> nhsNumber, dateOfBirth, name, firstName, surname, mobile, email, schoolUrn;

    explicit Columns(const batch::Record& header) {
        const std::vector<std::pair<std::optional<std::size_t>*, std::vector<std::string_view>>> known{
            {&nhsNumber, {"nhsnumber", "nhsno", "nhs"}},
            {&dateOfBirth, {"dateofbirth", "dob", "birthdate"}},
            {&name, {"name", "patientname", "childname"}},
            {&firstName, {"firstname", "forename", "forenames", "givenname"}},
            {&surname, {"surname", "lastname", "familyname"}},
            {&mobile, {"mobilenumber", "mobile", "mobilephone", "telecomnumber", "parentmobile"}},
            {&email, {"email", "emailaddress", "parentemail", "guardianemail"}},
            {&schoolUrn, {"schoolurn", "urn"}}};
        for (std::size_t i = 0; i < header.fields.size(); ++i) {
            const std::string key = batch::headingKey(header.fields[i]);
            for (const auto& [column, names] : known)
                if (std::find(names.begin(), names.end(), key) != names.end() && !*column) *column = i;
        }
        std::vector<std::string> missing;
        if (!nhsNumber) missing.emplace_back("NHS Number");
        if (!dateOfBirth) missing.emplace_back("Date of Birth");
        if (!missing.empty())
            throw batch::FileError(header.row, header.line,
                                   "no " + missing.front() + (missing.size() > 1 ? " or " + missing.back() : "") +
                                       " column: a cohort list needs NHS Number and Date of Birth");
    }
};

std::string cell(const batch::Record& r, std::optional<std::size_t> column) {
    if (!column || *column >= r.fields.size()) return {};
    std::string v = r.fields[*column];
    const auto first = v.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return v.substr(first, v.find_last_not_of(" \t") - first + 1);
}

} // namespace

struct Cohorts::Labelled {
    bool ok = false;
    std::string status;
    domain::Course course;
    std::string error;
};

Cohorts::Cohorts(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, Clock clock)
    : store_(store), runtime_(runtime), selfBook_(selfBook), clock_(std::move(clock)) {}

const config::Campaign& Cohorts::campaignOf(const std::shared_ptr<const runtime::Runtime>& runtime,
                                            const std::string& organisation, const std::string& campaign) const {
    const auto& orgs = runtime->config().organisations;
    const auto org = orgs.find(organisation);
    if (org == orgs.end()) throw NotFound("no such organisation");
    const auto c = org->second.campaigns.find(campaign);
    if (c == org->second.campaigns.end()) throw NotFound("no campaign '" + campaign + "' here");
    return c->second;
}

Cohorts::Labelled Cohorts::ask(const std::string& organisation, const config::Campaign& campaign,
                               const std::string& nhsNumber, bool reachable) {
    Labelled l;
    const auto runtime = runtime_.get();
    const auto& org = runtime->config().organisations.at(organisation);
    const auto connector = runtime->connector(org.route.immunisations);
    auto* records = connector ? connector->immunisationRecords() : nullptr;
    if (!records) {
        l.error = "no immunisation records connector is routed";
        return l;
    }
    std::vector<Immunisation> doses;
    const Result r = records->history(nhsNumber, {campaign.target}, doses);
    if (!r.ok()) {
        l.error = r.message.empty() ? "the immunisation records did not answer" : r.message;
        return l;
    }
    l.ok = true;
    l.course = domain::courseOf(doses, campaign.target);
    l.status = std::string(domain::labelFor(l.course, campaign.doses, reachable));
    return l;
}

void Cohorts::applyLabel(store::Session& s, const std::string& memberId, const Labelled& l, int attempts, int64_t at) {
    if (l.ok) {
        const std::string dose1On = l.course.first ? l.course.first->occurredOn : "";
        const std::string vaccine = l.course.first ? l.course.first->vaccineCode : "";
        const std::string term = l.course.first ? l.course.first->vaccineDisplay : "";
        s << "UPDATE cohort_members SET status = ?, doses = ?, dose1_on = NULLIF(?, ''), dose1_vaccine = NULLIF(?, "
             "''), "
             "dose1_term = NULLIF(?, ''), check_attempts = ?, next_check_at = NULL, check_error = NULL, updated_at = ? "
             "WHERE id = ?",
            useRef(l.status), useRef(l.course.received), useRef(dose1On), useRef(vaccine), useRef(term), use(attempts),
            use(at), useRef(memberId), now;
        addCohortEvent(s, memberId, at, "checked",
                       std::to_string(l.course.received) + (l.course.received == 1 ? " dose" : " doses") +
                           " received: " + l.status);
        return;
    }
    int64_t wait = kRecheckMicros;
    for (int i = 1; i < attempts && wait < kMaxRecheckMicros; ++i)
        wait *= 2;
    int64_t next = at + std::min(wait, kMaxRecheckMicros);
    std::string status(cohort::pendingCheck);
    s << "UPDATE cohort_members SET status = ?, check_attempts = ?, next_check_at = ?, check_error = ?, updated_at = ? "
         "WHERE id = ?",
        use(status), use(attempts), use(next), useRef(l.error), use(at), useRef(memberId), now;
    addCohortEvent(s, memberId, at, "check_failed",
                   l.error + "; asking again at " + kit::ukWhenText(next / kMicrosPerSecond));
}

namespace {
int64_t pendingCount(const CohortUpload& upload) {
    const auto it = upload.byStatus.find(std::string(cohort::pendingCheck));
    return it == upload.byStatus.end() ? 0 : it->second;
}
} // namespace

CohortUpload Cohorts::upload(const std::string& organisation, const std::string& campaignId, std::istream& csv) {
    const auto runtime = runtime_.get();
    const config::Campaign& campaign = campaignOf(runtime, organisation, campaignId);
    const std::string today = kit::ukDate(clock_());

    struct Accepted {
        PatientDetails patient;
        std::string email, schoolUrn;
    };
    std::vector<Accepted> accepted;
    CohortUpload result;
    std::optional<Columns> columns;
    std::set<std::string> seen;
    batch::CsvReader reader(batch::kDefaultMaxBytes, [&](const batch::Record& r) {
        if (!columns) {
            columns.emplace(r);
            return;
        }
        const auto nhs = kit::checkNhsNumber(cell(r, columns->nhsNumber));
        const auto dob = kit::checkDateOfBirth(cell(r, columns->dateOfBirth), today);
        std::string reason = !nhs.ok() ? nhs.problem : dob.problem;
        if (reason.empty() && !seen.insert(nhs.value).second) reason = "the same NHS number is on an earlier row";
        if (!reason.empty()) {
            result.rejected.push_back({r.row, reason});
            return;
        }
        const auto mobile = kit::checkUkMobile(cell(r, columns->mobile));
        std::string name = cell(r, columns->name);
        if (name.empty()) {
            name = cell(r, columns->firstName);
            const std::string surname = cell(r, columns->surname);
            if (!surname.empty()) name += (name.empty() ? "" : " ") + surname;
        }
        accepted.push_back({{nhs.value, dob.value, mobile.ok() ? mobile.value : "", name},
                            cell(r, columns->email),
                            cell(r, columns->schoolUrn)});
    });
    char chunk[64 * 1024];
    while (csv.read(chunk, sizeof chunk) || csv.gcount() > 0)
        reader.feed({chunk, static_cast<std::size_t>(csv.gcount())});
    reader.finish();

    // Ask the records first, outside any transaction, several lookups in flight: against the live API
    // each takes tens of milliseconds, and one after another a cohort of thousands would take minutes.
    // Once one fails, the rest of the list waits as pending_check rather than each row waiting out its
    // own timeout.
    std::vector<Labelled> labels(accepted.size());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> recordsDown{false};
    std::mutex failure;
    std::string why;
    const auto worker = [&] {
        for (std::size_t i = next++; i < accepted.size() && !recordsDown; i = next++) {
            labels[i] = ask(organisation, campaign, accepted[i].patient.nhsNumber, !accepted[i].patient.mobile.empty());
            if (!labels[i].ok) {
                const std::lock_guard lock(failure);
                if (why.empty()) why = labels[i].error;
                recordsDown = true;
            }
        }
    };
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 1; w < std::min(kLookupsInFlight, accepted.size()); ++w)
            workers.emplace_back(worker);
        worker();
    }
    for (auto& l : labels)
        if (!l.ok && l.error.empty()) l.error = why; // never asked: the records were down

    // Stored a chunk per transaction (the lookups are all done above, so each holds the write lock only for
    // its own statements). Each member is read and written in one transaction, so two uploads of one list
    // at once still make one member per NHS number.
    int64_t at = clock_();
    for (std::size_t from = 0; from < accepted.size(); from += kRowsPerTransaction) {
        const std::size_t to = std::min(accepted.size(), from + kRowsPerTransaction);
        store_.write([&](store::Session& s) {
            for (std::size_t i = from; i < to; ++i) {
                const auto& a = accepted[i];
                std::vector<std::string> ids, statuses;
                std::string org = organisation, c = campaignId, nhs = a.patient.nhsNumber;
                s << "SELECT id, status FROM cohort_members WHERE organisation = ? AND campaign = ? AND nhs_number = ?",
                    use(org), use(c), use(nhs), into(ids), into(statuses), now;
                std::string id;
                if (ids.empty()) {
                    id = "mbr_" + store::sortableId();
                    std::string pending(cohort::pendingCheck);
                    s << "INSERT INTO cohort_members (id, organisation, campaign, nhs_number, name, date_of_birth, "
                         "mobile, email, school_urn, status, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?)",
                        useRef(id), use(org), use(c), use(nhs), useRef(a.patient.name), useRef(a.patient.dateOfBirth),
                        useRef(a.patient.mobile), useRef(a.email), useRef(a.schoolUrn), use(pending), use(at), use(at),
                        now;
                    addCohortEvent(s, id, at, "uploaded", "");
                } else {
                    id = ids.front();
                    s << "UPDATE cohort_members SET name = NULLIF(?, ''), date_of_birth = ?, mobile = NULLIF(?, ''), "
                         "email = NULLIF(?, ''), school_urn = NULLIF(?, ''), updated_at = ? WHERE id = ?",
                        useRef(a.patient.name), useRef(a.patient.dateOfBirth), useRef(a.patient.mobile),
                        useRef(a.email), useRef(a.schoolUrn), use(at), useRef(id), now;
                    addCohortEvent(s, id, at, "uploaded", "again: contact details updated");
                    // Someone already invited or booked keeps that state; a fresh label would lose it.
                    const auto& was = statuses.front();
                    if (was != cohort::pendingCheck && was != cohort::awaitingResponse1 &&
                        was != cohort::toManuallyBook1 && was != cohort::awaiting2ndInvite &&
                        was != cohort::completed) {
                        ++result.byStatus[was];
                        ++result.accepted;
                        continue;
                    }
                }
                applyLabel(s, id, labels[i], 1, at);
                ++result.byStatus[labels[i].ok ? labels[i].status : std::string(cohort::pendingCheck)];
                ++result.accepted;
            }
        });
        if (chunkCommitted_) chunkCommitted_(to);
    }
    log::info("cohort_uploaded", {{"organisation", organisation},
                                  {"campaign", campaignId},
                                  {"accepted", std::to_string(result.accepted)},
                                  {"rejected", std::to_string(result.rejected.size())},
                                  {"pending_check", std::to_string(pendingCount(result))}});
    return result;
}

int Cohorts::recheckPending(int max) {
    std::vector<Member> due;
    {
        auto s = store_.session();
        std::string pending(cohort::pendingCheck);
        const std::string at = std::to_string(clock_());
        due = select(s, "status = ? AND next_check_at <= ? ORDER BY next_check_at LIMIT " + std::to_string(max),
                     {pending, at});
    }
    int labelled = 0;
    const auto runtime = runtime_.get();
    for (const auto& m : due) {
        const config::Campaign* campaign = nullptr;
        try {
            campaign = &campaignOf(runtime, m.organisation, m.campaign);
        } catch (const NotFound&) {
            continue; // the campaign has left the config: nothing to label against
        }
        const Labelled l = ask(m.organisation, *campaign, m.patient.nhsNumber, !m.patient.mobile.empty());
        store_.write([&](store::Session& s) {
            std::vector<std::string> still;
            std::string id = m.id;
            s << "SELECT id FROM cohort_members WHERE id = ? AND status = 'pending_check'", use(id), into(still), now;
            if (still.empty()) return; // another process got there first
            applyLabel(s, m.id, l, m.checkAttempts + 1, clock_());
        });
        if (!l.ok) break; // still down: the rest wait for their own time
        ++labelled;
    }
    if (labelled > 0) log::info("cohort_rechecked", {{"labelled", std::to_string(labelled)}});
    return labelled;
}

std::vector<Member> Cohorts::select(store::Session& s, const std::string& where,
                                    const std::vector<std::string>& values) {
    Poco::Data::Statement q = s << std::string("SELECT ") + kColumns + " FROM cohort_members WHERE " + where;
    std::vector<std::string> bound = values; // Poco binds by reference: keep them alive through execute()
    for (auto& v : bound)
        q, use(v);
    q.execute();
    Poco::Data::RecordSet rows(q);
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

CohortListing Cohorts::list(const std::string& organisation, const std::string& campaign, const std::string& status,
                            const std::string& dose1Week) {
    campaignOf(runtime_.get(), organisation, campaign);
    std::vector<FieldError> errors;
    const auto& statuses = domain::cohortStatuses();
    if (!status.empty() && std::find(statuses.begin(), statuses.end(), status) == statuses.end())
        errors.push_back({"status", "not a cohort status: " + status});
    if (!dose1Week.empty() && (!kit::parseDate(dose1Week) || domain::weekOf(dose1Week) != dose1Week))
        errors.push_back({"dose1_week", "must be the Monday that starts the week, YYYY-MM-DD"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    CohortListing listing;
    auto s = store_.session();
    std::string org = organisation, c = campaign;
    std::vector<std::string> names;
    std::vector<int64_t> counts;
    s << "SELECT status, COUNT(*) FROM cohort_members WHERE organisation = ? AND campaign = ? GROUP BY status",
        use(org), use(c), into(names), into(counts), now;
    for (std::size_t i = 0; i < names.size(); ++i)
        listing.counts[names[i]] = counts[i];
    std::vector<std::string> firstDoses;
    s << "SELECT dose1_on FROM cohort_members WHERE organisation = ? AND campaign = ? AND status = "
         "'awaiting_2nd_invite' AND dose1_on IS NOT NULL",
        use(org), use(c), into(firstDoses), now;
    std::map<std::string, int64_t> weeks;
    for (const auto& d : firstDoses)
        ++weeks[domain::weekOf(d)];
    listing.weeks.assign(weeks.begin(), weeks.end());

    std::string where = "organisation = ? AND campaign = ?";
    std::vector<std::string> values{organisation, campaign};
    if (!status.empty()) {
        where += " AND status = ?";
        values.push_back(status);
    }
    if (!dose1Week.empty()) {
        where += " AND dose1_on BETWEEN ? AND ?";
        values.push_back(dose1Week);
        values.push_back(domain::addDays(dose1Week, 6));
    }
    listing.members = select(s, where + " ORDER BY dose1_on, nhs_number", values);
    return listing;
}

std::optional<Member> Cohorts::find(const std::string& organisation, const std::string& campaign,
                                    const std::string& memberId) {
    auto s = store_.session();
    auto found = select(s, "id = ? AND organisation = ? AND campaign = ?", {memberId, organisation, campaign});
    if (found.empty()) return std::nullopt;
    Member m = std::move(found.front());
    std::vector<int64_t> at;
    std::vector<std::string> events, details;
    s << "SELECT at, event, COALESCE(detail, '') FROM cohort_events WHERE member_id = ? ORDER BY at, seq", useRef(m.id),
        into(at), into(events), into(details), now;
    for (std::size_t i = 0; i < at.size(); ++i)
        m.events.push_back({at[i], events[i], details[i]});
    return m;
}

ClinicChoice Cohorts::choiceFor(const Member& member, const config::Campaign& campaign, int dose,
                                bool userFacing) const {
    ClinicChoice c;
    c.organisation = member.organisation;
    c.campaign = member.campaign;
    c.dose = dose;
    c.includeHidden = userFacing;
    c.community = !member.schoolUrn.empty();
    const int64_t nowSeconds = clock_() / kMicrosPerSecond;
    c.from = nowSeconds;
    if (dose == 2 && !member.dose1On.empty()) {
        c.vaccineCode = member.dose1Vaccine.code;
        c.from = std::max(c.from, kit::ukMidnight(domain::secondDoseDueOn(member.dose1On, campaign.secondDoseDueDays)));
    }
    // Never more than the lead time ahead: a clinic on its last day is offered, one a day later is not.
    const std::string today = kit::ukDate(clock_());
    c.to = userFacing ? nowSeconds + 366 * kSecondsPerDay
                      : kit::ukMidnight(domain::addDays(today, campaign.inviteLeadDays + 1));
    return c;
}

InvitePlan Cohorts::invite(const std::string& organisation, const std::string& campaignId,
                           const InviteRequest& request) {
    const auto runtime = runtime_.get();
    const config::Campaign& campaign = campaignOf(runtime, organisation, campaignId);
    const auto& org = runtime->config().organisations.at(organisation);
    const auto rule = org.rules.find(campaign.rule);
    if (rule == org.rules.end()) throw NotFound("the campaign's rule '" + campaign.rule + "' has left the config");

    std::vector<FieldError> errors;
    if (request.dose != 1 && !(request.dose == 2 && campaign.doses == 2))
        errors.push_back({"dose", campaign.doses == 2 ? "must be 1 or 2" : "this campaign has one dose: must be 1"});
    const bool bulk = request.memberIds.empty();
    if (bulk && request.dose == 2 && (request.status != cohort::awaiting2ndInvite || request.dose1Week.empty()))
        errors.push_back({"dose1_week", "inviting in bulk for a 2nd dose needs the awaiting_2nd_invite status filter "
                                        "and a weekly sub-filter (the week of dose 1)"});
    if (bulk && request.dose == 1 && request.status != cohort::awaitingResponse1)
        errors.push_back({"status", "inviting in bulk for a 1st dose needs the awaiting_response_1st status filter"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    std::vector<Member> chosen;
    if (bulk) {
        chosen = list(organisation, campaignId, request.status, request.dose1Week).members;
    } else {
        for (const auto& id : request.memberIds) {
            auto m = find(organisation, campaignId, id);
            if (!m) throw NotFound("no member " + id + " in this campaign");
            chosen.push_back(std::move(*m));
        }
    }

    InvitePlan plan;
    const std::string today = kit::ukDate(clock_());
    {
        auto s = store_.session();
        for (auto& m : chosen) {
            m.events.clear();
            std::string why;
            if (request.dose == 2) {
                if (m.status != cohort::awaiting2ndInvite)
                    why = "is " + m.status + ", not awaiting a 2nd invite";
                else if (const auto due = domain::secondDoseDueOn(m.dose1On, campaign.secondDoseDueDays); today < due)
                    why = "not due until " + due + " (day " + std::to_string(campaign.secondDoseDueDays) +
                          " after dose 1)";
            } else if (m.status != cohort::awaitingResponse1 && m.status != cohort::toManuallyBook1) {
                why = "is " + m.status + ", not awaiting a 1st dose";
            } else {
                std::vector<std::string> sent;
                s << "SELECT event FROM cohort_events WHERE member_id = ? AND event = 'invited' AND once_key = 'dose "
                     "1'",
                    useRef(m.id), into(sent), now;
                if (!sent.empty()) why = "already invited for a 1st dose";
            }
            if (why.empty() && Clinics::offered(s, choiceFor(m, campaign, request.dose, false)).empty())
                why = "no published clinic with places" +
                      (request.dose == 2 ? " for " + m.dose1Vaccine.term + " (the vaccine of dose 1)" : std::string()) +
                      " within " + std::to_string(campaign.inviteLeadDays) + " days";
            if (!why.empty())
                plan.skipped.emplace_back(m, why);
            else if (m.patient.mobile.empty())
                plan.manual.push_back(m);
            else
                plan.invite.push_back(m);
        }
    }
    if (!request.send || (plan.invite.empty() && plan.manual.empty())) return plan;

    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        const std::string dose = "dose " + std::to_string(request.dose);
        std::vector<PatientDetails> patients;
        for (const auto& m : plan.invite)
            patients.push_back(m.patient);
        if (!patients.empty()) {
            const BatchInvite invite{"", messages::inviteSms(rule->second), rule->second.inviteCode, request.dose};
            std::vector<std::string> memberIds;
            for (const auto& m : plan.invite)
                memberIds.push_back(m.id);
            std::vector<std::string> links;
            for (auto& created : selfBook_.mintBatchLinks(s, organisation, campaign.rule, invite, patients, memberIds))
                links.push_back(std::move(created.link.id));
            std::string status(request.dose == 2 ? cohort::awaitingResponse2 : cohort::awaitingResponse1);
            for (std::size_t i = 0; i < links.size(); ++i) {
                s << "UPDATE cohort_members SET status = ?, updated_at = ? WHERE id = ?", use(status), use(at),
                    useRef(memberIds[i]), now;
                addCohortEvent(s, memberIds[i], at, "invited", dose + ": SMS with link " + links[i], dose);
            }
        }
        std::string manual(request.dose == 2 ? cohort::toManuallyBook2 : cohort::toManuallyBook1);
        for (const auto& m : plan.manual) {
            s << "UPDATE cohort_members SET status = ?, updated_at = ? WHERE id = ?", use(manual), use(at),
                useRef(m.id), now;
            addCohortEvent(s, m.id, at, "not_invited", dose + ": no valid UK mobile, to manually book");
        }
    });
    log::info("cohort_invited", {{"organisation", organisation},
                                 {"campaign", campaignId},
                                 {"dose", std::to_string(request.dose)},
                                 {"invited", std::to_string(plan.invite.size())},
                                 {"to_manually_book", std::to_string(plan.manual.size())},
                                 {"skipped", std::to_string(plan.skipped.size())}});
    return plan;
}

namespace {
int doseOf(const Member& m) {
    return m.status == cohort::awaiting2ndInvite || m.status == cohort::awaitingResponse2 ||
                   m.status == cohort::toManuallyBook2
               ? 2
               : 1;
}
} // namespace

std::vector<Clinic> Cohorts::bookingOptions(const std::string& organisation, const std::string& campaign,
                                            const std::string& memberId, bool userFacing) {
    const auto runtime = runtime_.get();
    const auto& c = campaignOf(runtime, organisation, campaign);
    const auto m = find(organisation, campaign, memberId);
    if (!m) throw NotFound("no such member");
    auto s = store_.session();
    return Clinics::offered(s, choiceFor(*m, c, doseOf(*m), userFacing));
}

Appointment Cohorts::bookForMember(const std::string& organisation, const std::string& campaign,
                                   const std::string& memberId, const std::string& clinicId, bool userFacing) {
    const auto runtime = runtime_.get();
    const auto& c = campaignOf(runtime, organisation, campaign);
    const auto m = find(organisation, campaign, memberId);
    if (!m) throw NotFound("no such member");
    if (m->status == cohort::completed || m->status == cohort::booked1 || m->status == cohort::booked2 ||
        m->status == cohort::pendingCheck)
        throw InvalidRequest(std::vector<FieldError>{{"member", "cannot be booked: " + m->status}});
    ClinicBook book(store_, choiceFor(*m, c, doseOf(*m), userFacing), m->id, "staff", clock_);
    Appointment appointment;
    Result r = Result::success();
    store_.write([&](store::Session& s) { r = book.take(s, clinicId, appointment); });
    if (!r.ok()) throw InvalidRequest(std::vector<FieldError>{{"clinic_id", r.message}});
    return appointment;
}

std::shared_ptr<LinkBook> Cohorts::clinicsFor(const Link& link) {
    const auto runtime = runtime_.get();
    auto s = store_.session();
    auto found = select(s, "id = ?", {link.memberId});
    if (found.empty()) return nullptr;
    const Member& m = found.front();
    const config::Campaign* campaign = nullptr;
    try {
        campaign = &campaignOf(runtime, m.organisation, m.campaign);
    } catch (const NotFound&) {
        return nullptr;
    }
    return std::make_shared<ClinicBook>(store_, choiceFor(m, *campaign, link.dose, false), m.id, "patient", clock_);
}

int64_t Cohorts::forgetMembers(store::Session& s, const store::Forget& f) {
    // The NHS number is unique per campaign, so a forgotten one becomes the member's own id.
    static constexpr store::ForgetSql kMembers{
        "cohort_members", "id",
        "organisation = ? AND updated_at < ? AND status IN ('completed', 'declined') AND date_of_birth <> ''",
        "nhs_number = 'forgotten-' || id, name = NULL, date_of_birth = '', mobile = NULL, email = NULL, "
        "school_urn = NULL"};
    return store::forgetRows(s, f, kMembers);
}

} // namespace clinhub::workflows

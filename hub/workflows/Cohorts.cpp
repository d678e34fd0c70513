#include "hub/workflows/Cohorts.h"

#include "hub/domain/Vaccination.h"
#include "hub/log/Log.h"
#include "hub/store/SortableId.h"
#include "hub/workflows/Messages.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <algorithm>

namespace clinhub::workflows {

namespace cohort = domain::cohort;

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMaxRecheckMicros = kSecondsPerDay * kMicrosPerSecond;

// What an invite did (or, previewed, would do), for the audit trail.
std::string inviteSummary(const InviteRequest& request, const InvitePlan& plan) {
    return "dose " + std::to_string(request.dose) + (request.send ? ": invited " : " preview: would invite ") +
           std::to_string(plan.invite.size()) + ", " + std::to_string(plan.manual.size()) + " to manually book, " +
           std::to_string(plan.skipped.size()) + " skipped";
}

} // namespace

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

cohorts::Labeller Cohorts::labellerFor(const std::shared_ptr<const runtime::Runtime>& runtime,
                                       const std::string& organisation, const config::Campaign& campaign) {
    const auto& org = runtime->config().organisations.at(organisation);
    const auto connector = runtime->connector(org.route.immunisations);
    return {connector ? connector->immunisationRecords() : nullptr, campaign.target, campaign.doses};
}

void Cohorts::applyLabel(cohorts::MemberRepository& members, const std::string& memberId, const cohorts::Label& l,
                         int attempts, int64_t at) {
    if (l.ok) {
        const auto& first = l.course.first;
        members.markChecked(memberId, l.status, l.course.received, first ? first->occurredOn : "",
                            first ? config::Code{first->vaccineCode, first->vaccineDisplay} : config::Code{}, attempts,
                            at);
        members.addEvent(memberId, at, "checked",
                         std::to_string(l.course.received) + (l.course.received == 1 ? " dose" : " doses") +
                             " received: " + l.status);
        return;
    }
    int64_t wait = kRecheckMicros;
    for (int i = 1; i < attempts && wait < kMaxRecheckMicros; ++i)
        wait *= 2;
    const int64_t next = at + std::min(wait, kMaxRecheckMicros);
    members.markCheckFailed(memberId, cohort::pendingCheck, attempts, next, l.error, at);
    members.addEvent(memberId, at, "check_failed",
                     l.error + "; asking again at " + kit::ukWhenText(next / kMicrosPerSecond));
}

namespace {
int64_t pendingCount(const CohortUpload& upload) {
    const auto it = upload.byStatus.find(std::string(cohort::pendingCheck));
    return it == upload.byStatus.end() ? 0 : it->second;
}
} // namespace

void Cohorts::storeChunk(store::Session& s, const std::string& organisation, const std::string& campaignId,
                         const cohorts::CohortList& list, const std::vector<cohorts::Label>& labels, std::size_t from,
                         std::size_t to, int64_t at, CohortUpload& result) {
    cohorts::MemberRepository members(s);
    for (std::size_t i = from; i < to; ++i) {
        const auto& a = list.accepted[i];
        std::string id;
        if (const auto known = members.byNhsNumber(organisation, campaignId, a.patient.nhsNumber)) {
            id = known->first;
            members.updateContact(id, a, at);
            members.addEvent(id, at, "uploaded", "again: contact details updated");
            // Someone already invited or booked keeps that state; a fresh label would lose it.
            const auto& was = known->second;
            if (was != cohort::pendingCheck && was != cohort::awaitingResponse1 && was != cohort::toManuallyBook1 &&
                was != cohort::awaiting2ndInvite && was != cohort::completed) {
                ++result.byStatus[was];
                ++result.accepted;
                continue;
            }
        } else {
            id = members.add(organisation, campaignId, a, cohort::pendingCheck, at);
            members.addEvent(id, at, "uploaded", "");
        }
        applyLabel(members, id, labels[i], 1, at);
        ++result.byStatus[labels[i].ok ? labels[i].status : std::string(cohort::pendingCheck)];
        ++result.accepted;
    }
}

CohortUpload Cohorts::upload(const std::string& organisation, const std::string& campaignId, std::istream& csv,
                             const audit::Context& by) {
    const auto runtime = runtime_.get();
    const config::Campaign& campaign = campaignOf(runtime, organisation, campaignId);
    const std::string today = kit::ukDate(clock_());

    const cohorts::CohortList list = cohorts::readCohortList(csv, today);
    CohortUpload result;
    result.rejected = list.rejected;

    // Ask the records first, outside any transaction: the lookups take far longer than the writes.
    std::vector<cohorts::ToLabel> patients;
    patients.reserve(list.accepted.size());
    for (const auto& a : list.accepted)
        patients.push_back({a.patient.nhsNumber, !a.patient.mobile.empty()});
    const std::vector<cohorts::Label> labels = labellerFor(runtime, organisation, campaign).labelAll(patients);

    // Stored a chunk per transaction (the lookups are all done above, so each holds the write lock only for
    // its own statements). Each member is read and written in one transaction, so two uploads of one list
    // at once still make one member per NHS number. A list with no row to keep still takes one, for its
    // audit entry.
    const int64_t at = clock_();
    const std::size_t total = list.accepted.size();
    const std::size_t chunks = std::max<std::size_t>(1, (total + kRowsPerTransaction - 1) / kRowsPerTransaction);
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
        const std::size_t from = chunk * kRowsPerTransaction;
        const std::size_t to = std::min(total, from + kRowsPerTransaction);
        store_.write([&](store::Session& s) {
            storeChunk(s, organisation, campaignId, list, labels, from, to, at, result);
            // One entry for the whole list, with the last chunk: its commit is the upload's success. One that
            // fails part-way keeps the chunks before but no success, only the guard's failure. Each member's
            // own activity log has the upload, so the entry names no patient.
            if (chunk + 1 == chunks)
                audit::AuditLog::append(s, audit::succeeded(by, at, organisation, campaignId,
                                                            std::to_string(result.accepted) + " members, " +
                                                                std::to_string(result.rejected.size()) +
                                                                " rows rejected"));
        });
        if (chunkCommitted_) chunkCommitted_(to);
    }
    log::info("cohort_uploaded", {{"organisation", organisation},
                                  {"campaign", campaignId},
                                  {"accepted", result.accepted},
                                  {"rejected", result.rejected.size()},
                                  {"pending_check", pendingCount(result)}});
    return result;
}

int Cohorts::recheckPending(int max) {
    if (max <= 0) return 0;
    cohorts::MemberFilter dueNow;
    dueNow.status = cohort::pendingCheck;
    dueNow.checkDueBy = clock_();
    dueNow.order = cohorts::MemberFilter::Order::checkDue;
    dueNow.limit = max;
    std::vector<Member> due;
    {
        auto s = store_.session();
        due = cohorts::MemberRepository(s).select(dueNow);
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
        const cohorts::Label l =
            labellerFor(runtime, m.organisation, *campaign).label({m.patient.nhsNumber, !m.patient.mobile.empty()});
        store_.write([&](store::Session& s) {
            cohorts::MemberRepository members(s);
            if (!members.hasStatus(m.id, cohort::pendingCheck)) return; // another process got there first
            applyLabel(members, m.id, l, m.checkAttempts + 1, clock_());
        });
        if (!l.ok) break; // still down: the rest wait for their own time
        ++labelled;
    }
    if (labelled > 0) log::info("cohort_rechecked", {{"labelled", labelled}});
    return labelled;
}

CohortListing Cohorts::list(const std::string& organisation, const std::string& campaign, const std::string& status,
                            const std::string& dose1Week, const std::string& after, int limit) {
    campaignOf(runtime_.get(), organisation, campaign);
    std::vector<FieldError> errors;
    const auto& statuses = domain::cohortStatuses();
    if (!status.empty() && std::find(statuses.begin(), statuses.end(), status) == statuses.end())
        errors.push_back({"status", "not a cohort status: " + status});
    if (!dose1Week.empty() && (!kit::parseDate(dose1Week) || domain::weekOf(dose1Week) != dose1Week))
        errors.push_back({"dose1_week", "must be the Monday that starts the week, YYYY-MM-DD"});
    auto s = store_.session();
    cohorts::MemberRepository members(s);
    if (!after.empty() && !members.find(organisation, campaign, after))
        errors.push_back({"after", "not a member of this campaign: start from the first page"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    CohortListing listing;
    listing.counts = members.countByStatus(organisation, campaign);
    std::map<std::string, int64_t> weeks;
    for (const auto& d : members.firstDoseDates(organisation, campaign, cohort::awaiting2ndInvite))
        ++weeks[domain::weekOf(d)];
    listing.weeks.assign(weeks.begin(), weeks.end());

    cohorts::MemberFilter chosen;
    chosen.organisation = organisation;
    chosen.campaign = campaign;
    if (!status.empty()) chosen.status = status;
    if (!dose1Week.empty()) chosen.dose1Week = dose1Week;
    chosen.order = cohorts::MemberFilter::Order::firstDose;
    listing.selected = members.count(chosen);
    chosen.after = after;
    // One more than the page says whether another follows.
    chosen.limit = limit > 0 ? limit + 1 : 0;
    listing.members = members.select(chosen);
    if (limit > 0 && static_cast<int>(listing.members.size()) > limit) {
        listing.members.resize(static_cast<std::size_t>(limit));
        listing.next = listing.members.back().id;
    }
    return listing;
}

std::optional<Member> Cohorts::find(const std::string& organisation, const std::string& campaign,
                                    const std::string& memberId) {
    auto s = store_.session();
    cohorts::MemberRepository members(s);
    auto m = members.find(organisation, campaign, memberId);
    if (m) m->events = members.events(m->id);
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

void Cohorts::sendInvites(store::Session& s, const std::string& organisation, const config::Campaign& campaign,
                          const config::Rule& rule, int dose, const InvitePlan& plan) {
    cohorts::MemberRepository members(s);
    const int64_t at = clock_();
    const std::string doseText = "dose " + std::to_string(dose);
    std::vector<PatientDetails> patients;
    for (const auto& m : plan.invite)
        patients.push_back(m.patient);
    if (!patients.empty()) {
        const BatchInvite invite{"", plan.message.text, rule.inviteCode, dose};
        std::vector<std::string> memberIds;
        for (const auto& m : plan.invite)
            memberIds.push_back(m.id);
        std::vector<std::string> links;
        for (auto& created : selfBook_.mintBatchLinks(s, organisation, campaign.rule, invite, patients, memberIds))
            links.push_back(std::move(created.link.id));
        const auto status = dose == 2 ? cohort::awaitingResponse2 : cohort::awaitingResponse1;
        for (std::size_t i = 0; i < links.size(); ++i) {
            members.setStatus(memberIds[i], status, at);
            members.addEvent(memberIds[i], at, "invited", doseText + ": SMS with link " + links[i], doseText);
        }
    }
    const auto manual = dose == 2 ? cohort::toManuallyBook2 : cohort::toManuallyBook1;
    for (const auto& m : plan.manual) {
        members.setStatus(m.id, manual, at);
        members.addEvent(m.id, at, "not_invited", doseText + ": no valid UK mobile, to manually book");
    }
}

InvitePlan Cohorts::invite(const std::string& organisation, const std::string& campaignId, const InviteRequest& request,
                           const audit::Context& by) {
    return *invite(organisation, campaignId, request, by, {});
}

InviteText Cohorts::checkInvite(const runtime::Runtime& runtime, const std::string& organisation,
                                const config::Campaign& campaign, const InviteRequest& request) {
    const auto& org = runtime.config().organisations.at(organisation);
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
    auto text = checkInviteText(runtime, organisation, rule->second,
                                request.message.empty() ? messages::inviteSms(rule->second) : request.message);
    errors.insert(errors.end(), text.errors.begin(), text.errors.end());
    if (!errors.empty()) throw InvalidRequest(std::move(errors));
    return text;
}

std::optional<InvitePlan> Cohorts::invite(const std::string& organisation, const std::string& campaignId,
                                          const InviteRequest& request, const audit::Context& by,
                                          const std::function<bool(store::Session&)>& claim) {
    const auto runtime = runtime_.get();
    const config::Campaign& campaign = campaignOf(runtime, organisation, campaignId);
    const auto& org = runtime->config().organisations.at(organisation);
    const auto rule = org.rules.find(campaign.rule);
    if (rule == org.rules.end()) throw NotFound("the campaign's rule '" + campaign.rule + "' has left the config");
    InvitePlan plan;
    plan.message = checkInvite(*runtime, organisation, campaign, request);

    const bool bulk = request.memberIds.empty();
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
            } else if (cohorts::MemberRepository(s).hasEvent(m.id, "invited", "dose 1")) {
                why = "already invited for a 1st dose";
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
    const bool sends = request.send && (!plan.invite.empty() || !plan.manual.empty());
    bool claimed = true;
    store_.write([&](store::Session& s) {
        if (claim && !(claimed = claim(s))) return;
        if (sends) sendInvites(s, organisation, campaign, rule->second, request.dose, plan);
        // One entry for the invite, naming a patient only when it concerns one: each member's activity log has
        // their own invitation, and a bulk invite of thousands would otherwise hold the write lock for
        // thousands of entries.
        audit::AuditLog::append(s,
                                audit::succeeded(by, clock_(), organisation, campaignId, inviteSummary(request, plan),
                                                 chosen.size() == 1 ? chosen.front().patient.nhsNumber : ""));
    });
    if (!claimed) return std::nullopt;
    if (!sends) return plan;
    log::info("cohort_invited", {{"organisation", organisation},
                                 {"campaign", campaignId},
                                 {"dose", request.dose},
                                 {"invited", plan.invite.size()},
                                 {"to_manually_book", plan.manual.size()},
                                 {"skipped", plan.skipped.size()}});
    return plan;
}

namespace {

// The audit trail's action when the hub itself sends a scheduled invite.
const char* const kSendScheduled = "sendScheduledInvites";

// Member ids are the hub's own tokens, never holding a comma.
std::string joined(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids)
        out += (out.empty() ? "" : ",") + id;
    return out;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t from = 0; from < text.size();) {
        const auto comma = std::min(text.find(',', from), text.size());
        out.push_back(text.substr(from, comma - from));
        from = comma + 1;
    }
    return out;
}

// Scheduled invites matching `where` (with its one bound value after organisation and campaign, or all
// organisations' when organisation is empty).
std::vector<ScheduledInvite> loadScheduled(store::Session& s, const std::string& where, std::string organisation,
                                           std::string campaign, std::string value) {
    using namespace Poco::Data::Keywords;
    std::vector<std::string> ids, campaigns, statuses, weeks, members, messages, states, errors;
    std::vector<int> doses;
    std::vector<int64_t> times;
    s << "SELECT id, campaign, dose, COALESCE(status, ''), COALESCE(dose1_week, ''), COALESCE(member_ids, ''), "
         "COALESCE(message, ''), run_at, state, COALESCE(error, '') FROM invite_rounds WHERE organisation = ? AND "
         "campaign = ? AND " +
             where + " ORDER BY run_at, id",
        use(organisation), use(campaign), use(value), into(ids), into(campaigns), into(doses), into(statuses),
        into(weeks), into(members), into(messages), into(times), into(states), into(errors), now;
    std::vector<ScheduledInvite> out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ScheduledInvite r{
            ids[i],   campaigns[i], {doses[i], statuses[i], weeks[i], split(members[i]), true, messages[i]},
            times[i], states[i],    errors[i]};
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace

ScheduledInvite Cohorts::scheduleInvite(const std::string& organisation, const std::string& campaignId,
                                        const InviteRequest& request, int64_t at, const audit::Context& by) {
    using namespace Poco::Data::Keywords;
    const auto runtime = runtime_.get();
    checkInvite(*runtime, organisation, campaignOf(runtime, organisation, campaignId), request);
    for (const auto& id : request.memberIds)
        if (!find(organisation, campaignId, id)) throw NotFound("no member " + id + " in this campaign");
    checkStartTime(at, clock_());
    ScheduledInvite round{"inr_" + store::sortableId(), campaignId, request, at, "scheduled", {}};
    round.request.send = true;
    store_.write([&](store::Session& s) {
        int64_t t = clock_();
        std::string org = organisation, members = joined(request.memberIds);
        s << "INSERT INTO invite_rounds (id, organisation, campaign, dose, status, dose1_week, member_ids, message, "
             "run_at, state, created_at, updated_at) VALUES (?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), "
             "NULLIF(?, ''), ?, 'scheduled', ?, ?)",
            useRef(round.id), use(org), useRef(round.campaign), useRef(round.request.dose), useRef(request.status),
            useRef(request.dose1Week), use(members), useRef(request.message), use(at), use(t), use(t), now;
        audit::AuditLog::append(s, audit::succeeded(by, t, organisation, campaignId, round.id));
    });
    log::info("cohort_invite_scheduled", {{"organisation", organisation}, {"campaign", campaignId}, {"id", round.id}});
    return round;
}

std::vector<ScheduledInvite> Cohorts::scheduledInvites(const std::string& organisation, const std::string& campaignId) {
    campaignOf(runtime_.get(), organisation, campaignId); // NotFound for a campaign not in the config
    auto s = store_.session();
    return loadScheduled(s, "state = ?", organisation, campaignId, "scheduled");
}

ScheduledInvite Cohorts::cancelScheduledInvite(const std::string& organisation, const std::string& campaignId,
                                               const std::string& id, const audit::Context& by) {
    using namespace Poco::Data::Keywords;
    bool cancelled = false;
    store_.write([&](store::Session& s) {
        int64_t t = clock_();
        std::string org = organisation, campaign = campaignId, round = id;
        Poco::Data::Statement update = s << "UPDATE invite_rounds SET state = 'cancelled', updated_at = ? WHERE id = ? "
                                            "AND organisation = ? AND campaign = ? AND state = 'scheduled'";
        update, use(t), use(round), use(org), use(campaign);
        cancelled = update.execute() == 1;
        if (cancelled) audit::AuditLog::append(s, audit::succeeded(by, t, organisation, campaignId, id));
    });
    auto s = store_.session();
    const auto found = loadScheduled(s, "id = ?", organisation, campaignId, id);
    if (found.empty()) throw NotFound("no such scheduled invite");
    if (!cancelled) throw ScheduleConflict("the invite is " + found.front().state + ": it can no longer be cancelled");
    return found.front();
}

int Cohorts::sendDueInvites() {
    using namespace Poco::Data::Keywords;
    std::vector<std::string> ids, organisations, campaigns;
    {
        auto s = store_.session();
        int64_t t = clock_();
        s << "SELECT id, organisation, campaign FROM invite_rounds WHERE state = 'scheduled' AND run_at <= ? "
             "ORDER BY run_at",
            use(t), into(ids), into(organisations), into(campaigns), now;
    }
    int sent = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto s = store_.session();
        const auto found = loadScheduled(s, "id = ?", organisations[i], campaigns[i], ids[i]);
        if (found.empty() || found.front().state != "scheduled") continue;
        // Claimed in the transaction that sends it: another process's claim, a cancel or a failure since the
        // SELECT leaves the round as it is, and nothing is sent.
        const auto claim = [&](store::Session& w) {
            int64_t t = clock_();
            Poco::Data::Statement update = w << "UPDATE invite_rounds SET state = 'sent', updated_at = ? WHERE id = ? "
                                                "AND state = 'scheduled'";
            update, use(t), useRef(ids[i]);
            return update.execute() == 1;
        };
        try {
            if (invite(organisations[i], campaigns[i], found.front().request, {audit::Actor::hub(), kSendScheduled},
                       claim))
                ++sent;
        } catch (const std::exception& e) {
            // Only what sending again cannot mend fails the round (the campaign or a member has gone, the
            // request no longer holds); anything else is tried again next time.
            if (!dynamic_cast<const InvalidRequest*>(&e) && !dynamic_cast<const NotFound*>(&e)) throw;
            const std::string why = e.what();
            store_.write([&](store::Session& w) {
                int64_t t = clock_();
                w << "UPDATE invite_rounds SET state = 'failed', error = ?, updated_at = ? WHERE id = ? AND state = "
                     "'scheduled'",
                    useRef(why), use(t), useRef(ids[i]), now;
            });
            log::error("cohort_scheduled_invite_failed", {{"id", ids[i]}, {"error", why}});
        }
    }
    return sent;
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
                                   const std::string& memberId, const std::string& clinicId, bool userFacing,
                                   const audit::Context& by) {
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
    store_.write([&](store::Session& s) {
        r = book.take(s, clinicId, appointment);
        if (r.ok()) audited(s, by, *m, clock_(), "booking " + appointment.id);
    });
    if (!r.ok()) throw InvalidRequest(std::vector<FieldError>{{"clinic_id", r.message}});
    return appointment;
}

void Cohorts::audited(store::Session& s, const audit::Context& by, const Member& m, int64_t at, std::string detail) {
    audit::AuditLog::append(s, audit::succeeded(by, at, m.organisation, m.id, std::move(detail), m.patient.nhsNumber));
}

std::shared_ptr<LinkBook> Cohorts::clinicsFor(const Link& link) {
    const auto runtime = runtime_.get();
    std::optional<Member> found;
    {
        auto s = store_.session();
        found = cohorts::MemberRepository(s).byId(link.memberId);
    }
    if (!found) return nullptr;
    const Member& m = *found;
    const config::Campaign* campaign = nullptr;
    try {
        campaign = &campaignOf(runtime, m.organisation, m.campaign);
    } catch (const NotFound&) {
        return nullptr;
    }
    return std::make_shared<ClinicBook>(store_, choiceFor(m, *campaign, link.dose, false), m.id, "patient", clock_);
}

} // namespace clinhub::workflows

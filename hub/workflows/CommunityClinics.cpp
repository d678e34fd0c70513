#include "hub/workflows/CommunityClinics.h"

#include "hub/domain/Vaccination.h"
#include "hub/log/Log.h"
#include "hub/outbox/Outbox.h"
#include "hub/store/SortableId.h"
#include "hub/workflows/Messages.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/RecordSet.h>

namespace clinhub::workflows {

using namespace Poco::Data::Keywords;
namespace cohort = domain::cohort;

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

bool vaccinatedOrBooked(const Member& m) {
    return m.status == cohort::completed || m.status == cohort::booked1 || m.status == cohort::booked2;
}

// The children of one campaign a community action looks at, in the order staff see them.
cohorts::MemberFilter childrenOf(const std::string& organisation, const std::string& campaign) {
    cohorts::MemberFilter f;
    f.organisation = organisation;
    f.campaign = campaign;
    f.order = cohorts::MemberFilter::Order::nhsNumber;
    return f;
}

} // namespace

CommunityClinics::CommunityClinics(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, Cohorts& cohorts,
                                   Clock clock)
    : store_(store), runtime_(runtime), selfBook_(selfBook), cohorts_(cohorts), clock_(std::move(clock)) {}

std::string CommunityClinics::unreachable(const Member& m) {
    if (m.status == cohort::completed) return "already vaccinated";
    if (m.status == cohort::booked1 || m.status == cohort::booked2) return "already booked";
    if (m.status == cohort::pendingCheck) return "the immunisation records have not been checked yet";
    if (m.consent == "refused") return "consent refused";
    if (m.patient.mobile.empty() && m.email.empty()) return "no contactable parent (no mobile or email)";
    return {};
}

InviteText CommunityClinics::smsFor(const runtime::Runtime& runtime, const std::string& organisation,
                                    const config::Campaign& campaign, bool reminder, const std::string& message) {
    const auto& rules = runtime.config().organisations.at(organisation).rules;
    const auto rule = rules.find(campaign.rule);
    if (rule == rules.end()) throw NotFound("the campaign's rule '" + campaign.rule + "' has left the config");
    auto text = checkInviteText(runtime, organisation, rule->second,
                                message.empty() ? messages::communityClinicSms(campaign, reminder) : message);
    if (!text.errors.empty()) throw InvalidRequest(text.errors);
    return text;
}

Member CommunityClinics::member(const std::string& organisation, const std::string& campaign,
                                const std::string& memberId) {
    auto m = cohorts_.find(organisation, campaign, memberId);
    if (!m) throw NotFound("no such member");
    return std::move(*m);
}

int CommunityClinics::send(store::Session& s, const std::string& organisation, const config::Campaign& campaign,
                           const std::vector<Member>& children, const std::string& event, const std::string& onceKey,
                           const std::string& what, const std::string& sms) {
    int64_t at = clock_();
    std::vector<const Member*> fresh;
    cohorts::MemberRepository members(s);
    for (const auto& child : children)
        if (members.addEvent(child.id, at, event, what, onceKey)) fresh.push_back(&child);
    if (fresh.empty()) return 0;

    const auto runtime = runtime_.get();
    const auto& org = runtime->config().organisations.at(organisation);
    const auto& rule = org.rules.at(campaign.rule);
    std::vector<PatientDetails> patients;
    for (const auto* child : fresh)
        patients.push_back(child->patient);
    const bool reminder = event == "reminded";
    const BatchInvite invite{"", sms, std::nullopt, 1};
    std::vector<std::string> memberIds;
    for (const auto* child : fresh)
        memberIds.push_back(child->id);
    const auto links = selfBook_.mintBatchLinks(s, organisation, campaign.rule, invite, patients, memberIds);
    for (std::size_t i = 0; i < links.size(); ++i) {
        const Member& child = *fresh[i];
        if (child.email.empty()) continue;
        outbox::Outbox::enqueue(s, outbox::NewMessage::of(organisation, messages::communityClinicEmail(
                                                                            child.email, child.patient.name, rule.title,
                                                                            org.name, links[i].url, reminder)));
    }
    return static_cast<int>(fresh.size());
}

int CommunityClinics::inviteHomeSchooledAndUnknownSchool() {
    const auto runtime = runtime_.get();
    const std::string today = kit::ukDate(clock_());
    int invited = 0;
    for (const auto& [ods, org] : runtime->config().organisations)
        for (const auto& [id, campaign] : org.campaigns) {
            if (campaign.communityInviteDays <= 0) continue; // switched off
            std::vector<Member> children;
            std::string clinicDate;
            {
                auto s = store_.session();
                const auto first = Clinics::firstCommunityClinic(s, ods, id, kit::ukMidnight(today));
                if (!first) continue;
                clinicDate = kit::ukDate(first->startsAt * kMicrosPerSecond);
                if (today < domain::addDays(clinicDate, -campaign.communityInviteDays)) continue; // not yet
                auto homeOrUnknown = childrenOf(ods, id);
                homeOrUnknown.schoolUrns = {kHomeSchooledUrn, kUnknownSchoolUrn};
                for (auto& m : cohorts::MemberRepository(s).select(homeOrUnknown))
                    if (unreachable(m).empty()) children.push_back(std::move(m));
            }
            if (children.empty()) continue;
            // Named again for the lambda: clang before 16 cannot capture a structured binding.
            const std::string& organisation = ods;
            const config::Campaign& thisCampaign = campaign;
            store_.write([&](store::Session& s) {
                invited += send(s, organisation, thisCampaign, children, "community_invited", "community:" + clinicDate,
                                "invited automatically to the community clinics from " +
                                    kit::ukDayText(kit::ukMidnight(clinicDate) + 12 * 3600),
                                messages::communityClinicSms(thisCampaign, false));
            });
        }
    if (invited > 0) log::info("community_invitations_sent", {{"count", invited}});
    return invited;
}

int CommunityClinics::sendScheduledInvites() {
    const std::string today = kit::ukDate(clock_());
    std::vector<std::string> memberIds, dueOn;
    {
        auto s = store_.session();
        std::string t = today;
        s << "SELECT member_id, due_on FROM scheduled_invites WHERE state = 'due' AND due_on <= ? ORDER BY due_on",
            use(t), into(memberIds), into(dueOn), now;
    }
    const auto runtime = runtime_.get();
    int sent = 0;
    for (std::size_t i = 0; i < memberIds.size(); ++i) {
        store_.write([&](store::Session& s) {
            cohorts::MemberRepository members(s);
            const auto found = members.byId(memberIds[i]);
            if (!found) return;
            const Member& m = *found;
            const config::Campaign* campaign = nullptr;
            try {
                campaign = &cohorts_.campaignOf(runtime, m.organisation, m.campaign);
            } catch (const NotFound&) {
                return;
            }
            int64_t at = clock_();
            std::string state = "sent";
            if (const auto why = unreachable(m); !why.empty()) {
                state = "skipped";
                members.addEvent(m.id, at, "invite_not_sent", why, "scheduled:" + dueOn[i]);
            } else {
                sent += send(s, m.organisation, *campaign, {m}, "community_invited", "scheduled:" + dueOn[i],
                             "invited to a community clinic by staff", messages::communityClinicSms(*campaign, false));
            }
            s << "UPDATE scheduled_invites SET state = ?, at = ? WHERE member_id = ? AND due_on = ?", use(state),
                use(at), useRef(memberIds[i]), useRef(dueOn[i]), now;
        });
    }
    return sent;
}

void CommunityClinics::sendAudited(const audit::Context& by, const std::string& organisation,
                                   const std::string& resource, const CommunityPlan& plan, bool sendNow,
                                   const std::string& what, const std::function<int(store::Session&)>& sendAll) {
    // A preview shows the children, and a send may reach no one: both still leave their entry. One entry for
    // the action, naming a child only when it concerns one: each child's activity log has what they were sent.
    const bool one = plan.reach.size() + plan.skipped.size() == 1;
    const std::string nhsNumber =
        !one ? "" : (plan.reach.empty() ? plan.skipped.front().first : plan.reach.front()).patient.nhsNumber;
    store_.write([&](store::Session& s) {
        const int sent = sendNow && !plan.reach.empty() ? sendAll(s) : 0;
        const std::string done = sendNow ? what + " " + std::to_string(sent)
                                         : "preview: " + std::to_string(plan.reach.size()) + " to be " + what;
        audit::AuditLog::append(s, audit::succeeded(by, clock_(), organisation, resource,
                                                    done + ", " + std::to_string(plan.skipped.size()) + " skipped",
                                                    nhsNumber));
    });
}

CommunityPlan CommunityClinics::missedSchoolSession(const std::string& organisation, const std::string& campaignId,
                                                    const std::string& sessionId, bool sendNow,
                                                    const audit::Context& by, const std::string& message) {
    const auto runtime = runtime_.get();
    const auto& campaign = cohorts_.campaignOf(runtime, organisation, campaignId);
    CommunityPlan plan;
    plan.message = smsFor(*runtime, organisation, campaign, false, message);
    {
        auto s = store_.session();
        const auto session = Clinics::byId(s, organisation, campaignId, sessionId);
        if (!session || session->schoolUrn.empty()) throw NotFound("no such school session");
        if (session->endsAt * kMicrosPerSecond > clock_())
            throw InvalidRequest(std::vector<FieldError>{{"session", "the school session has not finished yet"}});
        plan.clinicDate = kit::ukDate(session->startsAt * kMicrosPerSecond);
        const std::string key = "missed:" + sessionId;
        cohorts::MemberRepository members(s);
        auto ofTheSchool = childrenOf(organisation, campaignId);
        ofTheSchool.schoolUrns = {session->schoolUrn};
        for (auto& m : members.select(ofTheSchool)) {
            std::string why = unreachable(m);
            if (why.empty() && members.hasAnyKey(m.id, {key})) why = "already invited after this session";
            if (why.empty())
                plan.reach.push_back(std::move(m));
            else
                plan.skipped.emplace_back(std::move(m), why);
        }
    }
    sendAudited(by, organisation, sessionId, plan, sendNow, "invited", [&](store::Session& s) {
        return send(s, organisation, campaign, plan.reach, "community_invited", "missed:" + sessionId,
                    "invited to a community clinic: not vaccinated at the school session on " + plan.clinicDate,
                    plan.message.text);
    });
    return plan;
}

void CommunityClinics::inviteTomorrow(const std::string& organisation, const std::string& campaign,
                                      const std::string& memberId, const audit::Context& by) {
    const Member m = member(organisation, campaign, memberId);
    if (const auto why = unreachable(m); !why.empty())
        throw InvalidRequest(std::vector<FieldError>{{"member", "cannot be invited: " + why}});
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        std::string tomorrow = domain::addDays(kit::ukDate(at), 1);
        s << "INSERT INTO scheduled_invites (member_id, due_on, state, at) VALUES (?, ?, 'due', ?) "
             "ON CONFLICT DO NOTHING",
            useRef(m.id), use(tomorrow), use(at), now;
        cohorts::MemberRepository(s).addEvent(m.id, at, "invite_scheduled", "to go out on " + tomorrow,
                                              "scheduled:" + tomorrow);
        Cohorts::audited(s, by, m, at, "to go out on " + tomorrow);
    });
}

std::vector<Clinic> CommunityClinics::walkInSessions(const std::string& organisation, const std::string& campaign) {
    const auto runtime = runtime_.get();
    cohorts_.campaignOf(runtime, organisation, campaign);
    const auto today = kit::ukDate(clock_());
    auto s = store_.session();
    constexpr int kSessionsADay = 20;
    return Clinics::community(s, organisation, campaign, kit::ukMidnight(today),
                              kit::ukMidnight(domain::addDays(today, 1)), false, kSessionsADay);
}

Appointment CommunityClinics::addWalkIn(const std::string& organisation, const std::string& campaign,
                                        const std::string& memberId, const std::string& clinicId,
                                        const audit::Context& by) {
    const Member m = member(organisation, campaign, memberId);
    if (vaccinatedOrBooked(m))
        throw InvalidRequest(std::vector<FieldError>{{"member", "cannot be added: " + m.status}});
    Appointment added;
    store_.write([&](store::Session& s) {
        const auto clinic = Clinics::byId(s, organisation, campaign, clinicId);
        if (!clinic || !clinic->community) throw NotFound("no such community clinic");
        int64_t at = clock_();
        if (kit::ukDate(clinic->startsAt * kMicrosPerSecond) != kit::ukDate(at))
            throw InvalidRequest(std::vector<FieldError>{{"clinic_id", "a walk-in joins today's session only"}});
        // The child is here: the place is taken even when every booked place is.
        s << "UPDATE clinics SET booked = booked + 1, updated_at = ? WHERE id = ?", use(at), useRef(clinic->id), now;
        added.id = "cbk_" + store::sortableId();
        added.slot = clinic->asSlot();
        s << "INSERT INTO clinic_bookings (id, clinic_id, member_id, dose, booked_by, state, at) "
             "VALUES (?, ?, ?, 1, 'walk-in', 'booked', ?)",
            useRef(added.id), useRef(clinic->id), useRef(m.id), use(at), now;
        cohorts::MemberRepository members(s);
        members.setStatus(m.id, cohort::booked1, at);
        members.addEvent(m.id, at, "walk_in", "added to today's session at " + clinic->location);
        Cohorts::audited(s, by, m, at, "booking " + added.id);
    });
    return added;
}

CommunityPlan CommunityClinics::bookingReminders(const std::string& organisation, const std::string& campaignId,
                                                 bool sendNow, const audit::Context& by, const std::string& message) {
    const auto runtime = runtime_.get();
    const auto& campaign = cohorts_.campaignOf(runtime, organisation, campaignId);
    CommunityPlan plan;
    plan.message = smsFor(*runtime, organisation, campaign, true, message);
    {
        auto s = store_.session();
        const auto next = Clinics::firstCommunityClinic(s, organisation, campaignId, clock_() / kMicrosPerSecond);
        if (!next)
            throw InvalidRequest(
                std::vector<FieldError>{{"campaign", "no community clinic is scheduled to remind about"}});
        plan.clinicDate = kit::ukDate(next->startsAt * kMicrosPerSecond);
        const std::vector<std::string> sameDate{"community:" + plan.clinicDate, "reminder:" + plan.clinicDate};
        cohorts::MemberRepository members(s);
        // Invited before: a community invitation of any kind, for any other date.
        auto invitedBefore = childrenOf(organisation, campaignId);
        invitedBefore.communityInvitedOtherThan = "community:" + plan.clinicDate;
        for (auto& m : members.select(invitedBefore)) {
            std::string why = unreachable(m);
            if (why.empty() && members.hasAnyKey(m.id, sameDate)) why = "already sent one for " + plan.clinicDate;
            if (why.empty())
                plan.reach.push_back(std::move(m));
            else
                plan.skipped.emplace_back(std::move(m), why);
        }
    }
    sendAudited(by, organisation, campaignId, plan, sendNow, "reminded", [&](store::Session& s) {
        return send(s, organisation, campaign, plan.reach, "reminded", "reminder:" + plan.clinicDate,
                    "booking reminder for the community clinic on " + plan.clinicDate, plan.message.text);
    });
    return plan;
}

void CommunityClinics::requestConsent(const std::string& organisation, const std::string& campaign,
                                      const std::string& memberId, const audit::Context& by) {
    const Member m = member(organisation, campaign, memberId);
    std::string why;
    if (m.status != cohort::booked1 && m.status != cohort::booked2)
        why = "only a child with a booking is asked";
    else if (!m.consent.empty())
        why = "consent is recorded already (" + m.consent + ")";
    else if (m.email.empty())
        why = "no parent email: record the response taken by phone instead";
    if (!why.empty()) throw InvalidRequest(std::vector<FieldError>{{"member", why}});
    const auto runtime = runtime_.get();
    const auto& org = runtime->config().organisations.at(organisation);
    const auto& title = org.rules.at(cohorts_.campaignOf(runtime, organisation, campaign).rule).title;
    store_.write([&](store::Session& s) {
        outbox::Outbox::enqueue(s, outbox::NewMessage::of(organisation, messages::consentRequest(
                                                                            m.email, m.patient.name, title, org.name)));
        const int64_t at = clock_();
        cohorts::MemberRepository(s).addEvent(m.id, at, "consent_requested", "email to the parent");
        Cohorts::audited(s, by, m, at);
    });
}

void CommunityClinics::recordConsent(const std::string& organisation, const std::string& campaign,
                                     const std::string& memberId, const std::string& response, const std::string& notes,
                                     const audit::Context& by) {
    if (response != "given" && response != "refused")
        throw InvalidRequest(std::vector<FieldError>{{"response", "must be given or refused"}});
    const Member m = member(organisation, campaign, memberId);
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        cohorts::MemberRepository members(s);
        members.setConsent(m.id, response, at);
        members.addEvent(m.id, at, "consent_" + response, "taken by phone" + (notes.empty() ? "" : ": " + notes));
        // The answer, never the notes: they are the parent's words.
        Cohorts::audited(s, by, m, at, "consent " + response);
    });
}

} // namespace clinhub::workflows

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

// Events of a member with one of these once keys.
bool hasEventKeyed(store::Session& s, const std::string& memberId, const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
        std::vector<std::string> found;
        std::string k = key, id = memberId;
        s << "SELECT event FROM cohort_events WHERE member_id = ? AND once_key = ?", use(id), use(k), into(found), now;
        if (!found.empty()) return true;
    }
    return false;
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

Member CommunityClinics::member(const std::string& organisation, const std::string& campaign,
                                const std::string& memberId) {
    auto m = cohorts_.find(organisation, campaign, memberId);
    if (!m) throw NotFound("no such member");
    return std::move(*m);
}

int CommunityClinics::send(store::Session& s, const std::string& organisation, const config::Campaign& campaign,
                           const std::vector<Member>& children, const std::string& event, const std::string& onceKey,
                           const std::string& what) {
    int64_t at = clock_();
    std::vector<const Member*> fresh;
    for (const auto& child : children)
        if (addCohortEvent(s, child.id, at, event, what, onceKey)) fresh.push_back(&child);
    if (fresh.empty()) return 0;

    const auto runtime = runtime_.get();
    const auto& org = runtime->config().organisations.at(organisation);
    const auto& rule = org.rules.at(campaign.rule);
    std::vector<PatientDetails> patients;
    for (const auto* child : fresh)
        patients.push_back(child->patient);
    const bool reminder = event == "reminded";
    const BatchInvite invite{"", messages::communityClinicSms(reminder), std::nullopt, 1};
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
                for (auto& m : cohorts_.select(s, "organisation = ? AND campaign = ? AND school_urn IN (?, ?)",
                                               {ods, id, kHomeSchooledUrn, kUnknownSchoolUrn}))
                    if (unreachable(m).empty()) children.push_back(std::move(m));
            }
            if (children.empty()) continue;
            // Named again for the lambda: clang before 16 cannot capture a structured binding.
            const std::string& organisation = ods;
            const config::Campaign& thisCampaign = campaign;
            store_.write([&](store::Session& s) {
                invited += send(s, organisation, thisCampaign, children, "community_invited", "community:" + clinicDate,
                                "invited automatically to the community clinics from " +
                                    kit::ukDayText(kit::ukMidnight(clinicDate) + 12 * 3600));
            });
        }
    if (invited > 0) log::info("community_invitations_sent", {{"count", std::to_string(invited)}});
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
            auto found = cohorts_.select(s, "id = ?", {memberIds[i]});
            if (found.empty()) return;
            const Member& m = found.front();
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
                addCohortEvent(s, m.id, at, "invite_not_sent", why, "scheduled:" + dueOn[i]);
            } else {
                sent += send(s, m.organisation, *campaign, {m}, "community_invited", "scheduled:" + dueOn[i],
                             "invited to a community clinic by staff");
            }
            s << "UPDATE scheduled_invites SET state = ?, at = ? WHERE member_id = ? AND due_on = ?", use(state),
                use(at), useRef(memberIds[i]), useRef(dueOn[i]), now;
        });
    }
    return sent;
}

CommunityPlan CommunityClinics::missedSchoolSession(const std::string& organisation, const std::string& campaignId,
                                                    const std::string& sessionId, bool sendNow) {
    const auto runtime = runtime_.get();
    const auto& campaign = cohorts_.campaignOf(runtime, organisation, campaignId);
    CommunityPlan plan;
    {
        auto s = store_.session();
        const auto session = Clinics::byId(s, organisation, campaignId, sessionId);
        if (!session || session->schoolUrn.empty()) throw NotFound("no such school session");
        if (session->endsAt * kMicrosPerSecond > clock_())
            throw InvalidRequest(std::vector<FieldError>{{"session", "the school session has not finished yet"}});
        plan.clinicDate = kit::ukDate(session->startsAt * kMicrosPerSecond);
        const std::string key = "missed:" + sessionId;
        for (auto& m : cohorts_.select(s, "organisation = ? AND campaign = ? AND school_urn = ? ORDER BY nhs_number",
                                       {organisation, campaignId, session->schoolUrn})) {
            std::string why = unreachable(m);
            if (why.empty() && hasEventKeyed(s, m.id, {key})) why = "already invited after this session";
            if (why.empty())
                plan.reach.push_back(std::move(m));
            else
                plan.skipped.emplace_back(std::move(m), why);
        }
    }
    if (sendNow && !plan.reach.empty())
        store_.write([&](store::Session& s) {
            send(s, organisation, campaign, plan.reach, "community_invited", "missed:" + sessionId,
                 "invited to a community clinic: not vaccinated at the school session on " + plan.clinicDate);
        });
    return plan;
}

void CommunityClinics::inviteTomorrow(const std::string& organisation, const std::string& campaign,
                                      const std::string& memberId) {
    const Member m = member(organisation, campaign, memberId);
    if (const auto why = unreachable(m); !why.empty())
        throw InvalidRequest(std::vector<FieldError>{{"member", "cannot be invited: " + why}});
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        std::string tomorrow = domain::addDays(kit::ukDate(at), 1);
        s << "INSERT INTO scheduled_invites (member_id, due_on, state, at) VALUES (?, ?, 'due', ?) "
             "ON CONFLICT DO NOTHING",
            useRef(m.id), use(tomorrow), use(at), now;
        addCohortEvent(s, m.id, at, "invite_scheduled", "to go out on " + tomorrow, "scheduled:" + tomorrow);
    });
}

Appointment CommunityClinics::addWalkIn(const std::string& organisation, const std::string& campaign,
                                        const std::string& memberId, const std::string& clinicId) {
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
        std::string status(cohort::booked1);
        s << "UPDATE cohort_members SET status = ?, updated_at = ? WHERE id = ?", use(status), use(at), useRef(m.id),
            now;
        addCohortEvent(s, m.id, at, "walk_in", "added to today's session at " + clinic->location);
    });
    return added;
}

CommunityPlan CommunityClinics::bookingReminders(const std::string& organisation, const std::string& campaignId,
                                                 bool sendNow) {
    const auto runtime = runtime_.get();
    const auto& campaign = cohorts_.campaignOf(runtime, organisation, campaignId);
    CommunityPlan plan;
    {
        auto s = store_.session();
        const auto next = Clinics::firstCommunityClinic(s, organisation, campaignId, clock_() / kMicrosPerSecond);
        if (!next)
            throw InvalidRequest(
                std::vector<FieldError>{{"campaign", "no community clinic is scheduled to remind about"}});
        plan.clinicDate = kit::ukDate(next->startsAt * kMicrosPerSecond);
        const std::vector<std::string> sameDate{"community:" + plan.clinicDate, "reminder:" + plan.clinicDate};
        // Invited before: a community invitation of any kind, for any other date.
        for (auto& m :
             cohorts_.select(s,
                             "organisation = ? AND campaign = ? AND EXISTS (SELECT 1 FROM cohort_events e WHERE "
                             "e.member_id = cohort_members.id AND e.event = 'community_invited' AND e.once_key <> ?) "
                             "ORDER BY nhs_number",
                             {organisation, campaignId, "community:" + plan.clinicDate})) {
            std::string why = unreachable(m);
            if (why.empty() && hasEventKeyed(s, m.id, sameDate)) why = "already sent one for " + plan.clinicDate;
            if (why.empty())
                plan.reach.push_back(std::move(m));
            else
                plan.skipped.emplace_back(std::move(m), why);
        }
    }
    if (sendNow && !plan.reach.empty())
        store_.write([&](store::Session& s) {
            send(s, organisation, campaign, plan.reach, "reminded", "reminder:" + plan.clinicDate,
                 "booking reminder for the community clinic on " + plan.clinicDate);
        });
    return plan;
}

void CommunityClinics::requestConsent(const std::string& organisation, const std::string& campaign,
                                      const std::string& memberId) {
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
        addCohortEvent(s, m.id, clock_(), "consent_requested", "email to the parent");
    });
}

void CommunityClinics::recordConsent(const std::string& organisation, const std::string& campaign,
                                     const std::string& memberId, const std::string& response,
                                     const std::string& notes) {
    if (response != "given" && response != "refused")
        throw InvalidRequest(std::vector<FieldError>{{"response", "must be given or refused"}});
    const Member m = member(organisation, campaign, memberId);
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        std::string r = response;
        s << "UPDATE cohort_members SET consent = ?, updated_at = ? WHERE id = ?", use(r), use(at), useRef(m.id), now;
        addCohortEvent(s, m.id, at, "consent_" + response, "taken by phone" + (notes.empty() ? "" : ": " + notes));
    });
}

} // namespace clinhub::workflows

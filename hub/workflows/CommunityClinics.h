// Community clinics (Mavis rules): children not vaccinated at school are invited to book a community
// clinic. Parents of home-schooled children (school URN 999999) and of children whose school is unknown
// (888888) are invited automatically, a campaign's community_invite_days (21) before the first scheduled
// community clinic; staff invite those who missed a completed school session, invite one child (sent the
// next day) or add a walk-in to today's session, send booking reminders, and ask for or record consent.
// Rules: docs/domain.md (Vaccination: community clinics; Vaccination facts from Mavis).
//
// Every send is recorded in the child's activity log with a once key, so a job or a button pressed twice
// sends nothing twice: at most one invitation per child per clinic date.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/InviteText.h"
#include "hub/workflows/SelfBook.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace clinhub::workflows {

inline constexpr const char* kHomeSchooledUrn = "999999";
inline constexpr const char* kUnknownSchoolUrn = "888888";

// Who a staff action reaches, before and after it is sent.
struct CommunityPlan {
    std::string clinicDate;                              // the clinic date the invitations or reminders are for
    std::vector<Member> reach;                           // will be (or were) sent to
    std::vector<std::pair<Member, std::string>> skipped; // and why
    InviteText message;                                  // what the SMS says, checked
};

class CommunityClinics {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    CommunityClinics(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, Cohorts& cohorts,
                     Clock clock = store::nowMicros);

    // ---- Scheduled jobs (idempotent) ----
    // The automatic invitations of every campaign whose first community clinic is close enough; returns
    // how many children were invited.
    int inviteHomeSchooledAndUnknownSchool();
    // Invitations staff scheduled for today or earlier; a child booked by then is not sent one.
    int sendScheduledInvites();

    // ---- Staff ----
    // Children of a completed school session's school not vaccinated there: the summary, then (send) the
    // invitations, by SMS `message` (InviteText.h; empty: the campaign's community invite_sms). Audited as
    // `by`, for the session.
    CommunityPlan missedSchoolSession(const std::string& organisation, const std::string& campaign,
                                      const std::string& sessionId, bool send, const audit::Context& by = {},
                                      const std::string& message = {});
    // Invites one child; it goes out the next day.
    void inviteTomorrow(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                        const audit::Context& by);
    // Today's community clinic sessions, which a walk-in may join (hidden ones too: staff add the child).
    std::vector<Clinic> walkInSessions(const std::string& organisation, const std::string& campaign);
    // Adds a child who turned up to today's community clinic session.
    Appointment addWalkIn(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                          const std::string& clinicId, const audit::Context& by);
    // Reminders for the next community clinic to children invited to an earlier one and still not
    // vaccinated: the summary, then (send) the reminders, by SMS `message` (InviteText.h; empty: the
    // campaign's community reminder_sms). Audited as `by`, for the campaign.
    CommunityPlan bookingReminders(const std::string& organisation, const std::string& campaign, bool send,
                                   const audit::Context& by = {}, const std::string& message = {});
    // A consent request email to the parent of a child booked without consent.
    void requestConsent(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                        const audit::Context& by);
    // A consent response taken by phone: "given" or "refused".
    void recordConsent(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                       const std::string& response, const std::string& notes, const audit::Context& by);

private:
    // Why a child cannot be sent a community message, or "".
    static std::string unreachable(const Member& m);
    // Mints each child a link to book (SMS `sms` to the parent's mobile) and emails the parent the same
    // link, in the caller's transaction, once per child for `onceKey`. Returns how many were sent.
    int send(store::Session& s, const std::string& organisation, const config::Campaign& campaign,
             const std::vector<Member>& children, const std::string& event, const std::string& onceKey,
             const std::string& what, const std::string& sms);
    // The SMS staff chose for a community send, or the campaign's; checked. Throws InvalidRequest.
    static InviteText smsFor(const runtime::Runtime& runtime, const std::string& organisation,
                             const config::Campaign& campaign, bool reminder, const std::string& message);
    Member member(const std::string& organisation, const std::string& campaign, const std::string& memberId);
    // Sends to plan.reach with `sendAll` (when `sendNow` and there is anyone), and writes the action's one
    // audit entry in the same transaction: `what` the children were, or (a preview) would be.
    void sendAudited(const audit::Context& by, const std::string& organisation, const std::string& resource,
                     const CommunityPlan& plan, bool sendNow, const std::string& what,
                     const std::function<int(store::Session&)>& sendAll);

    store::Store& store_;
    runtime::Current& runtime_;
    SelfBook& selfBook_;
    Cohorts& cohorts_;
    Clock clock_;
};

} // namespace clinhub::workflows

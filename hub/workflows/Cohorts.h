// Vaccination cohorts: a list of patients uploaded for a campaign, each labelled from the national
// immunisation records, then invited for a first or a second dose, or booked by staff.
// Rules: docs/domain.md (Vaccination: second-dose invites).
//
// The records say whether a dose was *received*; nothing here assumes a booking elsewhere. When the
// records cannot be asked, a member waits as pending_check and recheckPending() asks again later: no one
// is ever labelled from a guess.
//
// This class holds the rules and the order of things; reading the list (cohorts::readCohortList), asking
// the records (cohorts::Labeller) and the cohort tables (cohorts::MemberRepository) are each their own.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/cohorts/CohortList.h"
#include "hub/cohorts/Labeller.h"
#include "hub/cohorts/MemberRepository.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/InviteText.h"
#include "hub/workflows/SelfBook.h"
#include "hub/workflows/StartTime.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::workflows {

using cohorts::CohortEvent;
using cohorts::Member;

struct CohortUpload {
    int64_t accepted = 0;
    std::map<std::string, int64_t> byStatus;
    using Rejected = cohorts::RejectedRow;
    std::vector<Rejected> rejected;
};

struct CohortListing {
    std::map<std::string, int64_t> counts;              // every member of the campaign by status
    std::vector<std::pair<std::string, int64_t>> weeks; // awaiting a 2nd invite, by week of dose 1 (Monday)
    std::vector<Member> members;                        // those the filters select, or a page of them
    int64_t selected = 0;                               // how many the filters select, on every page
    std::string next; // a page's last member, the `after` of the page that follows; "" on the last page
};

struct InviteRequest {
    int dose = 1;
    std::string status;                 // bulk: the status filter (2nd dose: must be awaiting_2nd_invite)
    std::string dose1Week;              // bulk 2nd-dose invites: the weekly sub-filter, a Monday
    std::vector<std::string> memberIds; // instead of the filters: these members only
    bool send = false;                  // false: only say who would be invited
    std::string message;                // the invite SMS (InviteText.h); empty: the campaign rule's invite_sms
};

// An invite staff scheduled to be sent at a time: a bulk round by its filters, or chosen members.
struct ScheduledInvite {
    std::string id; // "inr_…"
    std::string campaign;
    InviteRequest request; // as given, send true
    int64_t at = 0;        // when it is to be sent, microseconds since the epoch
    std::string state;     // scheduled, sent, cancelled, failed
    std::string error;     // why it failed
};

struct InvitePlan {
    std::vector<Member> invite;                          // will be (or were) texted a link
    std::vector<Member> manual;                          // no valid UK mobile: to manually book
    std::vector<std::pair<Member, std::string>> skipped; // and why
    InviteText message;                                  // what the SMS says, checked
};

class Cohorts {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    Cohorts(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, Clock clock = store::nowMicros);

    // Reads a CSV (NHS Number and Date of Birth; optional name, Mobile Number, email, School URN), asks
    // the records about each patient (outside any transaction) and labels them, kRowsPerTransaction members
    // a transaction. Throws batch::FileError (nothing kept), InvalidRequest, NotFound. A list that fails
    // part-way through storing keeps the chunks already written; uploading it again is safe (a member
    // already there is updated, never added twice). Audited as `by`, for the campaign, with the last chunk.
    CohortUpload upload(const std::string& organisation, const std::string& campaign, std::istream& csv,
                        const audit::Context& by = {});
    // Called after each of an upload's transactions commits, outside it, with the members written so far.
    void onChunkCommitted(std::function<void(std::size_t written)> observer) { chunkCommitted_ = std::move(observer); }
    // Asks the records again for up to `max` members whose check is due; returns how many were labelled.
    int recheckPending(int max);

    // The campaign's members by dose 1's date (none first), then NHS number; with `limit`, a page of them after
    // the member `after` ("" for the first page). Throws InvalidRequest naming the field at fault (`after`
    // when it is not a member of the campaign), NotFound.
    CohortListing list(const std::string& organisation, const std::string& campaign, const std::string& status,
                       const std::string& dose1Week, const std::string& after = {}, int limit = 0);
    std::optional<Member> find(const std::string& organisation, const std::string& campaign,
                               const std::string& memberId);

    // Who an invite reaches and why the others are left out; with request.send, sends it. Audited as `by`, for
    // the campaign: a send in its own transaction, a preview (which shows patients) in one of its own.
    InvitePlan invite(const std::string& organisation, const std::string& campaign, const InviteRequest& request,
                      const audit::Context& by = {});
    // Keeps an invite to be sent at `at`: who it reaches is worked out then, as invite() would. Throws
    // InvalidRequest (the request's problems, `at` past or too far ahead), NotFound.
    ScheduledInvite scheduleInvite(const std::string& organisation, const std::string& campaign,
                                   const InviteRequest& request, int64_t at, const audit::Context& by = {});
    // The campaign's invites still to be sent, soonest first.
    std::vector<ScheduledInvite> scheduledInvites(const std::string& organisation, const std::string& campaign);
    // Throws NotFound, ScheduleConflict once it has been sent (or was cancelled).
    ScheduledInvite cancelScheduledInvite(const std::string& organisation, const std::string& campaign,
                                          const std::string& id, const audit::Context& by = {});
    // Sends every scheduled invite whose time has come, each claimed in the transaction that sends it, so of
    // several processes sharing the store exactly one sends it. One that can no longer be sent (its campaign
    // left the config, say) is marked failed. Returns how many this call sent.
    int sendDueInvites();

    // The clinics staff may book for a member: patient-facing options, or user-facing ones that add
    // hidden clinics and any date.
    std::vector<Clinic> bookingOptions(const std::string& organisation, const std::string& campaign,
                                       const std::string& memberId, bool userFacing);
    Appointment bookForMember(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                              const std::string& clinicId, bool userFacing, const audit::Context& by);

    // A change to one member, as the audit log has it: the member, and the patient by NHS number. Written in
    // the change's transaction.
    static void audited(store::Session& s, const audit::Context& by, const Member& m, int64_t at,
                        std::string detail = {});

    // What a vaccination invite's link books into (for SelfBook::bookClinicsWith).
    std::shared_ptr<LinkBook> clinicsFor(const Link& link);

    const config::Campaign& campaignOf(const std::shared_ptr<const runtime::Runtime>& runtime,
                                       const std::string& organisation, const std::string& campaign) const;

    // Lookups an upload keeps in flight at once (the records connectors are thread-safe).
    static constexpr std::size_t kLookupsInFlight = cohorts::Labeller::kLookupsInFlight;
    // Members an upload writes per transaction: a few milliseconds of the store's write lock each, so a
    // cohort of tens of thousands never holds it for long against links, bookings and the outbox.
    static constexpr std::size_t kRowsPerTransaction = 500;
    // Records checks retry after this, doubling per attempt up to a day.
    static constexpr int64_t kRecheckMicros = 5LL * 60 * 1'000'000;

private:
    // Asks the records routed for the organisation, about the campaign's target. Keep `runtime` while using it.
    static cohorts::Labeller labellerFor(const std::shared_ptr<const runtime::Runtime>& runtime,
                                         const std::string& organisation, const config::Campaign& campaign);
    // Stores what the records said (or why they could not say), with its event; `attempts` counts this one.
    static void applyLabel(cohorts::MemberRepository& members, const std::string& memberId, const cohorts::Label& label,
                           int attempts, int64_t at);
    // Stores an upload's accepted rows [from, to) with their labels, counting them into `result`.
    static void storeChunk(store::Session& s, const std::string& organisation, const std::string& campaign,
                           const cohorts::CohortList& list, const std::vector<cohorts::Label>& labels, std::size_t from,
                           std::size_t to, int64_t at, CohortUpload& result);
    // Texts each of plan.invite a link and marks plan.manual to book by hand, in the caller's transaction.
    void sendInvites(store::Session& s, const std::string& organisation, const config::Campaign& campaign,
                     const config::Rule& rule, int dose, const InvitePlan& plan);
    ClinicChoice choiceFor(const Member& member, const config::Campaign& campaign, int dose, bool userFacing) const;
    // The request's problems for the campaign, every one at once (InvalidRequest); else the text it sends.
    static InviteText checkInvite(const runtime::Runtime& runtime, const std::string& organisation,
                                  const config::Campaign& campaign, const InviteRequest& request);
    // invite(), sending only when `claim`, run first in the sending transaction, returns true; nullopt if not.
    std::optional<InvitePlan> invite(const std::string& organisation, const std::string& campaign,
                                     const InviteRequest& request, const audit::Context& by,
                                     const std::function<bool(store::Session&)>& claim);

    store::Store& store_;
    runtime::Current& runtime_;
    SelfBook& selfBook_;
    Clock clock_;
    std::function<void(std::size_t)> chunkCommitted_;
};

} // namespace clinhub::workflows

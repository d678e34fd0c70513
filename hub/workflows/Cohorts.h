// Vaccination cohorts: a list of patients uploaded for a campaign, each labelled from the national
// immunisation records, then invited for a first or a second dose, or booked by staff.
// Rules: docs/domain.md (Vaccination: second-dose invites).
//
// The records say whether a dose was *received*; nothing here assumes a booking elsewhere. When the
// records cannot be asked, a member waits as pending_check and recheckPending() asks again later: no one
// is ever labelled from a guess.
#pragma once

#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/SelfBook.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::workflows {

struct CohortEvent {
    int64_t at = 0;
    std::string event; // uploaded, checked, check_failed, invited, not_invited, booked, cancelled, declined, ...
    std::string detail;
};

struct Member {
    std::string id; // "mbr_…"
    std::string organisation;
    std::string campaign;
    PatientDetails patient; // mobile empty when there is no valid UK mobile
    std::string email;      // a parent's, for school-age programmes
    std::string schoolUrn;
    std::string status; // one of domain::cohortStatuses()
    int doses = 0;      // received, as the records said
    std::string dose1On;
    config::Code dose1Vaccine;
    int checkAttempts = 0;
    std::string checkError;
    std::string consent;             // given, refused, or "" for no response
    std::vector<CohortEvent> events; // filled by find()
};

struct CohortUpload {
    int64_t accepted = 0;
    std::map<std::string, int64_t> byStatus;
    struct Rejected {
        int row = 0;
        std::string reason;
    };
    std::vector<Rejected> rejected;
};

struct CohortListing {
    std::map<std::string, int64_t> counts;              // every member of the campaign by status
    std::vector<std::pair<std::string, int64_t>> weeks; // awaiting a 2nd invite, by week of dose 1 (Monday)
    std::vector<Member> members;                        // those the filters select
};

struct InviteRequest {
    int dose = 1;
    std::string status;                 // bulk: the status filter (2nd dose: must be awaiting_2nd_invite)
    std::string dose1Week;              // bulk 2nd-dose invites: the weekly sub-filter, a Monday
    std::vector<std::string> memberIds; // instead of the filters: these members only
    bool send = false;                  // false: only say who would be invited
};

struct InvitePlan {
    std::vector<Member> invite;                          // will be (or were) texted a link
    std::vector<Member> manual;                          // no valid UK mobile: to manually book
    std::vector<std::pair<Member, std::string>> skipped; // and why
};

class Cohorts {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    Cohorts(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, Clock clock = store::nowMicros);

    // Reads a CSV (NHS Number and Date of Birth; optional name, Mobile Number, email, School URN), asks
    // the records about each patient (outside any transaction) and labels them, kRowsPerTransaction members
    // a transaction. Throws batch::FileError (nothing kept), InvalidRequest, NotFound. A list that fails
    // part-way through storing keeps the chunks already written; uploading it again is safe (a member
    // already there is updated, never added twice).
    CohortUpload upload(const std::string& organisation, const std::string& campaign, std::istream& csv);
    // Called after each of an upload's transactions commits, outside it, with the members written so far.
    void onChunkCommitted(std::function<void(std::size_t written)> observer) { chunkCommitted_ = std::move(observer); }
    // Asks the records again for up to `max` members whose check is due; returns how many were labelled.
    int recheckPending(int max);
    // Retention: forgets who members are (NHS number, name, date of birth, contact details, school) once
    // they completed or declined and were untouched since before f.before; their labels and doses stay.
    static int64_t forgetMembers(store::Session& s, const store::Forget& f);

    CohortListing list(const std::string& organisation, const std::string& campaign, const std::string& status,
                       const std::string& dose1Week);
    std::optional<Member> find(const std::string& organisation, const std::string& campaign,
                               const std::string& memberId);

    // Who an invite reaches and why the others are left out; with request.send, sends it.
    InvitePlan invite(const std::string& organisation, const std::string& campaign, const InviteRequest& request);

    // The clinics staff may book for a member: patient-facing options, or user-facing ones that add
    // hidden clinics and any date.
    std::vector<Clinic> bookingOptions(const std::string& organisation, const std::string& campaign,
                                       const std::string& memberId, bool userFacing);
    Appointment bookForMember(const std::string& organisation, const std::string& campaign, const std::string& memberId,
                              const std::string& clinicId, bool userFacing);

    // What a vaccination invite's link books into (for SelfBook::bookClinicsWith).
    std::shared_ptr<LinkBook> clinicsFor(const Link& link);

    // Members matching an SQL condition on cohort_members, with `values` bound to its ?s in order.
    std::vector<Member> select(store::Session& s, const std::string& where, const std::vector<std::string>& values);
    const config::Campaign& campaignOf(const std::shared_ptr<const runtime::Runtime>& runtime,
                                       const std::string& organisation, const std::string& campaign) const;

    // Lookups an upload keeps in flight at once (the records connectors are thread-safe).
    static constexpr std::size_t kLookupsInFlight = 8;
    // Members an upload writes per transaction: a few milliseconds of the store's write lock each, so a
    // cohort of tens of thousands never holds it for long against links, bookings and the outbox.
    static constexpr std::size_t kRowsPerTransaction = 500;
    // Records checks retry after this, doubling per attempt up to a day.
    static constexpr int64_t kRecheckMicros = 5LL * 60 * 1'000'000;

private:
    struct Labelled;
    Labelled ask(const std::string& organisation, const config::Campaign& campaign, const std::string& nhsNumber,
                 bool reachable);
    void applyLabel(store::Session& s, const std::string& memberId, const Labelled& labelled, int attempts, int64_t at);
    ClinicChoice choiceFor(const Member& member, const config::Campaign& campaign, int dose, bool userFacing) const;

    store::Store& store_;
    runtime::Current& runtime_;
    SelfBook& selfBook_;
    Clock clock_;
    std::function<void(std::size_t)> chunkCommitted_;
};

} // namespace clinhub::workflows

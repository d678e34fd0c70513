// The only code that reads or writes the cohort tables: cohort_members and cohort_events.
//
// Works inside the caller's session or transaction, so a workflow changes a member and does what follows
// from it (links minted, a clinic place taken, the outbox's rows) in one commit. Callers say which members
// they want with a MemberFilter, never with SQL.
#pragma once

#include "hub/cohorts/Member.h"
#include "hub/store/Forget.h"
#include "hub/store/Session.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::cohorts {

// Which members a read selects: every condition given must hold.
struct MemberFilter {
    enum class Order : uint8_t {
        none,
        nhsNumber,
        firstDose, // the date of dose 1, then the NHS number: how staff work through 2nd-dose invites
        checkDue,  // the records check due soonest first
    };

    std::string organisation; // empty: any (the scheduled recheck spans every organisation)
    std::string campaign;     // empty: any
    std::optional<std::string> status;
    std::optional<std::string> dose1Week; // a Monday: dose 1 received in the week it starts
    std::vector<std::string> schoolUrns;  // at one of these schools; empty: at any school or none
    std::optional<int64_t> checkDueBy;    // a records check due at or before this (microseconds)
    // Sent a community clinic invitation under a once key other than this one (an earlier clinic date).
    std::optional<std::string> communityInvitedOtherThan;
    // With Order::firstDose: only the members after this one (its id), for a list a page at a time. The index
    // on (organisation, campaign[, status], dose 1's date, NHS number) finds the page by its key.
    std::string after;
    int limit = 0; // 0: every member that matches
    Order order = Order::none;
};

class MemberRepository {
public:
    explicit MemberRepository(store::Session& session) : s_(session) {}

    // ---- Reads. Members come without their events; events() reads those.
    std::vector<Member> select(const MemberFilter& filter);
    // How many members the filter selects, its `after` and `limit` aside.
    int64_t count(MemberFilter filter);
    std::optional<Member> byId(const std::string& id);
    // One member of one campaign, or nullopt when the id is another campaign's.
    std::optional<Member> find(const std::string& organisation, const std::string& campaign, const std::string& id);
    // The member a campaign already holds for an NHS number: its id and status.
    std::optional<std::pair<std::string, std::string>>
    byNhsNumber(const std::string& organisation, const std::string& campaign, const std::string& nhsNumber);
    // Whether the member still has this status, read again inside a write.
    bool hasStatus(const std::string& id, std::string_view status);
    // Every member of a campaign, counted by status.
    std::map<std::string, int64_t> countByStatus(const std::string& organisation, const std::string& campaign);
    // The dates of dose 1 of a campaign's members with this status (those without one left out).
    std::vector<std::string> firstDoseDates(const std::string& organisation, const std::string& campaign,
                                            std::string_view status);
    // The member's activity log, oldest first.
    std::vector<CohortEvent> events(const std::string& id);
    // Whether the member has `event` under this once key.
    bool hasEvent(const std::string& id, const std::string& event, const std::string& onceKey);
    // Whether the member has any event under one of these once keys.
    bool hasAnyKey(const std::string& id, const std::vector<std::string>& onceKeys);

    // ---- Writes.
    // A new member, pending its records check; returns its id.
    std::string add(const std::string& organisation, const std::string& campaign, const Contact& contact,
                    std::string_view status, int64_t at);
    // A list uploaded again: who the member is, as it now says.
    void updateContact(const std::string& id, const Contact& contact, int64_t at);
    void setStatus(const std::string& id, std::string_view status, int64_t at);
    // The records answered: the label, the doses received and what dose 1 was; no check is due any more.
    void markChecked(const std::string& id, const std::string& status, int doses, const std::string& dose1On,
                     const config::Code& dose1Vaccine, int attempts, int64_t at);
    // The records could not be asked: the member waits, pending, until nextCheckAt.
    void markCheckFailed(const std::string& id, std::string_view status, int attempts, int64_t nextCheckAt,
                         const std::string& error, int64_t at);
    void setConsent(const std::string& id, const std::string& consent, int64_t at);
    // Adds to the activity log. With a once key, a second call with the same event and key writes nothing
    // and returns false: how scheduled jobs and buttons pressed twice stay idempotent.
    bool addEvent(const std::string& id, int64_t at, const std::string& event, const std::string& detail,
                  const std::string& onceKey = {});

    // Retention: forgets who members are (NHS number, name, date of birth, contact details, school) once
    // they completed or declined and were untouched since before f.before; their labels and doses stay.
    static int64_t forgetMembers(store::Session& s, const store::Forget& f);

private:
    std::vector<Member> selectAfter(const MemberFilter& f, const std::string& limit);

    store::Session& s_;
};

} // namespace clinhub::cohorts

// The only code that reads or writes the link tables: links, link_tokens, link_events, link_appointments.
//
// Works inside the caller's session or transaction, so a workflow changes a link and queues what follows
// from it (the outbox's rows) in one commit. Two reads join tables owned elsewhere, read-only, to keep a
// patient's page to one round trip: the invite's outbox state and its batch's decline terms.
#pragma once

#include "hub/links/Link.h"
#include "hub/store/Forget.h"
#include "hub/store/Session.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::links {

// A link about to be stored, with the hash of its first token.
struct NewLink {
    Link link;
    std::string tokenHash;
    std::string batchId;
};

// Which of an organisation's links a list shows, a page at a time, newest first.
struct LinkFilter {
    std::string organisation;
    std::optional<LinkState> state; // as staff see it: expired and failed include the links derived so
    std::string rule;               // "" for every rule
    int64_t from = 0;               // made at or after (microseconds; 0 for no bound)
    int64_t to = 0;                 // made before (0 for no bound)
    std::string before;             // the last link id of the page before; "" for the newest
    int limit = 50;
};

// A link as a list shows it: no history, no appointments.
struct LinkSummary {
    std::string id;
    std::string rule;
    LinkState state = LinkState::sent;
    std::string nhsNumber;
    std::string name;
    int64_t createdAt = 0;
    int64_t expiresAt = 0;
};

class LinkRepository {
public:
    explicit LinkRepository(store::Session& session) : s_(session) {}

    // ---- Reads. A link comes with its appointments once it has been used to book, never with its history.
    // States derived from facts kept elsewhere are applied as of `at`: `failed` for an invite the outbox gave
    // up on, `expired` for an unused link past its date.
    std::optional<Link> byId(const std::string& id, int64_t at);
    // What a token's hash opens, and for what.
    std::optional<std::pair<Link, TokenPurpose>> byToken(const std::string& tokenHash, int64_t at);
    // The link's history, oldest first.
    std::vector<LinkEvent> events(const std::string& id);
    // Every link of one patient in one organisation, newest first.
    std::vector<std::string> idsOfPatient(const std::string& organisation, const std::string& nhsNumber);
    // Unused links whose date has passed but whose state does not say so yet.
    std::vector<std::string> lapsedIds(int64_t at);
    // NHS numbers holding a link of this rule that can still book.
    std::vector<std::string> openPatients(const std::string& organisation, const std::string& rule, int64_t at);
    // A batch's links counted by state, and by the outbox state of their invites.
    std::map<std::string, int64_t> countByState(const std::string& batchId);
    std::map<std::string, int64_t> countByInviteState(const std::string& batchId);
    // A page of the organisation's links, newest first, in one statement: the index on (organisation,
    // created_at) finds each page by its key, however many links come before it. States as of `at`.
    std::vector<LinkSummary> page(const LinkFilter& filter, int64_t at);
    // What happened to one organisation's links from `since` on: their events counted by kind (sent, accessed,
    // booked, declined, expired, ...).
    std::map<std::string, int64_t> countEventsSince(const std::string& organisation, int64_t since);
    // Whose link it is ("" once retention has forgotten), for the audit log.
    std::string nhsNumberOf(const std::string& id);
    // The stored state and count of wrong dates of birth, read again inside a write.
    std::pair<LinkState, int> dateOfBirthTries(const std::string& id);

    // ---- Writes.
    // Stores links with their first token and `sent` event; one prepared statement a table.
    void insert(const std::vector<NewLink>& links, int64_t at);
    // Makes the move if the link is in one of its `from` states; true when this call made it.
    bool move(const std::string& id, const Move& move, int64_t at);
    void addEvent(const std::string& id, int64_t at, const std::string& event, const std::string& detail = {});
    void countWrongDateOfBirth(const std::string& id, int failures, int64_t at);
    void addToken(const std::string& tokenHash, const std::string& id, TokenPurpose purpose, int64_t at);
    // `callFrom`, `callTo`: the window a telephone appointment was booked as (AppointmentRecord), or 0.
    void addAppointment(const std::string& id, const Appointment& appointment, int64_t at, int64_t callFrom = 0,
                        int64_t callTo = 0);
    void markReplaced(const std::string& id, const std::string& appointmentId);
    void markCancelled(const std::string& id, const std::string& appointmentId);

    // Retention: forgets the NHS number, date of birth, mobile and name of links expired and untouched
    // before f.before. The link, its state and its history stay, for reports.
    static int64_t forgetPatients(store::Session& s, const store::Forget& f);

private:
    std::optional<Link> read(const std::string& key, bool byToken, int64_t at, std::string* purpose);
    void readAppointments(Link& link);

    store::Session& s_;
};

} // namespace clinhub::links

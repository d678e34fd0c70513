// Self-Book: a one-use link lets one patient book, decline or reschedule one kind of appointment.
//
// Domain logic only: the staff API and the patient pages call this, and this calls the store, the
// outbox and the organisation's appointment-book connector. Rules: docs/domain.md (Self-Book).
//
// A link's states and moves: hub/links/LinkState.h; its rows: hub/links/LinkRepository.h.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/links/Link.h"
#include "hub/links/LinkRepository.h"
#include "hub/links/LinkState.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Forget.h"
#include "hub/store/Store.h"
#include "hub/workflows/BookGate.h"
#include "hub/workflows/CallWindows.h"
#include "hub/workflows/SlotCache.h"

#include <clinhub/plugin.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::workflows {

using links::AppointmentRecord;
using links::AppointmentState;
using links::BatchTerms;
using links::Link;
using links::LinkEvent;
using links::LinkState;
using links::PatientDetails;

// The rule a link follows: its organisation's rule as configured, with what its batch set instead. Null when the
// organisation or rule has left the config. Holds `runtime` alive.
std::shared_ptr<const config::Rule> ruleOf(const std::shared_ptr<const runtime::Runtime>& runtime, const Link& link);

// Where a link books when it is not the organisation's appointment book: a vaccination invite books its
// campaign's clinics. Told when the patient declines, in the decline's transaction.
class LinkBook : public AppointmentBook {
public:
    virtual void declined(store::Session& transaction, int64_t at) = 0;
};
using LinkBooks = std::function<std::shared_ptr<LinkBook>(const Link& link)>;

struct FieldError {
    std::string field; // e.g. "patient.mobile"
    std::string message;
};

// Staff sent something that cannot be used; every problem listed.
class InvalidRequest : public std::runtime_error {
public:
    explicit InvalidRequest(std::vector<FieldError> errors);
    [[nodiscard]] const std::vector<FieldError>& errors() const { return errors_; }

private:
    std::vector<FieldError> errors_;
};

// The organisation, rule or link does not exist (for this caller).
class NotFound : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a batch sends in place of its rule's invite.
struct BatchInvite {
    std::string batchId;
    std::string message; // domain/MessageTemplate.h: {{practice}}, {{title}}, {{name}}, {{url}}
    std::optional<config::Code> inviteCode;
    int dose = 0;         // for a vaccination invite: the dose its links book
    bool anyHour = false; // sent even in the organisation's quiet hours (outbox::NewMessage::anyHour)
};

// What createLink would send, before it is sent: for staff to check first.
struct LinkPreview {
    PatientDetails patient; // as createLink would keep them (the NHS number's digits, the mobile as +44…)
    std::string invite;     // the SMS as the patient would read it, a link of the real length in {{url}}
    int smsFragments = 0;
};

struct LinkPage {
    std::vector<links::LinkSummary> links;
    std::string next; // the `before` of the page after this one; "" on the last page
};

struct CreatedLink {
    Link link;
    int smsFragments = 0; // of its invite
    std::string url;      // the patient's link, /b/<token> under the hub's public URL
    std::string token;    // shown once, never stored
};

// What a patient's token finds. Pages show nothing about the patient until the date of birth is checked.
// Resolved once per request: every patient step after open() takes the Visit, not the token.
struct Visit {
    enum class Kind {
        open,
        booked,
        declined,
        cancelled,
        expired,
        deleted,
        locked,
        failed,
        unknown
    } kind = Kind::unknown;
    Link link;           // empty when unknown; its history (events) is not read for a visit
    bool manage = false; // opened through the manage link sent after booking
    // What the link follows, as the config had it when the link was opened; `runtime` keeps the others.
    std::shared_ptr<const runtime::Runtime> runtime;
    const config::Organisation* organisation = nullptr;
    std::shared_ptr<const config::Rule> rule;

    [[nodiscard]] bool found() const { return kind != Kind::unknown; }
};

enum class DobCheck { ok, wrong, locked };

struct BookOutcome {
    enum class Kind { booked, declined, cancelled, slotTaken, alreadyBooked, notAllowed, failed } kind = Kind::failed;
    AppointmentRecord appointment;
    std::string message; // for failed: why, fit to show staff; pages show a plain sentence instead
};

class SelfBook {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    SelfBook(store::Store& store, runtime::Current& runtime, Clock clock = store::nowMicros);
    // Where links of vaccination invites book (set once, before serving).
    void bookClinicsWith(LinkBooks books) { linkBooks_ = std::move(books); }

    // ---- Staff ----
    // Slot types with any slot in the organisation's book in [from, to).
    std::vector<std::string> slotTypes(const std::string& organisation, TimeRange range);
    // Validates, stores the link and queues its invite SMS in one transaction: `message` (InviteText.h), or
    // the rule's invite_sms when empty. Throws InvalidRequest, NotFound. Audited as `by`, in the same
    // transaction. `anyHour`: staff send it to a patient waiting for it, even in the organisation's quiet hours.
    CreatedLink createLink(const std::string& organisation, const std::string& rule, const PatientDetails& patient,
                           const audit::Context& by = {}, const std::string& message = {}, bool anyHour = false);
    // The same checks, and the invite createLink would queue; nothing is stored. Throws InvalidRequest, NotFound.
    LinkPreview previewLink(const std::string& organisation, const std::string& rule, const PatientDetails& patient,
                            const std::string& message = {});
    // For a batch: one link per patient, each with its invite SMS (and the invite code once that is sent),
    // inside the caller's transaction. The patients are validated already; one without a mobile gets no
    // SMS (the caller sends the link its own way). A vaccination invite gives each link its cohort member
    // (`memberIds`, in the patients' order). Returns the links in order.
    std::vector<CreatedLink> mintBatchLinks(store::Session& transaction, const std::string& organisation,
                                            const std::string& rule, const BatchInvite& invite,
                                            const std::vector<PatientDetails>& patients,
                                            const std::vector<std::string>& memberIds = {});
    // Every link of one patient; staff looking (`by`) is audited.
    std::vector<Link> history(const std::string& organisation, const std::string& nhsNumber,
                              const audit::Context& by = {});
    std::optional<Link> find(const std::string& organisation, const std::string& linkId);
    // A page of the organisation's links, newest first (links::LinkFilter), and where the next page starts.
    // Throws InvalidRequest (field "before") for a `before` that is no link of the organisation's.
    LinkPage list(const links::LinkFilter& filter);
    // What happened to the organisation's links from `since` on: their events counted by kind (sent,
    // accessed, booked, declined, expired, ...).
    std::map<std::string, int64_t> activitySince(const std::string& organisation, int64_t since);
    // Stop a link working (the patient booked by phone). False when it cannot be: already booked, say.
    // Both audited as `by`, whose name the link's history shows ("expired by Jo Bloggs").
    bool expire(const std::string& organisation, const std::string& linkId, const audit::Context& by = {});
    bool remove(const std::string& organisation, const std::string& linkId, const audit::Context& by = {});
    // Cancels the link's appointment for staff (the patient phoned), as cancel() does, whatever the rule allows;
    // audited as `by`, whose name the link's history shows. Throws NotFound.
    BookOutcome cancelByStaff(const std::string& organisation, const std::string& linkId, const audit::Context& by);
    // "Send again": a new link for the same patient and rule with its invite, the old one expired with it if it
    // could still be used. Audited as `by` on the new link. Throws NotFound, and InvalidRequest when the old
    // link cannot be sent again (its patient's details forgotten, its rule gone from the config).
    CreatedLink resend(const std::string& organisation, const std::string& linkId, const audit::Context& by = {});
    // Marks every link past its expiry; returns how many.
    int sweepExpired();

    // ---- Patient, by the token in the URL ----
    // What the token opens: the link, its appointments and its rule (at most two store reads), and the
    // link marked accessed on its first visit. Unknown for a token that opens nothing.
    Visit open(const std::string& token);
    DobCheck checkDateOfBirth(const Visit& visit, const std::string& dateOfBirth);
    // Free slots of the rule's slot types from now to its horizon, soonest first: only telephone ones for a
    // telephone rule (CallWindows.h), none for a face-to-face one.
    Result freeSlots(const Visit& visit, std::vector<Slot>& slots);
    // A telephone rule's offer: the windows of each day holding a free slot, soonest first.
    Result freeWindows(const Visit& visit, std::vector<DayWindow>& windows);
    BookOutcome book(const Visit& visit, const std::string& slotId);
    // A telephone rule's booking, or its reschedule: one free slot inside the window `label` of `day`
    // (YYYY-MM-DD), the soonest the book takes; slotTaken once every slot in it has gone.
    BookOutcome bookWindow(const Visit& visit, const std::string& day, const std::string& label, bool reschedule);
    BookOutcome decline(const Visit& visit);
    // Books the new slot, then releases the old appointment.
    BookOutcome reschedule(const Visit& visit, const std::string& newSlotId);
    // The patient cancels their appointment from the manage link, when the rule allows (allow_cancel): the book
    // frees the slot first; then, in one transaction, the appointment and link are cancelled, the rule's
    // cancellation_sms is queued and reminders not yet sent are dropped.
    BookOutcome cancel(const Visit& visit);

    // Patients get this many tries at their date of birth before the link locks.
    static constexpr int kDateOfBirthTries = 5;

private:
    struct CheckedLink {
        const config::Organisation* organisation = nullptr;
        const config::Rule* rule = nullptr;
        PatientDetails patient;
        std::string invite;  // the SMS, checked (InviteText.h)
        std::string example; // as the patient will read it, a link of the real length in {{url}}
        int smsFragments = 0;
    };
    // A single link's request as staff sent it, every problem listed (InvalidRequest); NotFound for an
    // organisation not in the config. `message` empty: the rule's invite.
    static CheckedLink checkLink(const runtime::Runtime& runtime, const std::string& organisation,
                                 const std::string& rule, const PatientDetails& patient, const std::string& message,
                                 int64_t at);
    // Stores the checked link and queues its invite, audited as `by` with `detail`, in the caller's transaction.
    CreatedLink insertChecked(store::Session& s, const config::Config& config, const CheckedLink& checked, int64_t at,
                              bool anyHour, const audit::Context& by, const std::string& detail);
    // The link with its history, for staff. Throws NotFound.
    Link load(store::Session& session, const std::string& linkId);
    // A move staff make (expire, delete), with its event and audit entry; false when the link cannot make it.
    bool staffMove(const std::string& organisation, const std::string& linkId, const links::Move& move,
                   const std::string& event, const audit::Context& by);
    std::vector<CreatedLink> insertLinks(store::Session& session, const config::Config& config,
                                         const config::Organisation& organisation, const config::Rule& rule,
                                         const BatchInvite& invite, const std::vector<PatientDetails>& patients,
                                         const std::vector<std::string>& memberIds, int64_t at);
    // The organisation's book, or nullptr when it routes none.
    std::shared_ptr<host::ConnectorInstance> book(const std::string& organisation);
    // What this link books into: its campaign's clinics, or the organisation's book; nullptr for neither.
    std::shared_ptr<AppointmentBook> bookFor(const Link& link);
    // The connector bookFor's book is, for log lines.
    std::string bookName(const Link& link);
    // Free slots of the rule's slot types from now to its horizon, soonest first.
    Result offeredSlots(const Visit& visit, std::vector<Slot>& slots);
    // `window`: the telephone window the slot was chosen as, recorded with the appointment; nullptr for a time.
    BookOutcome finishBooking(const Visit& visit, const std::string& slotId, bool reschedule,
                              const DayWindow* window = nullptr);
    // cancel() and cancelByStaff(): `by` null for the patient.
    BookOutcome finishCancelling(const Visit& visit, const audit::Context* by);

    store::Store& store_;
    runtime::Current& runtime_;
    Clock clock_;
    LinkBooks linkBooks_;
    // Bound at start, as the HTTP server is: a reload that changes hub.books needs a restart.
    BookGate bookGate_;
    SlotCache slotCache_;
};

} // namespace clinhub::workflows

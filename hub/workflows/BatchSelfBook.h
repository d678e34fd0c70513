// Batch Self-Book: one invite, a CSV list of patients, a Self-Book link for each one who can be reached.
//
// A batch's life: draft (its terms set) → uploading (one upload holds it) → ready (a list uploaded: every
// row can or cannot be sent, with the reason; the summary staff check) → sending (links being minted, a
// chunk per transaction, each link's invite queued with it) → sent. A list may be uploaded again until the
// batch is sent. A malformed list leaves nothing behind (the batch is a draft again). While one upload
// holds the batch, another upload or a send is refused (BatchBusy) rather than mixed into it; a hold left
// by a process that died lapses after a few minutes. A ready batch may instead be scheduled to send at a
// time: until that time comes it can be moved or cancelled (ready again), and its list cannot change; then
// whichever hub process looks first starts it, once, as a send would. Rules: docs/domain.md (Batch Self-Book).
#pragma once

#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/SelfBook.h"
#include "hub/workflows/StartTime.h"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::workflows {

// What staff choose for a batch.
struct BatchTermsRequest {
    std::string rule;    // a booking rule of the organisation: its slot types, horizon, expiry
    std::string message; // the invite SMS with {{url}} (domain/MessageTemplate.h); empty: the rule's own invite
    std::optional<config::Code> inviteCode; // written to each record once the invite is sent
    bool allowDecline = false;
    std::optional<config::Code> declineCode; // written when a patient declines
};

struct Batch {
    std::string id; // "bat_…"
    std::string organisation;
    std::string state;     // draft, uploading, ready, scheduled, sending, sent, stopped
    std::string csvFormat; // nhs_number_only, with_contacts (batch::toString)
    BatchTermsRequest terms;
    int smsFragments = 0; // of the message with a link in it
    std::vector<std::string> header;
    int64_t canSend = 0;
    int64_t cannotSend = 0;
    std::map<std::string, int64_t> reasons; // cannot be sent, by kind of reason
    std::string uploadError;                // why the last upload was refused
    int64_t minted = 0;                     // links made so far
    std::map<std::string, int64_t> invites; // the invites' outbox states, once sending
    std::map<std::string, int64_t> links;   // the links' states, once sending
    int64_t createdAt = 0;
    int64_t uploadedAt = 0;
    int64_t sendAt = 0;
    int64_t scheduledFor = 0; // when it is (or was) to start sending; 0: never scheduled, or sent at once
};

// One row of an uploaded list as staff review it: who can be sent a link, or what was uploaded and why it
// cannot be.
struct BatchRow {
    int row = 0;                     // in the spreadsheet (its header is row 1)
    std::string nhsNumber;           // can be sent: as checked
    std::string mobile;              // can be sent: +447…, or empty when the book has it
    std::string dateOfBirth;         // can be sent: YYYY-MM-DD, or empty when the book has it
    std::string name;                // can be sent, when the list gave one
    std::string linkId;              // can be sent, once its link is made
    std::vector<std::string> fields; // cannot be sent: the row as uploaded
    std::string reason;              // cannot be sent: why
};

// The appointment book could not say whether patients are registered (NHS-number-only lists): try again later.
class BookUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Another upload holds the batch, or took it over from this one: try again once it has finished.
class BatchBusy : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class BatchSelfBook {
public:
    BatchSelfBook(store::Store& store, runtime::Current& runtime, SelfBook& selfBook,
                  SelfBook::Clock clock = store::nowMicros);

    // Throws InvalidRequest (every problem with the terms), NotFound.
    Batch create(const std::string& organisation, const BatchTermsRequest& terms, const audit::Context& by = {});
    // Reads the list as it arrives and gives every row its verdict. Throws batch::FileError for a malformed
    // list (kept as the batch's uploadError, with no row kept), BookUnavailable, InvalidRequest once sending,
    // BatchBusy while another upload holds the batch (or when one took it over from this one).
    Batch upload(const std::string& organisation, const std::string& batchId, std::istream& csv,
                 const audit::Context& by = {});
    // The largest list upload() takes (the config's http.max_upload_mb).
    [[nodiscard]] std::size_t maxUploadBytes() const;
    [[nodiscard]] std::optional<Batch> find(const std::string& organisation, const std::string& batchId);
    // The organisation's batches, newest first: at most `limit`, made before `before` (a batch id; "" for the
    // newest), so a page follows on from the last id of the one before.
    [[nodiscard]] std::vector<Batch> list(const std::string& organisation, int limit, const std::string& before = {});
    // The organisation's batches not yet done with (uploading, ready, scheduled or sending), newest first.
    [[nodiscard]] std::vector<Batch> inProgress(const std::string& organisation, int limit);
    // Rows of a batch in spreadsheet order after row `after`: those that can be sent, or (`rejected`) those
    // that cannot. At most `limit`. Throws NotFound.
    [[nodiscard]] std::vector<BatchRow> rows(const std::string& organisation, const std::string& batchId, bool rejected,
                                             int after, int limit);
    // The rows that cannot be sent, as uploaded, with a `reason` column (RFC 4180).
    void writeRejected(const std::string& organisation, const std::string& batchId, std::ostream& out);
    // Starts sending a ready batch; the links are minted by mintPending. Throws InvalidRequest, NotFound,
    // BatchBusy while an upload holds the batch.
    // Also starts a scheduled batch at once.
    Batch send(const std::string& organisation, const std::string& batchId, const audit::Context& by = {});
    // Schedules a ready batch to start sending at `at` (microseconds since the epoch), or moves a scheduled
    // one's time. Throws InvalidRequest (`at` past or more than kMaxScheduleDays ahead; a batch with nothing
    // to send), NotFound, BatchBusy while an upload holds the batch, ScheduleConflict once it started.
    Batch schedule(const std::string& organisation, const std::string& batchId, int64_t at,
                   const audit::Context& by = {});
    // The batch is ready again. Throws NotFound, ScheduleConflict when it is not (or no longer) scheduled.
    Batch cancelSchedule(const std::string& organisation, const std::string& batchId, const audit::Context& by = {});
    // Starts every scheduled batch whose time has come, as send does; each by one conditional UPDATE, so of
    // several processes sharing the store exactly one starts it. Returns how many this call started.
    int startDue();
    // Mints up to `max` links of one sending batch in one transaction; returns how many (0: none waiting).
    int mintPending(int max);
    // Retention: forgets what rows of batches finished and untouched before f.before hold of patients,
    // either the rows that could be sent or (`rejected`) those kept as uploaded for rejected.csv. The
    // verdicts and counts stay.
    static int64_t forgetRows(store::Session& s, const store::Forget& f, bool rejected);

private:
    Batch load(store::Session& session, const std::string& organisation, const std::string& batchId);
    // Why a batch in `state` cannot be sent or scheduled; throws.
    [[noreturn]] static void refuseToSend(const Batch& batch);

    store::Store& store_;
    runtime::Current& runtime_;
    SelfBook& selfBook_;
    SelfBook::Clock clock_;
};

} // namespace clinhub::workflows

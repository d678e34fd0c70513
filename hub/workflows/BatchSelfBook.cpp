#include "hub/workflows/BatchSelfBook.h"

#include "hub/batch/BatchRows.h"
#include "hub/config/Text.h"
#include "hub/links/LinkRepository.h"
#include "hub/log/Log.h"
#include "hub/workflows/BookFailure.h"
#include "hub/workflows/InviteText.h"
#include "hub/workflows/Messages.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/Identity.hpp>

#include <Poco/Data/RecordSet.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <unordered_set>

using namespace Poco::Data::Keywords;

namespace clinhub::workflows {
namespace {

// Rows verdicted, looked up and written a chunk at a time, so memory stays flat however long the list.
constexpr std::size_t kChunkRows = 2000;
constexpr std::size_t kBytesPerMegabyte = 1024 * 1024;
// How long an upload holds its batch without a word. It renews the hold with every chunk it writes and,
// between chunks, at least every kUploadRenewMicros while it waits on the book, so only an upload that has
// stopped (its process died) loses it, and then the batch is free again within minutes.
constexpr int64_t kUploadHoldMicros = 3LL * 60 * 1'000'000;
constexpr int64_t kUploadRenewMicros = 30LL * 1'000'000;
const char* const kBeingUploaded = "a list is being uploaded to this batch: try again once that upload has finished";
const char* const kTakenOver = "this upload stopped for so long that another upload took the batch over";
const char* const kInterrupted = "the last upload was interrupted: upload the list again";
const char* const kNotInBook = "not registered in the appointment book";
const char* const kOpenLink = "already has an open link for this rule";
const char* const kStarted = "the batch has started sending: its schedule can no longer change";
// The audit trail's action when the hub itself starts a scheduled batch.
const char* const kStartScheduled = "startScheduledBatch";

// For the log and the audit trail's detail, as staff gave it.
std::string isoUtcMicros(int64_t micros) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%SZ");
}

std::string json(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

std::string fieldsJson(const std::vector<std::string>& fields) {
    Poco::JSON::Array array;
    for (const auto& f : fields)
        array.add(f);
    return json(array);
}

std::vector<std::string> fieldsFrom(const std::string& text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    const auto array = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i)
        out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

std::map<std::string, int64_t> countsFrom(const std::string& text) {
    std::map<std::string, int64_t> out;
    if (text.empty()) return out;
    const auto object = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, value] : *object)
        out[key] = value.convert<int64_t>();
    return out;
}

std::string countsJson(const std::map<std::string, int64_t>& counts) {
    Poco::JSON::Object object;
    for (const auto& [key, value] : counts)
        object.set(key, value);
    return json(object);
}

void checkCode(const std::optional<config::Code>& code, const std::string& field, std::vector<FieldError>& errors) {
    if (!code) return;
    if (!config::isSnomedId(code->code))
        errors.push_back({field + ".code", "not a SNOMED CT concept id (6 to 18 digits ending in a Verhoeff check "
                                           "digit)"});
    if (code->term.empty())
        errors.push_back({field + ".term", "the code's term is required, so staff see what will be written"});
}

} // namespace

BatchSelfBook::BatchSelfBook(store::Store& store, runtime::Current& runtime, SelfBook& selfBook, SelfBook::Clock clock)
    : store_(store), runtime_(runtime), selfBook_(selfBook), clock_(std::move(clock)) {}

Batch BatchSelfBook::create(const std::string& organisation, const BatchTermsRequest& request,
                            const audit::Context& by) {
    const auto runtime = runtime_.get();
    const auto& config = runtime->config();
    const auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");

    std::vector<FieldError> errors;
    const auto rule = org->second.rules.find(request.rule);
    if (rule == org->second.rules.end())
        errors.push_back(
            {"rule", request.rule.empty() ? "rule is missing" : "no booking rule '" + request.rule + "' here"});
    // Batch Self-Book invites to face-to-face appointments only (docs/domain.md).
    if (rule != org->second.rules.end() && rule->second.mode == config::AppointmentMode::telephone)
        errors.push_back({"rule", "a batch invites to face-to-face appointments only, and '" + request.rule +
                                      "' is a telephone rule"});
    BatchTermsRequest terms = request;
    if (rule != org->second.rules.end()) {
        if (terms.message.empty()) terms.message = messages::inviteSms(rule->second);
        const auto text = checkInviteText(*runtime, organisation, rule->second, terms.message);
        errors.insert(errors.end(), text.errors.begin(), text.errors.end());
    }
    checkCode(terms.inviteCode, "invite_code", errors);
    checkCode(terms.declineCode, "decline.code", errors);
    if (terms.declineCode && !terms.allowDecline)
        errors.push_back({"decline.code", "a decline code needs decline allowed"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    const std::string id = "bat_" + randomToken(12);
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        const int allowDecline = terms.allowDecline ? 1 : 0;
        const std::string inviteCode = terms.inviteCode ? terms.inviteCode->code : "";
        const std::string inviteTerm = terms.inviteCode ? terms.inviteCode->term : "";
        const std::string declineCode = terms.declineCode ? terms.declineCode->code : "";
        const std::string declineTerm = terms.declineCode ? terms.declineCode->term : "";
        s << "INSERT INTO batches (id, organisation, rule, state, csv_format, message, invite_code, invite_term, "
             "allow_decline, decline_code, decline_term, created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, "
             "NULLIF(?, ''), NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?)",
            useRef(id), useRef(organisation), useRef(terms.rule), useRef(org->second.batchCsv), useRef(terms.message),
            useRef(inviteCode), useRef(inviteTerm), useRef(allowDecline), useRef(declineCode), useRef(declineTerm),
            use(at), use(at), now;
        audit::AuditLog::append(s, {at, by.actor, by.action, organisation, id, {}, audit::Outcome::success, {}});
    });
    log::info("batch_created", {{"batch", id}, {"organisation", organisation}, {"rule", terms.rule}});
    return *find(organisation, id);
}

Batch BatchSelfBook::load(store::Session& s, const std::string& organisation, const std::string& batchId) {
    std::string id = batchId;
    std::string org = organisation;
    Poco::Data::Statement select =
        s << "SELECT id, organisation, state, csv_format, rule, message, COALESCE(invite_code, ''), "
             "COALESCE(invite_term, ''), allow_decline, COALESCE(decline_code, ''), COALESCE(decline_term, ''), "
             "COALESCE(header, ''), can_send, cannot_send, COALESCE(reasons, ''), minted, COALESCE(upload_error, ''), "
             "created_at, COALESCE(uploaded_at, 0), COALESCE(send_at, 0), COALESCE(upload_claimed_until, 0), "
             "COALESCE(scheduled_for, 0) FROM batches WHERE id = ? AND organisation = ?";
    select, use(id), use(org);
    select.execute();
    Poco::Data::RecordSet row(select);
    if (!row.moveFirst()) throw NotFound("no such batch");
    Batch b;
    b.id = row[0].convert<std::string>();
    b.organisation = row[1].convert<std::string>();
    b.state = row[2].convert<std::string>();
    // Batches made before the words changed keep "emis" or "systmone": read as their new names.
    b.csvFormat = batch::toString(
        batch::listColumnsFromString(row[3].convert<std::string>()).value_or(batch::ListColumns::withContacts));
    b.terms.rule = row[4].convert<std::string>();
    b.terms.message = row[5].convert<std::string>();
    if (auto code = row[6].convert<std::string>(); !code.empty())
        b.terms.inviteCode = config::Code{code, row[7].convert<std::string>()};
    b.terms.allowDecline = row[8].convert<int>() != 0;
    if (auto code = row[9].convert<std::string>(); !code.empty())
        b.terms.declineCode = config::Code{code, row[10].convert<std::string>()};
    b.header = fieldsFrom(row[11].convert<std::string>());
    b.canSend = row[12].convert<int64_t>();
    b.cannotSend = row[13].convert<int64_t>();
    b.reasons = countsFrom(row[14].convert<std::string>());
    b.minted = row[15].convert<int64_t>();
    b.uploadError = row[16].convert<std::string>();
    b.createdAt = row[17].convert<int64_t>();
    b.uploadedAt = row[18].convert<int64_t>();
    b.sendAt = row[19].convert<int64_t>();
    b.scheduledFor = row[21].convert<int64_t>();
    // An upload whose hold lapsed has stopped for good (its process died): the batch has no list, and the
    // next upload takes it over.
    if (b.state == "uploading" && row[20].convert<int64_t>() <= clock_()) {
        b.state = "draft";
        b.uploadError = kInterrupted;
    }

    const auto runtime = runtime_.get();
    const auto& orgs = runtime->config().organisations;
    if (const auto o = orgs.find(b.organisation); o != orgs.end())
        if (const auto r = o->second.rules.find(b.terms.rule); r != o->second.rules.end())
            // A text stored by a hub that checked less still shows its fragments; sending it fails in the scan.
            b.smsFragments = checkInviteText(*runtime, b.organisation, r->second, b.terms.message).fragments;

    if (b.state == "sending" || b.state == "sent") {
        links::LinkRepository repository(s);
        for (const auto& [state, count] : repository.countByInviteState(id))
            b.invites[state] = count;
        for (const auto& [state, count] : repository.countByState(id))
            b.links[state] = count;
    }
    return b;
}

std::size_t BatchSelfBook::maxUploadBytes() const {
    return static_cast<std::size_t>(runtime_.get()->config().http.maxUploadMegabytes) * kBytesPerMegabyte;
}

std::optional<Batch> BatchSelfBook::find(const std::string& organisation, const std::string& batchId) {
    auto s = store_.session();
    try {
        return load(s, organisation, batchId);
    } catch (const NotFound&) {
        return std::nullopt;
    }
}

std::vector<Batch> BatchSelfBook::list(const std::string& organisation, int limit, const std::string& before) {
    auto s = store_.session();
    std::vector<std::string> ids;
    std::string org = organisation;
    std::string after = before;
    // The page's key is when the batch was made, its id breaking ties: the index on (organisation, created_at)
    // finds each page without counting the ones before it.
    s << "SELECT id FROM batches WHERE organisation = ? AND (? = '' OR (created_at, id) < (SELECT created_at, id "
         "FROM batches WHERE id = ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
        use(org), use(after), use(after), use(limit), into(ids), now;
    std::vector<Batch> out;
    out.reserve(ids.size());
    for (const auto& id : ids)
        out.push_back(load(s, organisation, id));
    return out;
}

std::vector<Batch> BatchSelfBook::inProgress(const std::string& organisation, int limit) {
    auto s = store_.session();
    std::vector<std::string> ids;
    std::string org = organisation;
    // Found by state first, so a practice's home loads only the few batches still moving, not its history.
    s << "SELECT id FROM batches WHERE organisation = ? AND state IN ('uploading', 'ready', 'scheduled', 'sending') "
         "ORDER BY created_at DESC, id DESC LIMIT ?",
        use(org), use(limit), into(ids), now;
    std::vector<Batch> out;
    out.reserve(ids.size());
    for (const auto& id : ids)
        out.push_back(load(s, organisation, id));
    return out;
}

std::vector<BatchRow> BatchSelfBook::rows(const std::string& organisation, const std::string& batchId, bool rejected,
                                          int after, int limit) {
    auto s = store_.session();
    load(s, organisation, batchId); // NotFound for another organisation's
    std::string id = batchId;
    Poco::Data::Statement select =
        s << std::string(
                 "SELECT row_number, COALESCE(nhs_number, ''), COALESCE(mobile, ''), "
                 "COALESCE(date_of_birth, ''), COALESCE(name, ''), COALESCE(link_id, ''), "
                 "COALESCE(fields, ''), COALESCE(reason, '') FROM batch_rows WHERE batch_id = ? AND reason IS ") +
                 (rejected ? "NOT NULL" : "NULL") + " AND row_number > ? ORDER BY row_number LIMIT ?";
    select, use(id), use(after), use(limit);
    select.execute();
    Poco::Data::RecordSet r(select);
    std::vector<BatchRow> out;
    for (bool more = r.moveFirst(); more; more = r.moveNext())
        out.push_back({r[0].convert<int>(), r[1].convert<std::string>(), r[2].convert<std::string>(),
                       r[3].convert<std::string>(), r[4].convert<std::string>(), r[5].convert<std::string>(),
                       fieldsFrom(r[6].convert<std::string>()), r[7].convert<std::string>()});
    return out;
}

Batch BatchSelfBook::upload(const std::string& organisation, const std::string& batchId, std::istream& csv,
                            const audit::Context& by) {
    const auto runtime = runtime_.get();
    Batch before = [&] {
        auto s = store_.session();
        return load(s, organisation, batchId);
    }();
    const auto refuse = [](const std::string& state) {
        if (state == "uploading") throw BatchBusy(kBeingUploaded);
        if (state == "scheduled")
            throw InvalidRequest(std::vector<FieldError>{
                {"batch", "the batch is scheduled to send: cancel its schedule to change its list"}});
        throw InvalidRequest(
            std::vector<FieldError>{{"batch", "the batch is " + state + ": its list can no longer change"}});
    };
    if (before.state != "draft" && before.state != "ready") refuse(before.state);
    const auto style = batch::listColumnsFromString(before.csvFormat).value_or(batch::ListColumns::withContacts);
    const int64_t at = clock_();

    // Who already holds an open link for this rule: they are not invited twice.
    std::unordered_set<std::string> open;
    {
        auto s = store_.session();
        const auto numbers = links::LinkRepository(s).openPatients(organisation, before.terms.rule, at);
        open.insert(numbers.begin(), numbers.end());
    }
    AppointmentBook* book = nullptr;
    std::shared_ptr<host::ConnectorInstance> bookConnector;
    if (style == batch::ListColumns::nhsNumberOnly) {
        bookConnector = runtime->appointmentBook(organisation);
        book = bookConnector ? bookConnector->appointmentBook() : nullptr;
        if (!book) throw BookUnavailable("the organisation routes no appointment book to find patients in");
    }

    // The batch is this upload's from one conditional UPDATE: a second upload or a send finds it
    // `uploading` and is refused, so nothing interleaves with the rows written below. Every later write
    // renews the hold in its own transaction, and finds out there if the hold was lost.
    const std::string claim = randomToken(12);
    int64_t renewedAt = 0;
    const auto hold = [&](store::Session& s) {
        int64_t t = clock_();
        int64_t until = t + kUploadHoldMicros;
        Poco::Data::Statement update = s << "UPDATE batches SET upload_claimed_until = ? WHERE id = ? AND state = "
                                            "'uploading' AND upload_claim = ?";
        update, use(until), useRef(batchId), useRef(claim);
        if (update.execute() != 1) throw BatchBusy(kTakenOver);
        renewedAt = t;
    };
    bool claimed = false;
    store_.write([&](store::Session& s) {
        int64_t t = clock_();
        int64_t until = t + kUploadHoldMicros;
        Poco::Data::Statement update =
            s << "UPDATE batches SET state = 'uploading', upload_claim = ?, upload_claimed_until = ?, header = NULL, "
                 "can_send = 0, cannot_send = 0, reasons = NULL, upload_error = NULL, updated_at = ? WHERE id = ? AND "
                 "organisation = ? AND (state IN ('draft', 'ready') OR (state = 'uploading' AND "
                 "upload_claimed_until <= ?))";
        update, useRef(claim), use(until), use(t), useRef(batchId), useRef(organisation), use(t);
        claimed = update.execute() == 1;
        renewedAt = t;
    });
    if (!claimed) {
        const auto now = find(organisation, batchId);
        if (!now) throw NotFound("no such batch");
        refuse(now->state == "draft" || now->state == "ready" ? "uploading" : now->state);
    }

    int64_t canSend = 0;
    int64_t cannotSend = 0;
    std::map<std::string, int64_t> reasons;
    std::vector<batch::Row> chunk;
    const auto flush = [&] {
        for (auto& row : chunk) {
            if (row.accepted() && book) {
                // The book may be slow; the hold must not lapse while this upload waits on it.
                if (clock_() - renewedAt >= kUploadRenewMicros) store_.write(hold);
                std::optional<Patient> found;
                const Result r = book->findPatient(row.nhsNumber, found);
                if (!r.ok()) {
                    warnBookFailed(bookConnector->name(), "find_patient", r);
                    throw BookUnavailable("the appointment book did not answer: " + r.message);
                }
                if (!found) {
                    row.reason = kNotInBook;
                } else if (const auto mobile = kit::checkUkMobile(found->mobile); !mobile.ok()) {
                    row.reason = found->mobile.empty() ? "no mobile number in the appointment book"
                                                       : "the appointment book's mobile number: " + mobile.problem;
                } else {
                    row.mobile = mobile.value;
                    row.dateOfBirth = found->dateOfBirth;
                    row.name = found->name;
                }
            }
            if (row.accepted() && open.contains(row.nhsNumber)) row.reason = kOpenLink;
            if (row.accepted()) {
                ++canSend;
            } else {
                ++cannotSend;
                ++reasons[row.reasonKind()];
            }
        }
        const std::size_t n = chunk.size();
        std::vector<std::string> ids(n, batchId), reason(n), fields(n), nhs(n), mobile(n), dob(n), name(n);
        std::vector<int> number(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& row = chunk[i];
            number[i] = row.row;
            reason[i] = row.reason;
            // Only a row that cannot be sent keeps what was uploaded, for the list staff download.
            if (!row.accepted()) fields[i] = fieldsJson(row.fields);
            nhs[i] = row.nhsNumber;
            mobile[i] = row.mobile;
            dob[i] = row.dateOfBirth;
            name[i] = row.name;
        }
        if (n > 0)
            store_.write([&](store::Session& s) {
                hold(s);
                s << "INSERT INTO batch_rows (batch_id, row_number, reason, fields, nhs_number, mobile, date_of_birth, "
                     "name) VALUES (?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), "
                     "NULLIF(?, ''))",
                    use(ids), use(number), use(reason), use(fields), use(nhs), use(mobile), use(dob), use(name), now;
            });
        chunk.clear();
    };
    // The list uploaded before, if any, or what an interrupted upload left: a chunk per transaction, each
    // under the hold, so a long list never holds the write lock for long.
    const auto forget = [&] {
        for (std::size_t deleted = kChunkRows; deleted == kChunkRows;)
            store_.write([&](store::Session& s) {
                hold(s);
                int limit = static_cast<int>(kChunkRows);
                Poco::Data::Statement remove =
                    s << "DELETE FROM batch_rows WHERE batch_id = ? AND row_number IN (SELECT row_number FROM "
                         "batch_rows WHERE batch_id = ? LIMIT ?)";
                remove, useRef(batchId), useRef(batchId), use(limit);
                deleted = remove.execute();
            });
    };

    forget();
    std::vector<std::string> header;
    try {
        batch::validateCsv(
            csv, style, kit::ukDate(at), maxUploadBytes(),
            [&](const batch::Row& row) {
                chunk.push_back(row);
                if (chunk.size() == kChunkRows) flush();
            },
            {}, [&](const std::vector<std::string>& h) { header = h; });
        flush();
    } catch (const BatchBusy&) {
        throw; // another upload holds the batch now: what is left of this one is that upload's to clear
    } catch (const std::exception& e) {
        const std::string why = e.what();
        forget();
        // Gives the batch back as a draft; the hold goes last, so no other upload's rows meet the clearing.
        store_.write([&](store::Session& s) {
            int64_t t = clock_();
            s << "UPDATE batches SET state = 'draft', header = NULL, can_send = 0, cannot_send = 0, reasons = NULL, "
                 "upload_error = ?, upload_claim = NULL, upload_claimed_until = NULL, updated_at = ? WHERE id = ? "
                 "AND state = 'uploading' AND upload_claim = ?",
                useRef(why), use(t), useRef(batchId), useRef(claim), now;
        });
        log::warning("batch_upload_refused", {{"batch", batchId}, {"error", why}});
        throw;
    }
    store_.write([&](store::Session& s) {
        hold(s);
        int64_t t = clock_();
        const std::string headerJson = fieldsJson(header);
        const std::string reasonsJson = countsJson(reasons);
        s << "UPDATE batches SET state = 'ready', header = ?, can_send = ?, cannot_send = ?, reasons = ?, "
             "upload_error = NULL, upload_claim = NULL, upload_claimed_until = NULL, uploaded_at = ?, updated_at = ? "
             "WHERE id = ?",
            useRef(headerJson), use(canSend), use(cannotSend), useRef(reasonsJson), use(t), use(t), useRef(batchId),
            now;
        audit::AuditLog::append(s,
                                {t,
                                 by.actor,
                                 by.action,
                                 organisation,
                                 batchId,
                                 {},
                                 audit::Outcome::success,
                                 std::to_string(canSend) + " can be sent, " + std::to_string(cannotSend) + " cannot"});
    });
    log::info("batch_uploaded", {{"batch", batchId}, {"can_send", canSend}, {"cannot_send", cannotSend}});
    return *find(organisation, batchId);
}

void BatchSelfBook::writeRejected(const std::string& organisation, const std::string& batchId, std::ostream& out) {
    auto s = store_.session();
    Batch b = load(s, organisation, batchId);
    batch::CsvWriter writer(out, batch::CsvWriter::Cells::forSpreadsheets);
    auto header = b.header;
    header.emplace_back("reason");
    writer.write(header);
    std::string id = batchId;
    Poco::Data::Statement select =
        s << "SELECT COALESCE(fields, ''), reason FROM batch_rows WHERE batch_id = ? AND reason IS NOT NULL "
             "ORDER BY row_number";
    select, use(id);
    select.execute();
    Poco::Data::RecordSet rows(select);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        auto fields = fieldsFrom(rows[0].convert<std::string>());
        fields.push_back(rows[1].convert<std::string>());
        writer.write(fields);
    }
}

Batch BatchSelfBook::send(const std::string& organisation, const std::string& batchId, const audit::Context& by) {
    bool started = false;
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        Poco::Data::Statement update =
            s << "UPDATE batches SET state = 'sending', send_at = ?, scheduled_for = NULL, updated_at = ? WHERE id = ? "
                 "AND organisation = ? AND state IN ('ready', 'scheduled') AND can_send > 0";
        update, use(at), use(at), useRef(batchId), useRef(organisation);
        started = update.execute() == 1;
        if (started) audit::AuditLog::append(s, audit::succeeded(by, at, organisation, batchId));
    });
    auto batch = find(organisation, batchId);
    if (!batch) throw NotFound("no such batch");
    if (!started) refuseToSend(*batch);
    log::info("batch_sending", {{"batch", batchId}, {"links", batch->canSend}});
    return *batch;
}

void BatchSelfBook::refuseToSend(const Batch& batch) {
    if (batch.state == "ready" || batch.state == "scheduled")
        throw InvalidRequest(std::vector<FieldError>{{"batch", "no row of the list can be sent"}});
    if (batch.state == "draft")
        throw InvalidRequest(std::vector<FieldError>{{"batch", "upload the list of patients first"}});
    if (batch.state == "uploading") throw BatchBusy(kBeingUploaded);
    throw InvalidRequest(std::vector<FieldError>{{"batch", "the batch is " + batch.state + " already"}});
}

Batch BatchSelfBook::schedule(const std::string& organisation, const std::string& batchId, int64_t at,
                              const audit::Context& by) {
    checkStartTime(at, clock_());
    bool scheduled = false;
    store_.write([&](store::Session& s) {
        int64_t t = clock_();
        // Conditional, like the start: a batch the hub has started meanwhile is not scheduled again.
        Poco::Data::Statement update =
            s << "UPDATE batches SET state = 'scheduled', scheduled_for = ?, updated_at = ? WHERE id = ? AND "
                 "organisation = ? AND state IN ('ready', 'scheduled') AND can_send > 0";
        update, use(at), use(t), useRef(batchId), useRef(organisation);
        scheduled = update.execute() == 1;
        if (scheduled) audit::AuditLog::append(s, audit::succeeded(by, t, organisation, batchId, isoUtcMicros(at)));
    });
    auto batch = find(organisation, batchId);
    if (!batch) throw NotFound("no such batch");
    if (!scheduled) {
        if (batch->state == "sending" || batch->state == "sent" || batch->state == "stopped")
            throw ScheduleConflict(kStarted);
        refuseToSend(*batch);
    }
    log::info("batch_scheduled", {{"batch", batchId}, {"at", isoUtcMicros(at)}});
    return *batch;
}

Batch BatchSelfBook::cancelSchedule(const std::string& organisation, const std::string& batchId,
                                    const audit::Context& by) {
    bool cancelled = false;
    store_.write([&](store::Session& s) {
        int64_t t = clock_();
        Poco::Data::Statement update =
            s << "UPDATE batches SET state = 'ready', scheduled_for = NULL, updated_at = ? WHERE id = ? AND "
                 "organisation = ? AND state = 'scheduled'";
        update, use(t), useRef(batchId), useRef(organisation);
        cancelled = update.execute() == 1;
        if (cancelled) audit::AuditLog::append(s, audit::succeeded(by, t, organisation, batchId));
    });
    auto batch = find(organisation, batchId);
    if (!batch) throw NotFound("no such batch");
    if (!cancelled)
        throw ScheduleConflict(batch->state == "sending" || batch->state == "sent" || batch->state == "stopped"
                                   ? kStarted
                                   : "the batch is not scheduled");
    log::info("batch_schedule_cancelled", {{"batch", batchId}});
    return *batch;
}

int BatchSelfBook::startDue() {
    std::vector<std::string> ids, organisations;
    std::vector<int64_t> times;
    {
        auto s = store_.session();
        int64_t t = clock_();
        s << "SELECT id, organisation, scheduled_for FROM batches WHERE state = 'scheduled' AND scheduled_for <= ? "
             "ORDER BY scheduled_for",
            use(t), into(ids), into(organisations), into(times), now;
    }
    int started = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        bool mine = false;
        store_.write([&](store::Session& s) {
            int64_t t = clock_();
            // Another process may have started it (or staff moved or cancelled it) since the SELECT: only the
            // UPDATE that finds it still scheduled and due starts it.
            Poco::Data::Statement update =
                s << "UPDATE batches SET state = 'sending', send_at = ?, updated_at = ? WHERE id = ? AND state = "
                     "'scheduled' AND scheduled_for <= ?";
            update, use(t), use(t), useRef(ids[i]), use(t);
            mine = update.execute() == 1;
            if (mine)
                audit::AuditLog::append(s, {t,
                                            audit::Actor::hub(),
                                            kStartScheduled,
                                            organisations[i],
                                            ids[i],
                                            {},
                                            audit::Outcome::success,
                                            "scheduled for " + isoUtcMicros(times[i])});
        });
        if (!mine) continue;
        ++started;
        log::info("batch_sending", {{"batch", ids[i]}, {"scheduled_for", isoUtcMicros(times[i])}});
    }
    return started;
}

int BatchSelfBook::mintPending(int max) {
    int minted = 0;
    for (bool more = true; more && minted == 0;) {
        store_.write([&](store::Session& s) {
            std::vector<std::string> ids, organisations, rules, messages, codes, terms;
            s << "SELECT id, organisation, rule, message, COALESCE(invite_code, ''), COALESCE(invite_term, '') "
                 "FROM batches WHERE state = 'sending' ORDER BY send_at LIMIT 1",
                into(ids), into(organisations), into(rules), into(messages), into(codes), into(terms), now;
            if (ids.empty()) {
                more = false;
                return;
            }
            const std::string& id = ids.front();
            std::vector<int> numbers;
            std::vector<std::string> nhs, dob, mobile, name;
            int limit = max;
            s << "SELECT row_number, nhs_number, date_of_birth, mobile, COALESCE(name, '') FROM batch_rows "
                 "WHERE batch_id = ? AND reason IS NULL AND link_id IS NULL ORDER BY row_number LIMIT ?",
                useRef(id), use(limit), into(numbers), into(nhs), into(dob), into(mobile), into(name), now;
            int64_t at = clock_();
            if (numbers.empty()) {
                s << "UPDATE batches SET state = 'sent', updated_at = ? WHERE id = ?", use(at), useRef(id), now;
                log::info("batch_sent", {{"batch", id}});
                return;
            }
            std::vector<PatientDetails> patients;
            for (std::size_t i = 0; i < numbers.size(); ++i)
                patients.push_back({nhs[i], dob[i], mobile[i], name[i]});
            BatchInvite invite{id, messages.front(), std::nullopt};
            if (!codes.front().empty()) invite.inviteCode = config::Code{codes.front(), terms.front()};
            std::vector<std::string> links;
            try {
                for (auto& created :
                     selfBook_.mintBatchLinks(s, organisations.front(), rules.front(), invite, patients))
                    links.push_back(std::move(created.link.id));
            } catch (const NotFound& e) {
                // The organisation or rule has left the config: nothing more can be sent for this batch.
                const std::string why = std::string("stopped: ") + e.what();
                s << "UPDATE batches SET state = 'stopped', upload_error = ?, updated_at = ? WHERE id = ?", useRef(why),
                    use(at), useRef(id), now;
                log::error("batch_stopped", {{"batch", id}, {"error", e.what()}});
                return;
            }
            std::vector<std::string> batchIds(numbers.size(), id);
            s << "UPDATE batch_rows SET link_id = ? WHERE batch_id = ? AND row_number = ?", use(links), use(batchIds),
                use(numbers), now;
            int64_t n = static_cast<int64_t>(links.size());
            s << "UPDATE batches SET minted = minted + ?, updated_at = ? WHERE id = ?", use(n), use(at), useRef(id),
                now;
            minted = static_cast<int>(n);
        });
    }
    return minted;
}

int64_t BatchSelfBook::forgetRows(store::Session& s, const store::Forget& f, bool rejected) {
    // A batch still sending needs its rows; a ready one keeps them until it is sent or stopped.
    static constexpr const char* kForget = "fields = NULL, nhs_number = NULL, mobile = NULL, date_of_birth = NULL, "
                                           "name = NULL";
    static constexpr store::ForgetSql kSendable{
        "batch_rows", "batch_id, row_number",
        "batch_id IN (SELECT id FROM batches WHERE organisation = ? AND updated_at < ? AND state IN ('draft', 'sent', "
        "'stopped')) AND reason IS NULL AND (nhs_number IS NOT NULL OR mobile IS NOT NULL OR date_of_birth IS NOT "
        "NULL OR name IS NOT NULL)",
        kForget};
    static constexpr store::ForgetSql kRejected{
        "batch_rows", "batch_id, row_number",
        "batch_id IN (SELECT id FROM batches WHERE organisation = ? AND updated_at < ? AND state IN ('draft', 'sent', "
        "'stopped')) AND reason IS NOT NULL AND (fields IS NOT NULL OR nhs_number IS NOT NULL OR mobile IS NOT NULL OR "
        "date_of_birth IS NOT NULL OR name IS NOT NULL)",
        kForget};
    return store::forgetRows(s, f, rejected ? kRejected : kSendable);
}

} // namespace clinhub::workflows

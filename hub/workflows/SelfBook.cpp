#include "hub/workflows/SelfBook.h"

#include "hub/domain/MessageTemplate.h"
#include "hub/log/Log.h"
#include "hub/outbox/Outbox.h"
#include "hub/store/SortableId.h"
#include "hub/workflows/BookFailure.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/RecordSet.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <sstream>

using namespace Poco::Data::Keywords;

namespace clinhub::workflows {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

const char* const kDefaultInvite = "{{practice}}: please book your {{title}} appointment here: {{url}}";
const char* const kDefaultConfirmation =
    "{{practice}}: your {{title}} appointment is booked for {{when}}. To view or change it: {{url}}";

using Values = std::map<std::string, std::string, std::less<>>;

std::string templateOf(const config::Rule& rule, const std::string& name, const char* fallback) {
    auto it = rule.templates.find(name);
    return it != rule.templates.end() ? it->second : fallback;
}

std::string json(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

using outbox::smsPayload;

std::string recordPayload(const PatientDetails& p, const config::Code& code) {
    Poco::JSON::Object patient;
    patient.set("nhs_number", p.nhsNumber);
    patient.set("date_of_birth", p.dateOfBirth);
    Poco::JSON::Object o;
    o.set("patient", patient);
    o.set("code", code.code);
    o.set("term", code.term);
    return json(o);
}

// Tells the practice that an appointment moved to another clinician. The book's appointment id says
// which; no patient identifiers travel by email.
std::string clinicianNotice(const Visit& found, const AppointmentRecord& before, const Appointment& after) {
    const std::string when = kit::ukWhenText(after.slot.start);
    const std::string text = after.slot.clinician + ": a patient has moved their " + found.rule->title +
                             " appointment to you, " + when +
                             (after.slot.location.empty() ? "" : " at " + after.slot.location) + " (it was with " +
                             (before.slot.clinician.empty() ? "another clinician" : before.slot.clinician) +
                             "). Appointment " + after.id + " in the appointment book.";
    return outbox::emailPayload(found.organisation->notifyEmail,
                                "Appointment moved to " + after.slot.clinician + ", " + when, text);
}

void addEvent(store::Session& s, const std::string& linkId, int64_t at, const std::string& event,
              const std::string& detail = {}) {
    int64_t seq = store::nextSequence();
    s << "INSERT INTO link_events (link_id, at, event, detail, seq) VALUES (?, ?, ?, NULLIF(?, ''), ?)", useRef(linkId),
        use(at), useRef(event), useRef(detail), use(seq), now;
}

// Moves a link from one of `from` to `to`; true when this call made the move.
bool transition(store::Session& s, const std::string& linkId, std::initializer_list<const char*> from,
                const std::string& to, int64_t at, int64_t notExpiredAt = 0) {
    std::string in;
    for (const char* state : from)
        in += std::string(in.empty() ? "" : ", ") + "'" + state + "'";
    Poco::Data::Statement update = s << "UPDATE links SET state = ?, updated_at = ? WHERE id = ? AND state IN (" + in +
                                            ")" + (notExpiredAt != 0 ? " AND expires_at > ?" : "");
    update, useRef(to), use(at), useRef(linkId);
    if (notExpiredAt != 0) update, use(notExpiredAt);
    return update.execute() == 1;
}

Visit::Kind kindOf(const std::string& state) {
    if (state == "sent" || state == "accessed" || state == "booking") return Visit::Kind::open;
    if (state == "booked" || state == "rescheduled") return Visit::Kind::booked;
    if (state == "declined") return Visit::Kind::declined;
    if (state == "expired") return Visit::Kind::expired;
    if (state == "deleted") return Visit::Kind::deleted;
    if (state == "locked") return Visit::Kind::locked;
    if (state == "failed") return Visit::Kind::failed;
    return Visit::Kind::unknown;
}

void insertAppointment(store::Session& s, const std::string& linkId, const Appointment& a, const std::string& state,
                       int64_t at) {
    const int64_t start = a.slot.start;
    const int duration = a.slot.durationMinutes;
    const int telephone = a.slot.telephone ? 1 : 0;
    int64_t seq = store::nextSequence();
    s << "INSERT INTO link_appointments (link_id, appointment_id, slot_id, slot_type, start_at, duration_minutes, "
         "clinician, location, telephone, state, at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        useRef(linkId), useRef(a.id), useRef(a.slot.id), useRef(a.slot.slotType), useRef(start), useRef(duration),
        useRef(a.slot.clinician), useRef(a.slot.location), useRef(telephone), useRef(state), use(at), use(seq), now;
}

} // namespace

std::shared_ptr<const config::Rule> ruleOf(const std::shared_ptr<const runtime::Runtime>& runtime, const Link& link) {
    if (!runtime) return nullptr;
    const auto& organisations = runtime->config().organisations;
    const auto organisation = organisations.find(link.organisation);
    if (organisation == organisations.end()) return nullptr;
    const auto rule = organisation->second.rules.find(link.rule);
    if (rule == organisation->second.rules.end()) return nullptr;
    if (!link.batch) return {runtime, &rule->second};
    auto terms = std::make_shared<config::Rule>(rule->second);
    terms->allowDecline = link.batch->allowDecline;
    terms->declineCode = link.batch->declineCode;
    return terms;
}

std::string inviteTemplateOf(const config::Rule& rule) { return templateOf(rule, "invite_sms", kDefaultInvite); }

const AppointmentRecord* Link::currentAppointment() const {
    for (auto it = appointments.rbegin(); it != appointments.rend(); ++it)
        if (it->state == "booked") return &*it;
    return nullptr;
}

InvalidRequest::InvalidRequest(std::vector<FieldError> errors)
    : std::runtime_error(errors.empty() ? "invalid request" : errors.front().field + ": " + errors.front().message),
      errors_(std::move(errors)) {}

SelfBook::SelfBook(store::Store& store, runtime::Current& runtime, Clock clock)
    : store_(store), runtime_(runtime), clock_(std::move(clock)),
      bookGate_(runtime.get()->config().books.callsPerOrganisation, std::chrono::seconds(5)),
      slotCache_(std::chrono::seconds(runtime.get()->config().books.freeSlotsCacheSeconds)) {}

std::shared_ptr<host::ConnectorInstance> SelfBook::book(const std::string& organisation) {
    return runtime_.get()->appointmentBook(organisation);
}

// ---- Staff ---------------------------------------------------------------------------------------------

std::vector<std::string> SelfBook::slotTypes(const std::string& organisation, TimeRange range) {
    const auto runtime = runtime_.get();
    if (!runtime->config().organisations.contains(organisation)) throw NotFound("no such organisation");
    auto connector = book(organisation);
    if (!connector || !connector->appointmentBook()) throw NotFound("the organisation routes no appointment book");
    std::vector<std::string> types;
    const Result r = connector->appointmentBook()->slotTypes(range, types);
    if (!r.ok()) {
        warnBookFailed(connector->name(), "slot_types", r);
        throw std::runtime_error("the appointment book did not answer: " + r.message);
    }
    std::sort(types.begin(), types.end());
    return types;
}

CreatedLink SelfBook::createLink(const std::string& organisation, const std::string& ruleId,
                                 const PatientDetails& patient) {
    const auto runtime = runtime_.get();
    const auto& config = runtime->config();
    auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");
    const int64_t at = clock_();

    std::vector<FieldError> errors;
    auto rule = org->second.rules.find(ruleId);
    if (rule == org->second.rules.end())
        errors.push_back({"rule", ruleId.empty() ? "rule is missing" : "no booking rule '" + ruleId + "' here"});
    const auto nhs = kit::checkNhsNumber(patient.nhsNumber);
    if (!nhs.ok()) errors.push_back({"patient.nhs_number", nhs.problem});
    const auto dob = kit::checkDateOfBirth(patient.dateOfBirth, kit::ukDate(at));
    if (!dob.ok()) errors.push_back({"patient.date_of_birth", dob.problem});
    const auto mobile = kit::checkUkMobile(patient.mobile);
    if (!mobile.ok()) errors.push_back({"patient.mobile", mobile.problem});
    if (patient.name.size() > 100) errors.push_back({"patient.name", "name is longer than 100 characters"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    CreatedLink created;
    store_.write([&](store::Session& s) {
        created =
            std::move(insertLinks(s, config, org->second, rule->second, inviteTemplateOf(rule->second),
                                  rule->second.inviteCode, "", {{nhs.value, dob.value, mobile.value, patient.name}}, at)
                          .front());
    });
    log::info("link_created", {{"link", created.link.id}, {"organisation", organisation}, {"rule", ruleId}});
    return created;
}

std::vector<CreatedLink> SelfBook::mintBatchLinks(store::Session& s, const std::string& organisation,
                                                  const std::string& ruleId, const BatchInvite& invite,
                                                  const std::vector<PatientDetails>& patients) {
    const auto runtime = runtime_.get();
    const auto& config = runtime->config();
    const auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");
    const auto rule = org->second.rules.find(ruleId);
    if (rule == org->second.rules.end()) throw NotFound("no booking rule '" + ruleId + "' here");
    return insertLinks(s, config, org->second, rule->second, invite.message, invite.inviteCode, invite.batchId,
                       patients, clock_());
}

std::vector<CreatedLink> SelfBook::insertLinks(store::Session& s, const config::Config& config,
                                               const config::Organisation& organisation, const config::Rule& rule,
                                               const std::string& message,
                                               const std::optional<config::Code>& inviteCode,
                                               const std::string& batchId, const std::vector<PatientDetails>& patients,
                                               int64_t at) {
    const std::size_t n = patients.size();
    // Checked when the batch or the config was accepted; scanned again so a text stored by an older hub
    // cannot reach patients unchecked.
    const domain::MessageTemplate text = domain::scanTemplate(message, domain::kInvitePlaceholders);
    std::vector<CreatedLink> created(n);
    std::vector<outbox::NewMessage> invites;
    std::vector<std::size_t> texted; // which links an invite SMS carries
    invites.reserve(n);
    texted.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Link& link = created[i].link;
        link.id = "lnk_" + store::sortableId();
        link.organisation = organisation.ods;
        link.rule = rule.id;
        link.state = "sent";
        link.createdAt = at;
        link.expiresAt = at + rule.linkExpiryDays * kMicrosPerDay;
        link.patient = patients[i];
        created[i].token = randomToken(32);
        created[i].url = config.http.publicUrl + "/b/" + created[i].token;
        const Values values = {{"practice", organisation.name},
                               {"title", rule.title},
                               {"name", link.patient.name},
                               {"url", created[i].url}};
        // Without a mobile (a parent reached by email) the caller sends the link its own way.
        if (link.patient.mobile.empty()) continue;
        texted.push_back(i);
        invites.push_back({organisation.ods, outbox::Channel::sms,
                           smsPayload(link.patient.mobile, domain::render(text, values)), 0, nullptr});
        if (inviteCode)
            invites.back().afterSent = std::make_shared<outbox::NewMessage>(outbox::NewMessage{
                organisation.ods, outbox::Channel::record, recordPayload(link.patient, *inviteCode), 0, nullptr});
    }
    std::vector<std::string> references(n);
    const auto queued = outbox::Outbox::enqueueAll(s, invites);
    for (std::size_t k = 0; k < texted.size(); ++k)
        references[texted[k]] = queued[k];

    // Column by column, so each table takes every row through one prepared statement.
    std::vector<std::string> ids(n), organisations(n, organisation.ods), rules(n, rule.id), nhs(n), dob(n), mobile(n),
        name(n), inviteReference(n), batch(n, batchId), hash(n), events(n, "sent"), detail(n);
    std::vector<int64_t> atEach(n, at), expires(n), seq(n);
    for (std::size_t i = 0; i < n; ++i) {
        Link& link = created[i].link;
        link.inviteReference = references[i];
        link.events.push_back({at, "sent", link.inviteReference.empty() ? "" : "invite " + link.inviteReference});
        ids[i] = link.id;
        nhs[i] = link.patient.nhsNumber;
        dob[i] = link.patient.dateOfBirth;
        mobile[i] = link.patient.mobile;
        name[i] = link.patient.name;
        inviteReference[i] = link.inviteReference;
        expires[i] = link.expiresAt;
        hash[i] = tokenHash(created[i].token);
        detail[i] = link.events.back().detail;
        seq[i] = store::nextSequence();
    }
    s << "INSERT INTO links (id, organisation, rule, state, nhs_number, date_of_birth, mobile, name, failed_dob, "
         "invite_reference, created_at, expires_at, updated_at, batch_id) "
         "VALUES (?, ?, ?, 'sent', ?, ?, ?, NULLIF(?, ''), 0, ?, ?, ?, ?, NULLIF(?, ''))",
        use(ids), use(organisations), use(rules), use(nhs), use(dob), use(mobile), use(name), use(inviteReference),
        use(atEach), use(expires), use(atEach), use(batch), now;
    s << "INSERT INTO link_tokens (token_hash, link_id, purpose, created_at) VALUES (?, ?, 'book', ?)", use(hash),
        use(ids), use(atEach), now;
    s << "INSERT INTO link_events (link_id, at, event, detail, seq) VALUES (?, ?, ?, ?, ?)", use(ids), use(atEach),
        use(events), use(detail), use(seq), now;
    return created;
}

namespace {

// A link's columns and what they join, for readLink(); by id, or (with the token's purpose after them)
// by a token's hash.
std::string linkQuery(bool byToken) {
    return std::string("SELECT l.id, l.organisation, l.rule, l.state, l.nhs_number, l.date_of_birth, l.mobile, "
                       "COALESCE(l.name, ''), l.failed_dob, COALESCE(l.invite_reference, ''), l.created_at, "
                       "l.expires_at, COALESCE(o.state, ''), COALESCE(l.batch_id, ''), COALESCE(b.allow_decline, 0), "
                       "COALESCE(b.decline_code, ''), COALESCE(b.decline_term, ''), COALESCE(l.member_id, ''), "
                       "COALESCE(l.dose, 0)") +
           (byToken ? ", t.purpose FROM link_tokens t JOIN links l ON l.id = t.link_id " : " FROM links l ") +
           "LEFT JOIN outbox o ON o.reference = l.invite_reference LEFT JOIN batches b ON b.id = l.batch_id WHERE " +
           (byToken ? "t.token_hash = ?" : "l.id = ?");
}

} // namespace

std::optional<Link> SelfBook::readLink(store::Session& s, const std::string& key, bool byToken, std::string* purpose) {
    Link link;
    Poco::Data::Statement select = s << linkQuery(byToken);
    select, useRef(key);
    select.execute();
    Poco::Data::RecordSet row(select);
    if (!row.moveFirst()) return std::nullopt;
    link.id = row[0].convert<std::string>();
    link.organisation = row[1].convert<std::string>();
    link.rule = row[2].convert<std::string>();
    link.state = row[3].convert<std::string>();
    link.patient = {row[4].convert<std::string>(), row[5].convert<std::string>(), row[6].convert<std::string>(),
                    row[7].convert<std::string>()};
    link.failedDobAttempts = row[8].convert<int>();
    link.inviteReference = row[9].convert<std::string>();
    link.createdAt = row[10].convert<int64_t>();
    link.expiresAt = row[11].convert<int64_t>();
    const std::string inviteState = row[12].convert<std::string>();
    link.memberId = row[17].convert<std::string>();
    link.dose = row[18].convert<int>();
    if (purpose != nullptr) *purpose = row[19].convert<std::string>();
    if (const auto batchId = row[13].convert<std::string>(); !batchId.empty()) {
        link.batch = BatchTerms{batchId, row[14].convert<int>() != 0, std::nullopt};
        if (const auto code = row[15].convert<std::string>(); !code.empty())
            link.batch->declineCode = config::Code{code, row[16].convert<std::string>()};
    }
    // A link not yet used to book has no appointments to read.
    if (link.state != "sent" && link.state != "accessed") readAppointments(s, link);
    // Two states follow from facts kept elsewhere, so they are derived here rather than stored twice.
    const bool unused = link.state == "sent" || link.state == "accessed";
    if (link.state == "sent" && inviteState == "failed")
        link.state = "failed";
    else if (unused && clock_() >= link.expiresAt)
        link.state = "expired";
    return link;
}

void SelfBook::readAppointments(store::Session& s, Link& link) {
    Poco::Data::Statement appointments =
        s << "SELECT appointment_id, slot_id, slot_type, start_at, duration_minutes, COALESCE(clinician, ''), "
             "COALESCE(location, ''), telephone, state, at FROM link_appointments WHERE link_id = ? "
             "ORDER BY at, seq";
    appointments, useRef(link.id);
    appointments.execute();
    Poco::Data::RecordSet a(appointments);
    for (bool more = a.moveFirst(); more; more = a.moveNext()) {
        AppointmentRecord r;
        r.appointmentId = a[0].convert<std::string>();
        r.slot = {a[1].convert<std::string>(), a[2].convert<std::string>(), a[3].convert<int64_t>(),
                  a[4].convert<int>(),         a[5].convert<std::string>(), a[6].convert<std::string>(),
                  a[7].convert<int>() != 0};
        r.state = a[8].convert<std::string>();
        r.at = a[9].convert<int64_t>();
        link.appointments.push_back(std::move(r));
    }
}

Link SelfBook::load(store::Session& s, const std::string& linkId) {
    auto link = readLink(s, linkId, false, nullptr);
    if (!link) throw NotFound("no such link");
    Poco::Data::Statement events =
        s << "SELECT at, event, COALESCE(detail, '') FROM link_events WHERE link_id = ? ORDER BY at, seq";
    events, useRef(link->id);
    events.execute();
    Poco::Data::RecordSet e(events);
    for (bool more = e.moveFirst(); more; more = e.moveNext())
        link->events.push_back({e[0].convert<int64_t>(), e[1].convert<std::string>(), e[2].convert<std::string>()});
    return std::move(*link);
}

std::vector<Link> SelfBook::history(const std::string& organisation, const std::string& nhsNumber) {
    const auto nhs = kit::checkNhsNumber(nhsNumber);
    if (!nhs.ok()) throw InvalidRequest({{"nhs_number", nhs.problem}});
    auto s = store_.session();
    std::vector<std::string> ids;
    std::string org = organisation;
    std::string number = nhs.value;
    s << "SELECT id FROM links WHERE organisation = ? AND nhs_number = ? ORDER BY created_at DESC, id DESC", use(org),
        use(number), into(ids), now;
    std::vector<Link> out;
    for (const auto& id : ids)
        out.push_back(load(s, id));
    return out;
}

std::optional<Link> SelfBook::find(const std::string& organisation, const std::string& linkId) {
    auto s = store_.session();
    try {
        Link link = load(s, linkId);
        if (link.organisation != organisation) return std::nullopt;
        return link;
    } catch (const NotFound&) {
        return std::nullopt;
    }
}

bool SelfBook::expire(const std::string& organisation, const std::string& linkId) {
    if (!find(organisation, linkId)) throw NotFound("no such link");
    bool done = false;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        done = transition(s, linkId, {"sent", "accessed", "locked"}, "expired", at);
        if (done) addEvent(s, linkId, at, "expired", "by staff");
    });
    return done;
}

bool SelfBook::remove(const std::string& organisation, const std::string& linkId) {
    if (!find(organisation, linkId)) throw NotFound("no such link");
    bool done = false;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        done = transition(s, linkId, {"sent", "accessed", "locked", "expired", "declined", "booked", "rescheduled"},
                          "deleted", at);
        if (done) addEvent(s, linkId, at, "deleted", "by staff");
    });
    return done;
}

int SelfBook::sweepExpired() {
    int count = 0;
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        std::vector<std::string> ids;
        s << "SELECT id FROM links WHERE state IN ('sent', 'accessed') AND expires_at <= ?", use(at), into(ids), now;
        for (const auto& id : ids) {
            if (!transition(s, id, {"sent", "accessed"}, "expired", at)) continue;
            addEvent(s, id, at, "expired");
            ++count;
        }
    });
    if (count > 0) log::info("links_expired", {{"count", std::to_string(count)}});
    return count;
}

// ---- Patient --------------------------------------------------------------------------------------------

Visit SelfBook::open(const std::string& token) {
    Visit visit;
    if (token.empty() || token.size() > 128) return visit;
    std::string purpose;
    // The read's session goes back to the pool before the write takes one: a request holding two at once
    // would let http.threads requests exhaust a pool of twice that.
    {
        auto s = store_.session();
        auto link = readLink(s, tokenHash(token), true, &purpose);
        if (!link) return visit;
        visit.link = std::move(*link);
    }
    visit.runtime = runtime_.get();
    const auto& orgs = visit.runtime->config().organisations;
    const auto org = orgs.find(visit.link.organisation);
    visit.rule = org != orgs.end() ? ruleOf(visit.runtime, visit.link) : nullptr;
    // The organisation or its rule left the config: its links stop working.
    if (!visit.rule) return Visit{};
    visit.organisation = &org->second;
    visit.manage = purpose == "manage";
    if (visit.link.state == "sent") {
        store_.write([&](store::Session& w) {
            const int64_t at = clock_();
            if (transition(w, visit.link.id, {"sent"}, "accessed", at)) addEvent(w, visit.link.id, at, "accessed");
        });
        visit.link.state = "accessed";
    }
    visit.kind = kindOf(visit.link.state);
    return visit;
}

DobCheck SelfBook::checkDateOfBirth(const Visit& visit, const std::string& dateOfBirth) {
    DobCheck outcome = DobCheck::wrong;
    if (!visit.found()) return outcome;
    const Link& link = visit.link;
    store_.write([&](store::Session& s) {
        // Read again under the write lock: two wrong answers at once must both count.
        std::string state;
        int failed = 0;
        s << "SELECT state, failed_dob FROM links WHERE id = ?", useRef(link.id), into(state), into(failed), now;
        if (state == "locked" || failed >= kDateOfBirthTries) {
            outcome = DobCheck::locked;
            return;
        }
        const int64_t at = clock_();
        const auto given = kit::checkDateOfBirth(dateOfBirth, "9999-12-31");
        // The right date does not wipe the count: otherwise whoever knows it once could guess on for ever
        // for another patient's, four at a time, between two right answers.
        if (given.ok() && given.value == link.patient.dateOfBirth) {
            outcome = DobCheck::ok;
            return;
        }
        const int failures = failed + 1;
        s << "UPDATE links SET failed_dob = ?, updated_at = ? WHERE id = ?", useRef(failures), useRef(at),
            useRef(link.id), now;
        addEvent(s, link.id, at, "dob_failed", std::to_string(failures) + " of " + std::to_string(kDateOfBirthTries));
        if (failures >= kDateOfBirthTries) {
            s << "UPDATE links SET state = 'locked' WHERE id = ?", useRef(link.id), now;
            addEvent(s, link.id, at, "locked", "too many wrong dates of birth");
            log::warning("link_locked", {{"link", link.id}});
            outcome = DobCheck::locked;
        }
    });
    return outcome;
}

std::shared_ptr<AppointmentBook> SelfBook::bookFor(const Link& link) {
    if (!link.memberId.empty()) return linkBooks_ ? linkBooks_(link) : nullptr;
    auto connector = book(link.organisation);
    if (!connector || !connector->appointmentBook()) return nullptr;
    return {connector, connector->appointmentBook()}; // shares the connector's life
}

std::string SelfBook::bookName(const Link& link) {
    if (!link.memberId.empty()) return "campaign clinics";
    const auto connector = book(link.organisation);
    return connector ? connector->name() : "none";
}

Result SelfBook::offeredSlots(const Visit& found, std::vector<Slot>& slots) {
    if (auto cached = slotCache_.get(found.link.id)) {
        slots = std::move(*cached);
        return Result::success();
    }
    auto appointmentBook = bookFor(found.link);
    if (!appointmentBook)
        return Result::permanent("organisation " + found.link.organisation + " routes no appointment book");
    const auto permit = bookGate_.enter(found.link.organisation);
    if (!permit) return Result::retryable("the appointment book is busy");
    const int64_t from = clock_() / kMicrosPerSecond;
    const TimeRange range{from, from + int64_t{found.rule->horizonDays} * 86'400};
    slots.clear();
    // A campaign's clinics are chosen by the invite, not by the rule's slot types.
    const std::vector<std::string> types =
        found.link.memberId.empty() ? found.rule->slotTypes : std::vector<std::string>{""};
    for (const auto& type : types) {
        std::vector<Slot> some;
        Result r = appointmentBook->freeSlots(type, range, some);
        if (!r.ok()) {
            warnBookFailed(bookName(found.link), "free_slots", r);
            return r;
        }
        // A batch invites to face-to-face appointments only.
        if (found.link.batch) std::erase_if(some, [](const Slot& slot) { return slot.telephone; });
        slots.insert(slots.end(), some.begin(), some.end());
    }
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
    slotCache_.put(found.link.id, found.link.organisation, slots);
    return Result::success();
}

Result SelfBook::freeSlots(const Visit& visit, std::vector<Slot>& slots) {
    if (!visit.found()) return Result::permanent("no such link");
    return offeredSlots(visit, slots);
}

BookOutcome SelfBook::book(const Visit& visit, const std::string& slotId) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    return finishBooking(visit, slotId, false);
}

BookOutcome SelfBook::reschedule(const Visit& visit, const std::string& newSlotId) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    if (!visit.rule->allowReschedule) return {BookOutcome::Kind::notAllowed, {}, "this rule does not allow changes"};
    return finishBooking(visit, newSlotId, true);
}

BookOutcome SelfBook::finishBooking(const Visit& found, const std::string& slotId, bool reschedule) {
    const std::string& linkId = found.link.id;
    const Link& link = found.link;
    const std::string restore = reschedule ? link.state : "accessed";

    // Only a slot this link may book: one of its rule's types, free, within its horizon.
    std::vector<Slot> offered;
    if (Result r = offeredSlots(found, offered); !r.ok()) return {BookOutcome::Kind::failed, {}, r.message};
    auto slot = std::find_if(offered.begin(), offered.end(), [&](const Slot& s) { return s.id == slotId; });

    bool claimed = false;
    store_.write([&](store::Session& s) {
        // Each list is spelled at its call: an initializer_list's array dies with its full-expression.
        claimed = reschedule ? transition(s, linkId, {"booked", "rescheduled"}, "booking", clock_())
                             : transition(s, linkId, {"sent", "accessed"}, "booking", clock_(), clock_());
    });
    if (!claimed) {
        auto s = store_.session();
        const Link now = load(s, linkId);
        if (!reschedule && (now.state == "booked" || now.state == "rescheduled" || now.state == "booking"))
            return {BookOutcome::Kind::alreadyBooked, {}, "this link has already been used to book"};
        return {BookOutcome::Kind::notAllowed, {}, "this link can no longer book (" + now.state + ")"};
    }
    auto release = [&](const std::string& event, const std::string& detail) {
        store_.write([&](store::Session& s) {
            const int64_t at = clock_();
            transition(s, linkId, {"booking"}, restore, at);
            if (!event.empty()) addEvent(s, linkId, at, event, detail);
        });
    };
    if (slot == offered.end()) {
        release("slot_taken", "");
        return {BookOutcome::Kind::slotTaken, {}, "that slot is no longer free"};
    }

    auto appointmentBook = bookFor(link);
    Appointment appointment;
    const Patient patient{link.patient.nhsNumber, link.patient.dateOfBirth, link.patient.mobile, link.patient.name, {}};
    const std::string note = "Booked online by the patient (clinhub self-book link " + link.id + ")";
    const Result r = [&] {
        const auto permit = bookGate_.enter(link.organisation);
        if (!permit) return Result::retryable("the appointment book is busy");
        return appointmentBook->book(slotId, patient, note, appointment);
    }();
    // Taken or not, this organisation's free slots have changed (or were out of date).
    slotCache_.forgetOrganisation(link.organisation);
    if (r.status == Status::conflict) {
        release("slot_taken", "");
        return {BookOutcome::Kind::slotTaken, {}, r.message};
    }
    if (!r.ok()) {
        release("book_failed", r.message);
        warnBookFailed(bookName(link), "book", r);
        log::warning("booking_failed", {{"link", link.id}, {"error", r.message}});
        return {BookOutcome::Kind::failed, {}, r.message};
    }
    if (appointment.slot.id.empty()) appointment.slot = *slot;

    const AppointmentRecord* previous = link.currentAppointment();
    if (reschedule && previous != nullptr) {
        // The old appointment goes only now that the new one is held.
        const Result cancelled = appointmentBook->cancel(previous->appointmentId);
        if (!cancelled.ok()) log::error("reschedule_cancel_failed", {{"link", link.id}, {"error", cancelled.message}});
    }

    AppointmentRecord record{appointment.id, appointment.slot, "booked", clock_()};
    std::string manageToken;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        const std::string state = reschedule ? "rescheduled" : "booked";
        transition(s, linkId, {"booking"}, state, at);
        if (reschedule && previous != nullptr) {
            s << "UPDATE link_appointments SET state = 'replaced' WHERE link_id = ? AND appointment_id = ?",
                useRef(linkId), useRef(previous->appointmentId), now;
        }
        insertAppointment(s, linkId, appointment, "booked", at);
        addEvent(s, linkId, at, state, appointment.slot.slotType + " at " + kit::ukWhenText(appointment.slot.start));
        // The confirmation carries a manage link of its own: the booking link is spent.
        manageToken = randomToken(32);
        const std::string hash = tokenHash(manageToken);
        s << "INSERT INTO link_tokens (token_hash, link_id, purpose, created_at) VALUES (?, ?, 'manage', ?)",
            useRef(hash), useRef(linkId), useRef(at), now;
        const Values values = {{"practice", found.organisation->name},
                               {"title", found.rule->title},
                               {"name", link.patient.name},
                               {"when", kit::ukWhenText(appointment.slot.start)},
                               {"where", appointment.slot.location},
                               {"url", found.runtime->config().http.publicUrl + "/b/" + manageToken}};
        const domain::MessageTemplate confirmation = domain::scanTemplate(
            templateOf(*found.rule, "confirmation_sms", kDefaultConfirmation), domain::kBookingPlaceholders);
        outbox::Outbox::enqueue(s, {link.organisation, outbox::Channel::sms,
                                    smsPayload(link.patient.mobile, domain::render(confirmation, values)), 0, nullptr});
        if (reschedule && previous != nullptr && previous->slot.clinician != appointment.slot.clinician &&
            !found.organisation->notifyEmail.empty())
            outbox::Outbox::enqueue(s, {link.organisation, outbox::Channel::email,
                                        clinicianNotice(found, *previous, appointment), 0, nullptr});
        if (!reschedule && found.rule->bookedCode)
            outbox::Outbox::enqueue(s, {link.organisation, outbox::Channel::record,
                                        recordPayload(link.patient, *found.rule->bookedCode), 0, nullptr});
    });
    log::info(reschedule ? "link_rescheduled" : "link_booked", {{"link", link.id}, {"appointment", appointment.id}});
    return {BookOutcome::Kind::booked, record, {}};
}

BookOutcome SelfBook::decline(const Visit& visit) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    if (!visit.rule->allowDecline) return {BookOutcome::Kind::notAllowed, {}, "this rule does not allow declining"};
    bool done = false;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        done = transition(s, visit.link.id, {"sent", "accessed"}, "declined", at, at);
        if (!done) return;
        addEvent(s, visit.link.id, at, "declined");
        if (!visit.link.memberId.empty())
            if (auto clinics = bookFor(visit.link)) std::static_pointer_cast<LinkBook>(clinics)->declined(s, at);
        if (visit.rule->declineCode)
            outbox::Outbox::enqueue(s, {visit.link.organisation, outbox::Channel::record,
                                        recordPayload(visit.link.patient, *visit.rule->declineCode), 0, nullptr});
    });
    if (!done) {
        const auto kind = kindOf(visit.link.state) == Visit::Kind::booked ? BookOutcome::Kind::alreadyBooked
                                                                          : BookOutcome::Kind::notAllowed;
        return {kind, {}, "this link can no longer be declined (" + visit.link.state + ")"};
    }
    log::info("link_declined", {{"link", visit.link.id}});
    return {BookOutcome::Kind::declined, {}, {}};
}

// ---- Sessions -------------------------------------------------------------------------------------------

SelfBook::Session SelfBook::startSession(const Visit& visit) {
    if (!visit.found()) throw NotFound("no such link");
    Session session;
    session.id = randomToken(32);
    session.csrf = randomToken(24);
    session.linkId = visit.link.id;
    session.expiresAt = clock_() + kSessionMicros;
    const std::string hash = tokenHash(session.id);
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        // Sessions past their time are of no use to anyone: clear them as new ones start.
        s << "DELETE FROM patient_sessions WHERE expires_at <= ?", use(at), now;
        s << "INSERT INTO patient_sessions (id_hash, link_id, csrf, expires_at) VALUES (?, ?, ?, ?)", useRef(hash),
            useRef(session.linkId), useRef(session.csrf), useRef(session.expiresAt), now;
    });
    return session;
}

std::optional<SelfBook::Session> SelfBook::session(const std::string& sessionId, const Visit& visit) {
    if (sessionId.empty() || !visit.found()) return std::nullopt;
    auto s = store_.session();
    std::string hash = tokenHash(sessionId);
    std::vector<std::string> links;
    std::vector<std::string> csrfs;
    std::vector<int64_t> expiries;
    s << "SELECT link_id, csrf, expires_at FROM patient_sessions WHERE id_hash = ?", use(hash), into(links),
        into(csrfs), into(expiries), now;
    if (links.empty() || expiries.front() <= clock_()) return std::nullopt;
    // A session opens only the link it was started on.
    if (links.front() != visit.link.id) return std::nullopt;
    return Session{sessionId, csrfs.front(), links.front(), expiries.front()};
}

int64_t SelfBook::forgetPatients(store::Session& s, const store::Forget& f) {
    static constexpr store::ForgetSql kLinks{
        "links", "id", "organisation = ? AND nhs_number <> '' AND expires_at < ? AND updated_at < ?",
        "nhs_number = '', date_of_birth = '', mobile = '', name = NULL"};
    return store::forgetRows(s, f, kLinks);
}

} // namespace clinhub::workflows

#include "hub/workflows/SelfBook.h"

#include "hub/domain/MessageTemplate.h"
#include "hub/links/LinkRepository.h"
#include "hub/links/ReminderRepository.h"
#include "hub/log/Log.h"
#include "hub/outbox/Outbox.h"
#include "hub/store/SortableId.h"
#include "hub/workflows/BookFailure.h"
#include "hub/workflows/InviteText.h"
#include "hub/workflows/Messages.h"
#include "hub/workflows/ToPatient.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace clinhub::workflows {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

using Values = std::map<std::string, std::string, std::less<>>;

// The code a rule writes to the patient's record.
outbox::RecordPayload recordOf(const PatientDetails& p, const config::Code& code) {
    return {{p.nhsNumber, p.dateOfBirth, {}, {}, {}}, code.code, code.term};
}

Visit::Kind kindOf(LinkState state) {
    switch (state) {
    case LinkState::sent:
    case LinkState::accessed:
    case LinkState::booking: return Visit::Kind::open;
    case LinkState::booked:
    case LinkState::rescheduled: return Visit::Kind::booked;
    case LinkState::declined: return Visit::Kind::declined;
    case LinkState::cancelled: return Visit::Kind::cancelled;
    case LinkState::expired: return Visit::Kind::expired;
    case LinkState::deleted: return Visit::Kind::deleted;
    case LinkState::locked: return Visit::Kind::locked;
    case LinkState::failed: return Visit::Kind::failed;
    }
    return Visit::Kind::unknown;
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

SelfBook::CheckedLink SelfBook::checkLink(const runtime::Runtime& runtime, const std::string& organisation,
                                          const std::string& ruleId, const PatientDetails& patient,
                                          const std::string& message, int64_t at) {
    const auto& config = runtime.config();
    const auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");
    std::vector<FieldError> errors;
    const auto rule = org->second.rules.find(ruleId);
    if (rule == org->second.rules.end())
        errors.push_back({"rule", ruleId.empty() ? "rule is missing" : "no booking rule '" + ruleId + "' here"});
    const auto nhs = kit::checkNhsNumber(patient.nhsNumber);
    if (!nhs.ok()) errors.push_back({"patient.nhs_number", nhs.problem});
    const auto dob = kit::checkDateOfBirth(patient.dateOfBirth, kit::ukDate(at));
    if (!dob.ok()) errors.push_back({"patient.date_of_birth", dob.problem});
    const auto mobile = kit::checkUkMobile(patient.mobile);
    if (!mobile.ok()) errors.push_back({"patient.mobile", mobile.problem});
    if (patient.name.size() > 100) errors.push_back({"patient.name", "name is longer than 100 characters"});
    InviteText invite;
    if (rule != org->second.rules.end()) {
        invite = checkInviteText(runtime, organisation, rule->second,
                                 message.empty() ? messages::inviteSms(rule->second) : message, patient.name);
        errors.insert(errors.end(), invite.errors.begin(), invite.errors.end());
    }
    if (!errors.empty()) throw InvalidRequest(std::move(errors));
    return {&org->second,
            &rule->second,
            {nhs.value, dob.value, mobile.value, patient.name},
            std::move(invite.text),
            std::move(invite.example),
            invite.fragments};
}

CreatedLink SelfBook::insertChecked(store::Session& s, const config::Config& config, const CheckedLink& checked,
                                    int64_t at, bool anyHour, const audit::Context& by, const std::string& detail) {
    const BatchInvite invite{"", checked.invite, checked.rule->inviteCode, 0, anyHour};
    auto created = std::move(
        insertLinks(s, config, *checked.organisation, *checked.rule, invite, {checked.patient}, {}, at).front());
    created.smsFragments = checked.smsFragments;
    audit::AuditLog::append(s, {at, by.actor, by.action, checked.organisation->ods, created.link.id,
                                checked.patient.nhsNumber, audit::Outcome::success, detail});
    return created;
}

CreatedLink SelfBook::createLink(const std::string& organisation, const std::string& ruleId,
                                 const PatientDetails& patient, const audit::Context& by, const std::string& message,
                                 bool anyHour) {
    const auto runtime = runtime_.get();
    const int64_t at = clock_();
    const auto checked = checkLink(*runtime, organisation, ruleId, patient, message, at);
    CreatedLink created;
    store_.write(
        [&](store::Session& s) { created = insertChecked(s, runtime->config(), checked, at, anyHour, by, {}); });
    log::info("link_created", {{"link", created.link.id}, {"organisation", organisation}, {"rule", ruleId}});
    return created;
}

CreatedLink SelfBook::resend(const std::string& organisation, const std::string& linkId, const audit::Context& by) {
    const auto old = find(organisation, linkId);
    if (!old) throw NotFound("no such link");
    if (old->patient.nhsNumber.empty())
        throw InvalidRequest(std::vector<FieldError>{
            {"link", "the patient's details were removed after the organisation's retention period: send a new link"}});
    const auto runtime = runtime_.get();
    const int64_t at = clock_();
    const auto checked = checkLink(*runtime, organisation, old->rule, old->patient, {}, at);
    CreatedLink created;
    store_.write([&](store::Session& s) {
        links::LinkRepository repository(s);
        if (repository.move(linkId, links::moves::expireByStaff, at))
            repository.addEvent(linkId, at, "expired", "by " + by.actor.name + ", sent again");
        created = insertChecked(s, runtime->config(), checked, at, false, by, "sent again in place of " + linkId);
    });
    log::info("link_created", {{"link", created.link.id}, {"organisation", organisation}, {"rule", old->rule}});
    return created;
}

LinkPreview SelfBook::previewLink(const std::string& organisation, const std::string& ruleId,
                                  const PatientDetails& patient, const std::string& message) {
    auto checked = checkLink(*runtime_.get(), organisation, ruleId, patient, message, clock_());
    return {std::move(checked.patient), std::move(checked.example), checked.smsFragments};
}

std::vector<CreatedLink> SelfBook::mintBatchLinks(store::Session& s, const std::string& organisation,
                                                  const std::string& ruleId, const BatchInvite& invite,
                                                  const std::vector<PatientDetails>& patients,
                                                  const std::vector<std::string>& memberIds) {
    const auto runtime = runtime_.get();
    const auto& config = runtime->config();
    const auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");
    const auto rule = org->second.rules.find(ruleId);
    if (rule == org->second.rules.end()) throw NotFound("no booking rule '" + ruleId + "' here");
    return insertLinks(s, config, org->second, rule->second, invite, patients, memberIds, clock_());
}

std::vector<CreatedLink> SelfBook::insertLinks(store::Session& s, const config::Config& config,
                                               const config::Organisation& organisation, const config::Rule& rule,
                                               const BatchInvite& invite, const std::vector<PatientDetails>& patients,
                                               const std::vector<std::string>& memberIds, int64_t at) {
    const std::size_t n = patients.size();
    // Checked when the batch or the config was accepted; scanned again so a text stored by an older hub
    // cannot reach patients unchecked.
    const domain::MessageTemplate text = domain::scanTemplate(invite.message, domain::kInvitePlaceholders);
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
        link.state = LinkState::sent;
        if (i < memberIds.size()) {
            link.memberId = memberIds[i];
            link.dose = invite.dose;
        }
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
        invites.push_back(
            toPatient(config, organisation, rule, link.patient, domain::render(text, values)).about(link.id));
        invites.back().anyHour = invite.anyHour;
        if (invite.inviteCode)
            invites.back().afterSent = std::make_shared<outbox::NewMessage>(
                outbox::NewMessage::of(organisation.ods, recordOf(link.patient, *invite.inviteCode)));
    }
    std::vector<std::string> references(n);
    const auto queued = outbox::Outbox::enqueueAll(s, invites);
    for (std::size_t k = 0; k < texted.size(); ++k)
        references[texted[k]] = queued[k];

    std::vector<links::NewLink> rows(n);
    for (std::size_t i = 0; i < n; ++i) {
        Link& link = created[i].link;
        link.inviteReference = references[i];
        link.events.push_back({at, "sent", link.inviteReference.empty() ? "" : "invite " + link.inviteReference});
        rows[i] = {link, tokenHash(created[i].token), invite.batchId};
    }
    links::LinkRepository(s).insert(rows, at);
    return created;
}

Link SelfBook::load(store::Session& s, const std::string& linkId) {
    links::LinkRepository repository(s);
    auto link = repository.byId(linkId, clock_());
    if (!link) throw NotFound("no such link");
    link->events = repository.events(link->id);
    return std::move(*link);
}

std::vector<Link> SelfBook::history(const std::string& organisation, const std::string& nhsNumber,
                                    const audit::Context& by) {
    const auto nhs = kit::checkNhsNumber(nhsNumber);
    if (!nhs.ok()) throw InvalidRequest({{"nhs_number", nhs.problem}});
    audit::AuditLog(store_, clock_)
        .append({clock_(), by.actor, by.action, organisation, {}, nhs.value, audit::Outcome::success, "viewed"});
    auto s = store_.session();
    std::vector<Link> out;
    for (const auto& id : links::LinkRepository(s).idsOfPatient(organisation, nhs.value))
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

LinkPage SelfBook::list(const links::LinkFilter& filter) {
    auto s = store_.session();
    links::LinkRepository repository(s);
    const int64_t at = clock_();
    if (!filter.before.empty()) {
        const auto last = repository.byId(filter.before, at);
        if (!last || last->organisation != filter.organisation)
            throw InvalidRequest(std::vector<FieldError>{
                {"before", "not a link of this organisation's: use the next_before of the page before"}});
    }
    // One more than the page says whether another follows, so a full last page has no next.
    links::LinkFilter oneMore = filter;
    ++oneMore.limit;
    LinkPage page{repository.page(oneMore, at), {}};
    if (static_cast<int>(page.links.size()) > filter.limit) {
        page.links.resize(static_cast<std::size_t>(filter.limit));
        page.next = page.links.back().id;
    }
    return page;
}

std::map<std::string, int64_t> SelfBook::activitySince(const std::string& organisation, int64_t since) {
    auto s = store_.session();
    return links::LinkRepository(s).countEventsSince(organisation, since);
}

bool SelfBook::expire(const std::string& organisation, const std::string& linkId, const audit::Context& by) {
    return staffMove(organisation, linkId, links::moves::expireByStaff, "expired", by);
}

bool SelfBook::remove(const std::string& organisation, const std::string& linkId, const audit::Context& by) {
    return staffMove(organisation, linkId, links::moves::remove, "deleted", by);
}

bool SelfBook::staffMove(const std::string& organisation, const std::string& linkId, const links::Move& move,
                         const std::string& event, const audit::Context& by) {
    if (!find(organisation, linkId)) throw NotFound("no such link");
    bool done = false;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        links::LinkRepository repository(s);
        done = repository.move(linkId, move, at);
        if (!done) return;
        repository.addEvent(linkId, at, event, "by " + by.actor.name);
        audit::AuditLog::append(s, {at,
                                    by.actor,
                                    by.action,
                                    organisation,
                                    linkId,
                                    repository.nhsNumberOf(linkId),
                                    audit::Outcome::success,
                                    {}});
    });
    return done;
}

int SelfBook::sweepExpired() {
    int count = 0;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        links::LinkRepository repository(s);
        for (const auto& id : repository.lapsedIds(at)) {
            if (!repository.move(id, links::moves::lapse, at)) continue;
            repository.addEvent(id, at, "expired");
            ++count;
        }
    });
    if (count > 0) log::info("links_expired", {{"count", count}});
    return count;
}

// ---- Patient --------------------------------------------------------------------------------------------

Visit SelfBook::open(const std::string& token) {
    Visit visit;
    if (token.empty() || token.size() > 128) return visit;
    // The read's session goes back to the pool before the write takes one: a request holding two at once
    // would let http.threads requests exhaust a pool of twice that.
    {
        auto s = store_.session();
        auto found = links::LinkRepository(s).byToken(tokenHash(token), clock_());
        if (!found) return visit;
        visit.link = std::move(found->first);
        visit.manage = found->second == links::TokenPurpose::manage;
    }
    visit.runtime = runtime_.get();
    const auto& orgs = visit.runtime->config().organisations;
    const auto org = orgs.find(visit.link.organisation);
    visit.rule = org != orgs.end() ? ruleOf(visit.runtime, visit.link) : nullptr;
    // The organisation or its rule left the config: its links stop working.
    if (!visit.rule) return Visit{};
    visit.organisation = &org->second;
    if (visit.link.state == LinkState::sent) {
        store_.write([&](store::Session& w) {
            const int64_t at = clock_();
            links::LinkRepository repository(w);
            if (repository.move(visit.link.id, links::moves::open, at))
                repository.addEvent(visit.link.id, at, "accessed");
        });
        visit.link.state = LinkState::accessed;
    }
    visit.kind = kindOf(visit.link.state);
    return visit;
}

DobCheck SelfBook::checkDateOfBirth(const Visit& visit, const std::string& dateOfBirth) {
    DobCheck outcome = DobCheck::wrong;
    if (!visit.found()) return outcome;
    const Link& link = visit.link;
    store_.write([&](store::Session& s) {
        links::LinkRepository repository(s);
        // Read again under the write lock: two wrong answers at once must both count.
        const auto [state, failed] = repository.dateOfBirthTries(link.id);
        if (state == LinkState::locked || failed >= kDateOfBirthTries) {
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
        repository.countWrongDateOfBirth(link.id, failures, at);
        repository.addEvent(link.id, at, "dob_failed",
                            std::to_string(failures) + " of " + std::to_string(kDateOfBirthTries));
        if (failures >= kDateOfBirthTries) {
            repository.move(link.id, links::moves::lock, at);
            repository.addEvent(link.id, at, "locked", "too many wrong dates of birth");
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
    // A campaign's clinics are its own; an organisation's book holds both kinds, and the rule says which.
    if (found.link.memberId.empty()) keepOffered(*found.rule, from, slots);
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
    slotCache_.put(found.link.id, found.link.organisation, slots);
    return Result::success();
}

Result SelfBook::freeSlots(const Visit& visit, std::vector<Slot>& slots) {
    if (!visit.found()) return Result::permanent("no such link");
    return offeredSlots(visit, slots);
}

Result SelfBook::freeWindows(const Visit& visit, std::vector<DayWindow>& windows) {
    std::vector<Slot> slots;
    if (Result r = freeSlots(visit, slots); !r.ok()) return r;
    windows = dayWindows(*visit.rule, slots);
    return Result::success();
}

BookOutcome SelfBook::bookWindow(const Visit& visit, const std::string& day, const std::string& label,
                                 bool reschedule) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    if (visit.rule->mode != config::AppointmentMode::telephone)
        return {BookOutcome::Kind::notAllowed, {}, "this rule books times, not windows"};
    if (reschedule && !visit.rule->allowReschedule)
        return {BookOutcome::Kind::notAllowed, {}, "this rule does not allow changes"};
    std::vector<DayWindow> windows;
    if (Result r = freeWindows(visit, windows); !r.ok()) return {BookOutcome::Kind::failed, {}, r.message};
    const auto window = std::find_if(windows.begin(), windows.end(),
                                     [&](const DayWindow& w) { return w.day == day && w.label == label; });
    if (window == windows.end()) return {BookOutcome::Kind::slotTaken, {}, "no free slot is left in that window"};
    // Another patient may take a slot between the list and the book: the next one in the window will do.
    BookOutcome outcome{BookOutcome::Kind::slotTaken, {}, "no free slot is left in that window"};
    for (const auto& slotId : window->slots) {
        outcome = finishBooking(visit, slotId, reschedule, &*window);
        if (outcome.kind != BookOutcome::Kind::slotTaken) break;
    }
    return outcome;
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

BookOutcome SelfBook::finishBooking(const Visit& found, const std::string& slotId, bool reschedule,
                                    const DayWindow* window) {
    const std::string& linkId = found.link.id;
    const Link& link = found.link;
    // Where the link goes back to when the book does not take the appointment.
    const links::Move& abandon = !reschedule                            ? links::moves::abandonBooking
                                 : link.state == LinkState::rescheduled ? links::moves::abandonRebooking
                                                                        : links::moves::abandonRescheduling;

    // Only a slot this link may book: one of its rule's types, free, within its horizon.
    std::vector<Slot> offered;
    if (Result r = offeredSlots(found, offered); !r.ok()) return {BookOutcome::Kind::failed, {}, r.message};
    auto slot = std::find_if(offered.begin(), offered.end(), [&](const Slot& s) { return s.id == slotId; });

    bool claimed = false;
    store_.write([&](store::Session& s) {
        claimed = links::LinkRepository(s).move(
            linkId, reschedule ? links::moves::startRescheduling : links::moves::startBooking, clock_());
    });
    if (!claimed) {
        auto s = store_.session();
        const Link now = load(s, linkId);
        if (!reschedule && (links::booked(now.state) || now.state == LinkState::booking))
            return {BookOutcome::Kind::alreadyBooked, {}, "this link has already been used to book"};
        return {BookOutcome::Kind::notAllowed,
                {},
                "this link can no longer book (" + std::string(links::toString(now.state)) + ")"};
    }
    auto release = [&](const std::string& event, const std::string& detail) {
        store_.write([&](store::Session& s) {
            const int64_t at = clock_();
            links::LinkRepository repository(s);
            repository.move(linkId, abandon, at);
            if (!event.empty()) repository.addEvent(linkId, at, event, detail);
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

    AppointmentRecord record{appointment.id, appointment.slot, AppointmentState::booked, clock_()};
    if (window) {
        record.callFrom = window->from;
        record.callTo = window->to;
    }
    const std::string when = window ? callWhenText(window->from, window->to) : kit::ukWhenText(appointment.slot.start);
    std::string manageToken;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        links::LinkRepository repository(s);
        const links::Move& finish = reschedule ? links::moves::finishRescheduling : links::moves::finishBooking;
        repository.move(linkId, finish, at);
        if (reschedule && previous != nullptr) repository.markReplaced(linkId, previous->appointmentId);
        repository.addAppointment(linkId, appointment, at, record.callFrom, record.callTo);
        repository.addEvent(linkId, at, std::string(links::toString(finish.to)),
                            appointment.slot.slotType + (window ? " " : " at ") + when);
        // The confirmation carries a manage link of its own: the booking link is spent.
        manageToken = randomToken(32);
        repository.addToken(tokenHash(manageToken), linkId, links::TokenPurpose::manage, at);
        const Values values = {{"practice", found.organisation->name},
                               {"title", found.rule->title},
                               {"name", link.patient.name},
                               {"when", when},
                               {"where", appointment.slot.location},
                               {"url", found.runtime->config().http.publicUrl + "/b/" + manageToken}};
        const domain::MessageTemplate confirmation =
            domain::scanTemplate(messages::confirmationSms(*found.rule), domain::kBookingPlaceholders);
        outbox::Outbox::enqueue(s, toPatient(found.runtime->config(), *found.organisation, *found.rule, link.patient,
                                             domain::render(confirmation, values))
                                       .about(linkId));
        if (reschedule && previous != nullptr && previous->slot.clinician != appointment.slot.clinician &&
            !found.organisation->notifyEmail.empty())
            outbox::Outbox::enqueue(
                s, outbox::NewMessage::of(link.organisation, messages::clinicianMoved(
                                                                 found.organisation->notifyEmail,
                                                                 {found.rule->title, appointment.id,
                                                                  appointment.slot.clinician, previous->slot.clinician,
                                                                  appointment.slot.start, appointment.slot.location})));
        if (!reschedule && found.rule->bookedCode)
            outbox::Outbox::enqueue(
                s, outbox::NewMessage::of(link.organisation, recordOf(link.patient, *found.rule->bookedCode))
                       .about(linkId));
    });
    log::info(reschedule ? "link_rescheduled" : "link_booked", {{"link", link.id}, {"appointment", appointment.id}});
    return {BookOutcome::Kind::booked, record, {}};
}

BookOutcome SelfBook::cancel(const Visit& visit) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    if (!visit.rule->allowCancel) return {BookOutcome::Kind::notAllowed, {}, "this rule does not allow cancelling"};
    return finishCancelling(visit, nullptr);
}

BookOutcome SelfBook::cancelByStaff(const std::string& organisation, const std::string& linkId,
                                    const audit::Context& by) {
    Visit visit;
    {
        auto s = store_.session();
        visit.link = load(s, linkId);
    }
    if (visit.link.organisation != organisation) throw NotFound("no such link");
    visit.runtime = runtime_.get();
    const auto& orgs = visit.runtime->config().organisations;
    const auto org = orgs.find(organisation);
    visit.rule = org != orgs.end() ? ruleOf(visit.runtime, visit.link) : nullptr;
    if (!visit.rule) return {BookOutcome::Kind::notAllowed, {}, "the link's rule is no longer in the config"};
    visit.organisation = &org->second;
    visit.kind = kindOf(visit.link.state);
    return finishCancelling(visit, &by);
}

BookOutcome SelfBook::finishCancelling(const Visit& visit, const audit::Context* by) {
    const Link& link = visit.link;
    const AppointmentRecord* current = link.currentAppointment();
    if (!links::booked(link.state) || current == nullptr)
        return {BookOutcome::Kind::notAllowed, {}, "this link holds no appointment to cancel"};
    // Held as a reschedule holds it, so the patient cannot move what is being cancelled.
    bool claimed = false;
    store_.write([&](store::Session& s) {
        claimed = links::LinkRepository(s).move(link.id, links::moves::startRescheduling, clock_());
    });
    if (!claimed) return {BookOutcome::Kind::notAllowed, {}, "the appointment is being changed: try again"};
    const links::Move& abandon =
        link.state == LinkState::rescheduled ? links::moves::abandonRebooking : links::moves::abandonRescheduling;

    auto appointmentBook = bookFor(link);
    const Result r = [&] {
        if (!appointmentBook)
            return Result::permanent("organisation " + link.organisation + " routes no appointment book");
        const auto permit = bookGate_.enter(link.organisation);
        if (!permit) return Result::retryable("the appointment book is busy");
        return appointmentBook->cancel(current->appointmentId);
    }();
    slotCache_.forgetOrganisation(link.organisation);
    if (!r.ok()) {
        store_.write([&](store::Session& s) {
            const int64_t at = clock_();
            links::LinkRepository repository(s);
            repository.move(link.id, abandon, at);
            repository.addEvent(link.id, at, "cancel_failed", r.message);
        });
        warnBookFailed(bookName(link), "cancel", r);
        return {BookOutcome::Kind::failed, {}, r.message};
    }

    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        links::LinkRepository repository(s);
        repository.move(link.id, links::moves::finishCancelling, at);
        repository.markCancelled(link.id, current->appointmentId);
        repository.addEvent(link.id, at, "cancelled",
                            current->slot.slotType + " at " + kit::ukWhenText(current->slot.start) +
                                (by != nullptr ? ", by " + by->actor.name : ", by the patient"));
        // Reminders of it that have not gone yet never will.
        outbox::Outbox::cancelQueued(s, links::ReminderRepository(s).referencesOf(link.id, current->appointmentId),
                                     "not needed: the appointment was cancelled");
        // Its {{url}} opens the link, which now says the appointment is cancelled.
        const std::string token = randomToken(32);
        repository.addToken(tokenHash(token), link.id, links::TokenPurpose::manage, at);
        const Values values = {{"practice", visit.organisation->name},
                               {"title", visit.rule->title},
                               {"name", link.patient.name},
                               {"when", current->callFrom != 0 ? callWhenText(current->callFrom, current->callTo)
                                                               : kit::ukWhenText(current->slot.start)},
                               {"where", current->slot.location},
                               {"url", visit.runtime->config().http.publicUrl + "/b/" + token}};
        const auto text = domain::scanTemplate(messages::cancellationSms(*visit.rule), domain::kBookingPlaceholders);
        if (!link.patient.nhsNumber.empty())
            outbox::Outbox::enqueue(s, toPatient(visit.runtime->config(), *visit.organisation, *visit.rule,
                                                 link.patient, domain::render(text, values))
                                           .about(link.id));
        if (by != nullptr)
            audit::AuditLog::append(s, {at,
                                        by->actor,
                                        by->action,
                                        link.organisation,
                                        link.id,
                                        link.patient.nhsNumber,
                                        audit::Outcome::success,
                                        {}});
    });
    log::info("link_cancelled", {{"link", link.id}, {"by", by != nullptr ? "staff" : "patient"}});
    return {BookOutcome::Kind::cancelled,
            {current->appointmentId, current->slot, links::AppointmentState::cancelled, clock_()},
            {}};
}

BookOutcome SelfBook::decline(const Visit& visit) {
    if (!visit.found()) return {BookOutcome::Kind::notAllowed, {}, "no such link"};
    if (!visit.rule->allowDecline) return {BookOutcome::Kind::notAllowed, {}, "this rule does not allow declining"};
    bool done = false;
    store_.write([&](store::Session& s) {
        const int64_t at = clock_();
        links::LinkRepository repository(s);
        done = repository.move(visit.link.id, links::moves::decline, at);
        if (!done) return;
        repository.addEvent(visit.link.id, at, "declined");
        if (!visit.link.memberId.empty())
            if (auto clinics = bookFor(visit.link)) std::static_pointer_cast<LinkBook>(clinics)->declined(s, at);
        if (visit.rule->declineCode)
            outbox::Outbox::enqueue(s, outbox::NewMessage::of(visit.link.organisation,
                                                              recordOf(visit.link.patient, *visit.rule->declineCode))
                                           .about(visit.link.id));
    });
    if (!done) {
        const auto kind = kindOf(visit.link.state) == Visit::Kind::booked ? BookOutcome::Kind::alreadyBooked
                                                                          : BookOutcome::Kind::notAllowed;
        return {
            kind, {}, "this link can no longer be declined (" + std::string(links::toString(visit.link.state)) + ")"};
    }
    log::info("link_declined", {{"link", visit.link.id}});
    return {BookOutcome::Kind::declined, {}, {}};
}

} // namespace clinhub::workflows

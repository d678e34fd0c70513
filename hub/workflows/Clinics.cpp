#include "hub/workflows/Clinics.h"

#include "hub/cohorts/MemberRepository.h"
#include "hub/domain/Vaccination.h"
#include "hub/log/Log.h"
#include "hub/store/SortableId.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/RecordSet.h>

#include <algorithm>
#include <limits>

namespace clinhub::workflows {

using namespace Poco::Data::Keywords;

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int kMaxCapacity = 100000;

constexpr const char* kColumns = "id, organisation, campaign, dose, vaccine_code, vaccine_term, location, starts_at, "
                                 "ends_at, capacity, booked, published, community, COALESCE(school_urn, '')";

std::vector<Clinic> readClinics(Poco::Data::Statement& select) {
    select.execute();
    Poco::Data::RecordSet rows(select);
    std::vector<Clinic> out;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        Clinic c;
        c.id = rows[0].convert<std::string>();
        c.organisation = rows[1].convert<std::string>();
        c.campaign = rows[2].convert<std::string>();
        c.dose = rows[3].convert<std::string>();
        c.vaccine = {rows[4].convert<std::string>(), rows[5].convert<std::string>()};
        c.location = rows[6].convert<std::string>();
        c.startsAt = rows[7].convert<int64_t>();
        c.endsAt = rows[8].convert<int64_t>();
        c.capacity = rows[9].convert<int>();
        c.booked = rows[10].convert<int>();
        c.published = rows[11].convert<int>() != 0;
        c.community = rows[12].convert<int>() != 0;
        c.schoolUrn = rows[13].convert<std::string>();
        out.push_back(std::move(c));
    }
    return out;
}

// What an update changed, for the audit trail.
std::string changes(const ClinicChange& change) {
    std::vector<std::string> parts;
    if (change.published) parts.emplace_back(*change.published ? "published" : "hidden");
    if (change.capacity) parts.push_back("capacity " + std::to_string(*change.capacity));
    if (change.dose) parts.push_back("dose " + *change.dose);
    if (change.vaccine) parts.push_back("vaccine " + change.vaccine->code);
    if (change.location) parts.emplace_back("location");
    if (change.date || change.start || change.end) parts.emplace_back("moved");
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ", ") + p;
    return out.empty() ? "nothing changed" : out;
}

// "HH:MM", UK time, of an instant on the UK day `date`.
std::string ukClock(int64_t epochSeconds, const std::string& date) {
    const auto day = std::chrono::sys_days(*kit::parseDate(date));
    int minute = static_cast<int>((epochSeconds - kit::ukMidnight(date)) / 60);
    // A day the clocks change on is an hour shorter or longer than its midnight says.
    for (const int shift : {0, 60, -60})
        if (kit::toEpoch(day, minute + shift, kit::Zone::europeLondon) == epochSeconds) {
            minute += shift;
            break;
        }
    const int hour = (minute / 60 + 24) % 24;
    const int minutes = (minute % 60 + 60) % 60;
    return {static_cast<char>('0' + hour / 10), static_cast<char>('0' + hour % 10), ':',
            static_cast<char>('0' + minutes / 10), static_cast<char>('0' + minutes % 10)};
}

struct ClinicTimes {
    int64_t startsAt = 0;
    int64_t endsAt = 0;
};

// Every problem with a clinic as staff describe it, for create() and update() alike; its times when none.
ClinicTimes checked(const NewClinic& in) {
    std::vector<FieldError> errors;
    if (in.dose != "first" && in.dose != "second" && in.dose != "both")
        errors.push_back({"dose", "must be first, second or both"});
    if (in.vaccine.code.empty() || in.vaccine.term.empty())
        errors.push_back({"vaccine", "give the vaccine type's SNOMED CT code and its name"});
    if (in.location.empty()) errors.push_back({"location", "say where the clinic is"});
    const auto date = kit::parseDate(in.date);
    if (!date) errors.push_back({"date", "must be a real date YYYY-MM-DD"});
    const auto start = kit::parseTimeOfDay(in.start);
    const auto end = kit::parseTimeOfDay(in.end);
    if (!start) errors.push_back({"start", "must be a time HH:MM"});
    if (!end) errors.push_back({"end", "must be a time HH:MM"});
    if (start && end && *end <= *start) errors.push_back({"end", "must be after the start"});
    if (in.capacity < 1 || in.capacity > kMaxCapacity)
        errors.push_back({"capacity", "must be between 1 and " + std::to_string(kMaxCapacity)});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));
    return {kit::toEpoch(std::chrono::sys_days(*date), *start, kit::Zone::europeLondon),
            kit::toEpoch(std::chrono::sys_days(*date), *end, kit::Zone::europeLondon)};
}

// A clinic as staff gave it, once checked(): all but its id, campaign and bookings.
void fill(Clinic& c, const NewClinic& in, const ClinicTimes& times) {
    c.dose = in.dose;
    c.vaccine = in.vaccine;
    c.location = in.location;
    c.startsAt = times.startsAt;
    c.endsAt = times.endsAt;
    c.capacity = in.capacity;
    c.published = in.published;
    c.community = in.community;
    c.schoolUrn = in.schoolUrn;
}

} // namespace

NewClinic Clinic::asEntered() const {
    const auto day = kit::ukDate(startsAt * kMicrosPerSecond);
    return {dose,     vaccine,   location,  day,      ukClock(startsAt, day), ukClock(endsAt, day),
            capacity, published, community, schoolUrn};
}

Slot Clinic::asSlot() const {
    return {id, vaccine.term, startsAt, static_cast<int>((endsAt - startsAt) / 60), "", location, false};
}

Clinics::Clinics(store::Store& store, runtime::Current& runtime, Clock clock)
    : store_(store), runtime_(runtime), clock_(std::move(clock)) {}

void Clinics::requireCampaign(const std::string& organisation, const std::string& campaign) const {
    const auto runtime = runtime_.get();
    const auto& orgs = runtime->config().organisations;
    const auto org = orgs.find(organisation);
    if (org == orgs.end()) throw NotFound("no such organisation");
    if (!org->second.campaigns.contains(campaign)) throw NotFound("no campaign '" + campaign + "' here");
}

Clinic Clinics::create(const std::string& organisation, const std::string& campaign, const NewClinic& in,
                       const audit::Context& by) {
    requireCampaign(organisation, campaign);
    const auto times = checked(in);

    Clinic c;
    c.id = "cln_" + store::sortableId();
    c.organisation = organisation;
    c.campaign = campaign;
    fill(c, in, times);
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        int published = c.published ? 1 : 0;
        int community = c.community ? 1 : 0;
        s << "INSERT INTO clinics (id, organisation, campaign, dose, vaccine_code, vaccine_term, location, starts_at, "
             "ends_at, capacity, booked, published, community, school_urn, created_at, updated_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULLIF(?, ''), ?, ?)",
            useRef(c.id), useRef(c.organisation), useRef(c.campaign), useRef(c.dose), useRef(c.vaccine.code),
            useRef(c.vaccine.term), useRef(c.location), useRef(c.startsAt), useRef(c.endsAt), useRef(c.capacity),
            use(published), use(community), useRef(c.schoolUrn), use(at), use(at), now;
        audit::AuditLog::append(s, audit::succeeded(by, at, organisation, c.id,
                                                    in.date + ", " + std::to_string(c.capacity) + " places" +
                                                        (c.published ? ", published" : ", hidden")));
    });
    log::info("clinic_created", {{"clinic", c.id}, {"organisation", organisation}, {"campaign", campaign}});
    return c;
}

std::vector<Clinic> Clinics::list(const std::string& organisation, const std::string& campaign, bool patientView) {
    return byDay(organisation, campaign, false, patientView, std::numeric_limits<int>::max());
}

std::vector<Clinic> Clinics::completed(const std::string& organisation, const std::string& campaign, int max) {
    return byDay(organisation, campaign, true, false, max);
}

std::vector<Clinic> Clinics::byDay(const std::string& organisation, const std::string& campaign, bool completed,
                                   bool patientView, int max) {
    requireCampaign(organisation, campaign);
    auto s = store_.session();
    int64_t today = kit::ukMidnight(kit::ukDate(clock_()));
    std::string org = organisation;
    std::string c = campaign;
    int limit = max;
    Poco::Data::Statement select =
        s << std::string("SELECT ") + kColumns +
                 " FROM clinics WHERE organisation = ? AND campaign = ? AND starts_at " + (completed ? "<" : ">=") +
                 " ?" + (patientView ? " AND published = 1 AND booked < capacity" : "") +
                 (completed ? " ORDER BY starts_at DESC, id DESC" : " ORDER BY starts_at, id") + " LIMIT ?";
    select, use(org), use(c), use(today), use(limit);
    return readClinics(select);
}

std::optional<Clinic> Clinics::find(const std::string& organisation, const std::string& campaign,
                                    const std::string& clinicId) {
    requireCampaign(organisation, campaign);
    auto s = store_.session();
    return byId(s, organisation, campaign, clinicId);
}

Clinic Clinics::update(const std::string& organisation, const std::string& campaign, const std::string& clinicId,
                       const ClinicChange& change, const audit::Context& by) {
    requireCampaign(organisation, campaign);
    std::optional<Clinic> result;
    store_.write([&](store::Session& s) {
        auto found = byId(s, organisation, campaign, clinicId);
        if (!found) throw NotFound("no such clinic");
        Clinic c = *found;
        // The clinic as it would be, checked whole as a new one is.
        const auto day = kit::ukDate(c.startsAt * kMicrosPerSecond);
        auto after = c.asEntered();
        after.dose = change.dose.value_or(after.dose);
        after.vaccine = change.vaccine.value_or(after.vaccine);
        after.location = change.location.value_or(after.location);
        after.date = change.date.value_or(after.date);
        after.start = change.start.value_or(after.start);
        after.end = change.end.value_or(after.end);
        after.capacity = change.capacity.value_or(after.capacity);
        after.published = change.published.value_or(after.published);
        std::vector<FieldError> errors;
        const std::string booked = std::to_string(c.booked);
        if (change.capacity && (*change.capacity < c.booked || *change.capacity > kMaxCapacity))
            errors.push_back({"capacity", "must be no fewer than the places already booked (" + booked +
                                              ") and at most " + std::to_string(kMaxCapacity)});
        if (c.booked > 0 && after.dose != c.dose)
            errors.push_back({"dose", "cannot change while places are booked (" + booked + ")"});
        if (c.booked > 0 && after.vaccine.code != c.vaccine.code)
            errors.push_back({"vaccine", "cannot change while places are booked (" + booked + ")"});
        if (change.date && *change.date != day && kit::parseDate(*change.date) && *change.date < kit::ukDate(clock_()))
            errors.push_back({"date", "has passed: give today or a later day"});
        ClinicTimes times;
        try {
            times = checked(after);
        } catch (const InvalidRequest& e) {
            for (const auto& problem : e.errors())
                if (std::none_of(errors.begin(), errors.end(),
                                 [&](const FieldError& f) { return f.field == problem.field; }))
                    errors.push_back(problem);
        }
        if (!errors.empty()) throw InvalidRequest(std::move(errors));
        fill(c, after, times);
        int p = c.published ? 1 : 0;
        int64_t at = clock_();
        s << "UPDATE clinics SET published = ?, capacity = ?, dose = ?, vaccine_code = ?, vaccine_term = ?, "
             "location = ?, starts_at = ?, ends_at = ?, updated_at = ? WHERE id = ?",
            use(p), useRef(c.capacity), useRef(c.dose), useRef(c.vaccine.code), useRef(c.vaccine.term),
            useRef(c.location), useRef(c.startsAt), useRef(c.endsAt), use(at), useRef(c.id), now;
        audit::AuditLog::append(s, audit::succeeded(by, at, organisation, c.id, changes(change)));
        result = c;
    });
    return *result;
}

std::vector<Clinic> Clinics::offered(store::Session& s, const ClinicChoice& choice) {
    std::string org = choice.organisation;
    std::string campaign = choice.campaign;
    std::string dose = choice.dose == 2 ? "second" : "first";
    std::string vaccine = choice.vaccineCode;
    int64_t from = choice.from;
    int64_t to = choice.to;
    int community = choice.community ? 1 : 0;
    Poco::Data::Statement select =
        s << std::string("SELECT ") + kColumns +
                 " FROM clinics WHERE organisation = ? AND campaign = ? AND dose IN (?, 'both') AND starts_at >= ? "
                 "AND starts_at < ? AND booked < capacity AND community = ? AND school_urn IS NULL" +
                 (choice.includeHidden ? "" : " AND published = 1") + (vaccine.empty() ? "" : " AND vaccine_code = ?") +
                 " ORDER BY starts_at, id";
    select, use(org), use(campaign), use(dose), use(from), use(to), use(community);
    if (!vaccine.empty()) select, use(vaccine);
    return readClinics(select);
}

std::optional<Clinic> Clinics::byId(store::Session& s, const std::string& organisation, const std::string& campaign,
                                    const std::string& clinicId) {
    std::string id = clinicId, org = organisation, c = campaign;
    Poco::Data::Statement select =
        s << std::string("SELECT ") + kColumns + " FROM clinics WHERE id = ? AND organisation = ? AND campaign = ?";
    select, use(id), use(org), use(c);
    auto found = readClinics(select);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::optional<Clinic> Clinics::firstCommunityClinic(store::Session& s, const std::string& organisation,
                                                    const std::string& campaign, int64_t from) {
    auto found = community(s, organisation, campaign, from, std::numeric_limits<int64_t>::max(), true, 1);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<Clinic> Clinics::community(store::Session& s, const std::string& organisation, const std::string& campaign,
                                       int64_t from, int64_t to, bool publishedOnly, int max) {
    std::string org = organisation, c = campaign;
    int limit = max;
    Poco::Data::Statement select = s << std::string("SELECT ") + kColumns +
                                            " FROM clinics WHERE organisation = ? AND campaign = ? AND community = 1" +
                                            (publishedOnly ? " AND published = 1" : "") +
                                            " AND starts_at >= ? AND starts_at < ? ORDER BY starts_at, id LIMIT ?";
    select, use(org), use(c), use(from), use(to), use(limit);
    return readClinics(select);
}

// ---- ClinicBook ---------------------------------------------------------------------------------------

ClinicBook::ClinicBook(store::Store& store, ClinicChoice choice, std::string memberId, std::string bookedBy,
                       Clinics::Clock clock)
    : store_(store), choice_(std::move(choice)), memberId_(std::move(memberId)), bookedBy_(std::move(bookedBy)),
      clock_(std::move(clock)) {}

Result ClinicBook::slotTypes(TimeRange, std::vector<std::string>&) {
    return Result::permanent("a campaign's clinics have no slot types");
}

Result ClinicBook::freeSlots(const std::string&, TimeRange range, std::vector<Slot>& slots) {
    ClinicChoice c = choice_;
    c.from = std::max(c.from, range.from);
    c.to = std::min(c.to, range.to);
    auto s = store_.session();
    slots.clear();
    for (const auto& clinic : Clinics::offered(s, c))
        slots.push_back(clinic.asSlot());
    return Result::success();
}

Result ClinicBook::take(store::Session& s, const std::string& clinicId, Appointment& booked) {
    const auto offered = Clinics::offered(s, choice_);
    const auto clinic = std::find_if(offered.begin(), offered.end(), [&](const Clinic& c) { return c.id == clinicId; });
    if (clinic == offered.end())
        return Result::conflict("that clinic has no place left, or is not one this invite offers");
    std::string id = clinicId;
    int64_t at = clock_();
    Poco::Data::Statement take =
        s << "UPDATE clinics SET booked = booked + 1, updated_at = ? WHERE id = ? AND booked < capacity";
    take, use(at), use(id);
    if (take.execute() != 1) return Result::conflict("the clinic is full");
    booked.id = "cbk_" + store::sortableId();
    booked.slot = clinic->asSlot();
    int dose = choice_.dose;
    s << "INSERT INTO clinic_bookings (id, clinic_id, member_id, dose, booked_by, state, at) "
         "VALUES (?, ?, ?, ?, ?, 'booked', ?)",
        useRef(booked.id), use(id), useRef(memberId_), use(dose), useRef(bookedBy_), use(at), now;
    cohorts::MemberRepository members(s);
    members.setStatus(memberId_, dose == 2 ? domain::cohort::booked2 : domain::cohort::booked1, at);
    members.addEvent(memberId_, at, "booked",
                     "dose " + std::to_string(dose) + ", " + clinic->vaccine.term + " at " + clinic->location + ", " +
                         kit::ukWhenText(clinic->startsAt) + " (by " + bookedBy_ + ")");
    return Result::success();
}

Result ClinicBook::book(const std::string& slotId, const Patient&, const std::string&, Appointment& booked) {
    Result r = Result::success();
    store_.write([&](store::Session& s) { r = take(s, slotId, booked); });
    return r;
}

void ClinicBook::release(store::Session& s, const std::string& bookingId, int64_t at) {
    std::vector<std::string> clinics;
    std::string id = bookingId;
    s << "SELECT clinic_id FROM clinic_bookings WHERE id = ? AND member_id = ? AND state = 'booked'", use(id),
        useRef(memberId_), into(clinics), now;
    if (clinics.empty()) return;
    s << "UPDATE clinic_bookings SET state = 'cancelled', at = ? WHERE id = ?", use(at), use(id), now;
    s << "UPDATE clinics SET booked = booked - 1, updated_at = ? WHERE id = ? AND booked > 0", use(at),
        useRef(clinics.front()), now;
}

bool ClinicBook::holdsBooking(store::Session& s) const {
    std::vector<std::string> held;
    s << "SELECT id FROM clinic_bookings WHERE member_id = ? AND state = 'booked'", useRef(memberId_), into(held), now;
    return !held.empty();
}

Result ClinicBook::cancel(const std::string& appointmentId) {
    store_.write([&](store::Session& s) {
        int64_t at = clock_();
        release(s, appointmentId, at);
        cohorts::MemberRepository members(s);
        // A reschedule books the new place before cancelling the old: the member stays booked then.
        if (!holdsBooking(s))
            members.setStatus(memberId_,
                              choice_.dose == 2 ? domain::cohort::awaitingResponse2 : domain::cohort::awaitingResponse1,
                              at);
        members.addEvent(memberId_, at, "cancelled", "dose " + std::to_string(choice_.dose));
    });
    return Result::success();
}

Result ClinicBook::reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) {
    Result r = Result::success();
    store_.write([&](store::Session& s) {
        r = take(s, newSlotId, moved);
        if (r.ok()) release(s, appointmentId, clock_());
    });
    return r;
}

Result ClinicBook::writeCode(const Patient&, const std::string&, const std::string&) {
    return Result::permanent("codes are written to the organisation's appointment book, not its clinics");
}

Result ClinicBook::findPatient(const std::string&, std::optional<Patient>& found) {
    found.reset();
    return Result::permanent("a campaign's clinics hold no patients");
}

void ClinicBook::declined(store::Session& s, int64_t at) {
    cohorts::MemberRepository members(s);
    members.setStatus(memberId_, domain::cohort::declined, at);
    members.addEvent(memberId_, at, "declined", "dose " + std::to_string(choice_.dose) + ", from the invite link");
}

} // namespace clinhub::workflows

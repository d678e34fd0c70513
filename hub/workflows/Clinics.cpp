#include "hub/workflows/Clinics.h"

#include "hub/cohorts/MemberRepository.h"
#include "hub/domain/Vaccination.h"
#include "hub/log/Log.h"
#include "hub/store/SortableId.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/RecordSet.h>

namespace clinhub::workflows {

using namespace Poco::Data::Keywords;

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

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
std::string changes(std::optional<bool> published, std::optional<int> capacity) {
    std::string out;
    if (published) out = *published ? "published" : "hidden";
    if (capacity) out += (out.empty() ? "" : ", ") + ("capacity " + std::to_string(*capacity));
    return out.empty() ? "nothing changed" : out;
}

} // namespace

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
    if (in.capacity < 1 || in.capacity > 100000) errors.push_back({"capacity", "must be between 1 and 100000"});
    if (!errors.empty()) throw InvalidRequest(std::move(errors));

    Clinic c;
    c.id = "cln_" + store::sortableId();
    c.organisation = organisation;
    c.campaign = campaign;
    c.dose = in.dose;
    c.vaccine = in.vaccine;
    c.location = in.location;
    c.startsAt = kit::toEpoch(std::chrono::sys_days(*date), *start, kit::Zone::europeLondon);
    c.endsAt = kit::toEpoch(std::chrono::sys_days(*date), *end, kit::Zone::europeLondon);
    c.capacity = in.capacity;
    c.published = in.published;
    c.community = in.community;
    c.schoolUrn = in.schoolUrn;
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
    requireCampaign(organisation, campaign);
    auto s = store_.session();
    int64_t today = kit::ukMidnight(kit::ukDate(clock_()));
    std::string org = organisation;
    std::string c = campaign;
    Poco::Data::Statement select = s << std::string("SELECT ") + kColumns +
                                            " FROM clinics WHERE organisation = ? AND campaign = ? AND starts_at >= ?" +
                                            (patientView ? " AND published = 1 AND booked < capacity" : "") +
                                            " ORDER BY starts_at, id";
    select, use(org), use(c), use(today);
    return readClinics(select);
}

Clinic Clinics::update(const std::string& organisation, const std::string& campaign, const std::string& clinicId,
                       std::optional<bool> published, std::optional<int> capacity, const audit::Context& by) {
    requireCampaign(organisation, campaign);
    std::optional<Clinic> result;
    store_.write([&](store::Session& s) {
        std::string id = clinicId;
        Poco::Data::Statement select = s << std::string("SELECT ") + kColumns + " FROM clinics WHERE id = ?";
        select, use(id);
        auto found = readClinics(select);
        if (found.empty() || found.front().organisation != organisation || found.front().campaign != campaign)
            throw NotFound("no such clinic");
        Clinic c = found.front();
        if (capacity && (*capacity < c.booked || *capacity > 100000))
            throw InvalidRequest({{"capacity", "must be at least the " + std::to_string(c.booked) +
                                                   " places already booked, and at most 100000"}});
        if (published) c.published = *published;
        if (capacity) c.capacity = *capacity;
        int p = c.published ? 1 : 0;
        int64_t at = clock_();
        s << "UPDATE clinics SET published = ?, capacity = ?, updated_at = ? WHERE id = ?", use(p), useRef(c.capacity),
            use(at), useRef(c.id), now;
        audit::AuditLog::append(s, audit::succeeded(by, at, organisation, c.id, changes(published, capacity)));
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
    std::string org = organisation, c = campaign;
    Poco::Data::Statement select =
        s << std::string("SELECT ") + kColumns +
                 " FROM clinics WHERE organisation = ? AND campaign = ? AND community = 1 AND published = 1 "
                 "AND starts_at >= ? ORDER BY starts_at, id LIMIT 1";
    select, use(org), use(c), use(from);
    auto found = readClinics(select);
    if (found.empty()) return std::nullopt;
    return found.front();
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

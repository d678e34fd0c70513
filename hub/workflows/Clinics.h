// Vaccination clinics: a date, times, a place, a vaccine type, which dose they give, and a capacity.
// Patients only ever see published clinics with places left; staff booking for a patient may also use
// hidden ones. Rules: docs/domain.md (Vaccination: second-dose invites).
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "hub/workflows/SelfBook.h"

#include <clinhub/plugin.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::workflows {

struct NewClinic {
    std::string dose;
    config::Code vaccine;
    std::string location;
    std::string date;  // YYYY-MM-DD, UK
    std::string start; // HH:MM, UK time
    std::string end;
    int capacity = 0;
    bool published = false;
    bool community = false;
    std::string schoolUrn;
};

struct Clinic {
    std::string id; // "cln_…"
    std::string organisation;
    std::string campaign;
    std::string dose;     // first, second, both
    config::Code vaccine; // the vaccine type: its SNOMED CT product code and name
    std::string location;
    int64_t startsAt = 0; // seconds since the epoch
    int64_t endsAt = 0;
    int capacity = 0;
    int booked = 0;
    bool published = false;
    bool community = false; // a community clinic (Mavis): for children not vaccinated at school
    std::string schoolUrn;  // a school session: held at this school, never booked through a link
    [[nodiscard]] int placesLeft() const { return capacity - booked; }
    // As a slot of an appointment book: what invite links and the patient pages show.
    [[nodiscard]] Slot asSlot() const;
    // As staff entered it: its UK day and times.
    [[nodiscard]] NewClinic asEntered() const;
};

// What staff change of a clinic: only what is given. Its dose or vaccine type stays once a place is booked,
// as the bookings were made for them.
struct ClinicChange {
    std::optional<bool> published;
    std::optional<int> capacity;
    std::optional<std::string> dose;
    std::optional<config::Code> vaccine;
    std::optional<std::string> location;
    std::optional<std::string> date; // YYYY-MM-DD, UK; with start and end the clinic moves
    std::optional<std::string> start;
    std::optional<std::string> end;
};

// The clinics one booking may use.
struct ClinicChoice {
    std::string organisation;
    std::string campaign;
    int dose = 1;            // 1 or 2
    std::string vaccineCode; // dose 2: only the vaccine type received at dose 1; empty for any
    int64_t from = 0;        // seconds: clinics starting in [from, to)
    int64_t to = 0;
    bool includeHidden = false; // staff's user-facing options
    bool community = false;     // children (members with a school): community clinics only
};

class Clinics {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    Clinics(store::Store& store, runtime::Current& runtime, Clock clock = store::nowMicros);

    // Throws InvalidRequest (every problem), NotFound (organisation or campaign). Audited as `by` with the
    // clinic, in its own transaction (as is update()).
    Clinic create(const std::string& organisation, const std::string& campaign, const NewClinic& clinic,
                  const audit::Context& by = {});
    // Every clinic of the campaign from today, soonest first; `patientView` keeps only what patients see.
    std::vector<Clinic> list(const std::string& organisation, const std::string& campaign, bool patientView);
    // Up to `max` clinics of the campaign on days before today (completed), the latest first.
    std::vector<Clinic> completed(const std::string& organisation, const std::string& campaign, int max);
    // One clinic of the campaign, or nullopt.
    std::optional<Clinic> find(const std::string& organisation, const std::string& campaign,
                               const std::string& clinicId);
    // Publishes or hides, changes the capacity (never below the places already booked), the dose, the vaccine
    // type, the place, the day or the times, checked as create() checks them. Throws InvalidRequest (every
    // problem), NotFound.
    Clinic update(const std::string& organisation, const std::string& campaign, const std::string& clinicId,
                  const ClinicChange& change, const audit::Context& by = {});

    // Clinics with a place left that `choice` allows, soonest first.
    static std::vector<Clinic> offered(store::Session& session, const ClinicChoice& choice);
    // One clinic of the campaign, or nullopt.
    static std::optional<Clinic> byId(store::Session& session, const std::string& organisation,
                                      const std::string& campaign, const std::string& clinicId);
    // The first published community clinic starting at or after `from` (seconds).
    static std::optional<Clinic> firstCommunityClinic(store::Session& session, const std::string& organisation,
                                                      const std::string& campaign, int64_t from);
    // Up to `max` community clinics starting in [from, to) (seconds), soonest first; hidden ones too unless
    // `publishedOnly`.
    static std::vector<Clinic> community(store::Session& session, const std::string& organisation,
                                         const std::string& campaign, int64_t from, int64_t to, bool publishedOnly,
                                         int max);

private:
    void requireCampaign(const std::string& organisation, const std::string& campaign) const;
    // The campaign's clinics from today (soonest first), or before it (completed: the latest first).
    std::vector<Clinic> byDay(const std::string& organisation, const std::string& campaign, bool completed,
                              bool patientView, int max);

    store::Store& store_;
    runtime::Current& runtime_;
    Clock clock_;
};

// The clinics a cohort member may book, as the appointment book their invite link books into. Booking
// takes a place with one conditional UPDATE, so a full clinic can never be overbooked, and moves the
// member to booked; cancelling gives the place back.
class ClinicBook final : public LinkBook {
public:
    ClinicBook(store::Store& store, ClinicChoice choice, std::string memberId, std::string bookedBy,
               Clinics::Clock clock);

    Result slotTypes(TimeRange range, std::vector<std::string>& types) override;
    Result freeSlots(const std::string& slotType, TimeRange range, std::vector<Slot>& slots) override;
    Result book(const std::string& slotId, const Patient& patient, const std::string& note,
                Appointment& booked) override;
    Result cancel(const std::string& appointmentId) override;
    Result reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) override;
    Result writeCode(const Patient& patient, const std::string& snomedCode, const std::string& term) override;
    Result findPatient(const std::string& nhsNumber, std::optional<Patient>& found) override;
    void declined(store::Session& transaction, int64_t at) override;

    // In the caller's transaction; for staff booking. Conflict when full or not one of this choice's.
    Result take(store::Session& transaction, const std::string& clinicId, Appointment& booked);

private:
    void release(store::Session& transaction, const std::string& bookingId, int64_t at);
    // Whether the member holds a booking still, at any clinic.
    bool holdsBooking(store::Session& transaction) const;

    store::Store& store_;
    ClinicChoice choice_;
    std::string memberId_;
    std::string bookedBy_; // patient or staff
    Clinics::Clock clock_;
};

} // namespace clinhub::workflows

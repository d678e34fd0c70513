// gpconnect-fhir: a practice's appointment book through GP Connect Appointment Management 1.2 (FHIR STU3
// JSON): free slots by searching /Slot in windows of at most 14 days, booking by POST /Appointment,
// cancelling by PUT of the read Appointment with If-Match. Wire shapes: connectors/gpconnect-fhir/schemas/.
#include <clinhub/kit/Identity.hpp>
#include <clinhub/plugin.hpp>

#include "Config.h"
#include "FhirClient.h"
#include "FhirTime.h"
#include "Resources.h"
#include "SlotRef.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

namespace {

using clinhub::Appointment;
using clinhub::ConfigError;
using clinhub::Patient;
using clinhub::Result;
using clinhub::Slot;
using clinhub::Status;
using clinhub::TimeRange;
using clinhub::kit::HttpClient;
using namespace gpconnect;

constexpr int64_t kDay = 86400;
// A slot is searched for by its start, but GP Connect also bounds its end; searching this much past the
// range's end keeps a slot that starts inside the range and ends after it.
constexpr int64_t kSlotOverhang = 4 * 3600;
constexpr size_t kSlotCacheLimit = 20000;

int64_t wallSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string stringify(const Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

bool validSnomed(const std::string& code) {
    return code.size() >= 6 && code.size() <= 18 &&
           std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::optional<std::string> validNhsNumber(const std::string& text) {
    const auto checked = clinhub::kit::checkNhsNumber(text);
    if (!checked.ok()) return {};
    return checked.value;
}

// W/"3" -> 3.
std::string versionFromEtag(const std::string& etag) {
    const auto open = etag.find('"');
    const auto close = etag.rfind('"');
    if (open == std::string::npos || close <= open) return {};
    return etag.substr(open + 1, close - open - 1);
}

class GpConnectBook final : public clinhub::Connector, public clinhub::AppointmentBook {
public:
    GpConnectBook(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(configOrThrow(configJson)), client_(config_) {
        host_.info("GP Connect appointment book at " + config_.baseUrl + " (provider ASID " + config_.providerAsid +
                   ")");
    }

    static void checkConfig(const std::string& json, std::vector<ConfigError>& errors) { parseConfig(json, errors); }

    // GP Connect can only search free slots, so a type whose slots are all booked is not listed.
    Result slotTypes(TimeRange range, std::vector<std::string>& types) override {
        std::vector<FoundSlot> found;
        if (Result r = search(range, found); !r.ok()) return r;
        std::set<std::string> names;
        for (const auto& f : found)
            names.insert(f.slot.slotType);
        types.assign(names.begin(), names.end());
        return Result::success();
    }

    Result freeSlots(const std::string& slotType, TimeRange range, std::vector<Slot>& slots) override {
        std::vector<FoundSlot> found;
        if (Result r = search(range, found); !r.ok()) return r;
        for (auto& f : found)
            if (f.slot.slotType == slotType) slots.push_back(std::move(f.slot));
        std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
        return Result::success();
    }

    Result book(const std::string& slotId, const Patient& patient, const std::string& note,
                Appointment& booked) override {
        const auto ref = SlotRef::decode(slotId);
        if (!ref) return Result::permanent("not a slot id of this GP Connect book: '" + scrub(slotId, 80) + "'");
        std::string patientId;
        if (Result r = resolvePatient(patient, patientId); !r.ok()) return r;
        Result r = bookFor(*ref, patientId, note, booked);
        // The provider no longer knows the id remembered for this NHS number: look it up afresh next time.
        if (r.status == Status::permanent && r.message.find("PATIENT_NOT_FOUND") != std::string::npos) forget(patient);
        return r;
    }

    Result cancel(const std::string& appointmentId) override { return cancelAppointment(appointmentId); }

    // Book the new slot, then cancel the old: the old one is given up only once the new one is held.
    Result reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) override {
        const auto ref = SlotRef::decode(newSlotId);
        if (!ref) return Result::permanent("not a slot id of this GP Connect book: '" + scrub(newSlotId, 80) + "'");
        Object::Ptr resource;
        BookedAppointment old;
        std::string etag;
        if (Result r = read(appointmentId, resource, old, etag); !r.ok()) return r;
        if (old.status != "booked")
            return Result::permanent("appointment " + appointmentId + " is " + scrub(old.status, 20) + ", not booked");
        if (old.patientId.empty())
            return Result::permanent("GP Connect appointment reply: Appointment/" + appointmentId + " has no patient");
        if (std::find(old.slotIds.begin(), old.slotIds.end(), ref->slotId) != old.slotIds.end()) {
            moved = toAppointment(old, *ref);
            return Result::success();
        }
        Appointment replacement;
        if (Result r = bookFor(*ref, old.patientId, "Moved from appointment " + appointmentId, replacement); !r.ok())
            return r;
        const Result released = cancelAppointment(appointmentId);
        if (released.ok()) {
            moved = replacement;
            return Result::success();
        }
        // Two appointments for one patient is worse than none moved: undo the new one and say why.
        if (cancelAppointment(replacement.id).ok())
            return Result{released.status == Status::permanent ? Status::permanent : Status::retryable,
                          "could not cancel the old appointment, so the new one was cancelled again: " +
                              released.message};
        host_.error("reschedule left appointments " + appointmentId + " and " + replacement.id +
                    " both booked: the old one could not be cancelled");
        moved = replacement;
        return Result{Status::ok, "moved, but the old appointment " + appointmentId +
                                      " is still booked and needs cancelling: " + released.message};
    }

    // GP Connect Appointment Management has no coded-entry write; see coded_entries in the schema.
    Result writeCode(const Patient& patient, const std::string& snomedCode, const std::string& term) override {
        if (config_.codedEntry.mode == CodedEntries::unsupported)
            return Result::permanent("coded entries are not part of GP Connect Appointment Management, and this "
                                     "connector is configured (coded_entries.mode: unsupported) not to write them");
        if (!validSnomed(snomedCode)) return Result::permanent("not a SNOMED CT concept id: " + scrub(snomedCode, 40));
        if (term.empty()) return Result::permanent("a coded entry needs its term");
        std::string patientId;
        if (Result r = resolvePatient(patient, patientId); !r.ok()) return r;
        const int64_t now = hubSeconds();
        // The same code for the same patient on the same day is one entry, however often it is retried.
        Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
        sha.update(patientId + "|" + snomedCode + "|" + term + "|" + formatDate(now));
        const std::string identifier = Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 32);
        FhirRequest request("POST", "/Observation", {config_.codedEntry.interaction.c_str(), "patient/*.write"},
                            stringify(observationResource(patientId, snomedCode, term,
                                                          config_.codedEntry.identifierSystem, identifier, now)));
        request.codedEntry = true;
        request.headers.emplace_back("If-None-Exist",
                                     "identifier=" + config_.codedEntry.identifierSystem + "|" + identifier);
        FhirReply reply;
        if (Result r = client_.send(request, reply, "write coded entry"); !r.ok()) return r;
        if (!reply.success()) return failure(reply, "write coded entry");
        return Result::success();
    }

    Result findPatient(const std::string& nhsNumber, std::optional<Patient>& found) override {
        const auto nhs = validNhsNumber(nhsNumber);
        if (!nhs) return Result::permanent("not a valid NHS number");
        return lookupPatient(*nhs, found);
    }

private:
    static Config configOrThrow(const std::string& json) { return clinhub::kit::parseOrThrow(parseConfig, json); }

    // The hub's clock (tests move it) for what the record says happened when.
    [[nodiscard]] int64_t hubSeconds() const {
        const int64_t ms = host_.nowMs();
        return ms > 0 ? ms / 1000 : wallSeconds();
    }

    // Searches [range.from, range.to) for slots starting in it, one request per window so that no
    // request spans more than search_window_days (GP Connect refuses more than 14).
    Result search(TimeRange range, std::vector<FoundSlot>& found) {
        const int64_t window = config_.searchWindowDays * kDay - kSlotOverhang;
        for (int64_t from = range.from; from < range.to; from += window) {
            const int64_t to = std::min(from + window, range.to);
            const std::string path =
                "/Slot?status=free&start=ge" + HttpClient::escape(formatInstant(from)) + "&end=le" +
                HttpClient::escape(formatInstant(to + kSlotOverhang)) +
                "&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner"
                "&_include:recurse=Schedule:actor:Location&searchFilter=" +
                HttpClient::escape("https://fhir.nhs.uk/Id/ods-organization-code|" + config_.organisation.odsCode) +
                "&searchFilter=" +
                HttpClient::escape("https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1|" +
                                   config_.organisation.type);
            FhirReply reply;
            if (Result r = client_.send({"GET", path, interactions::searchSlots}, reply, "slot search"); !r.ok())
                return r;
            if (Result r = expect(reply, "slot search", "Bundle"); !r.ok()) return r;
            std::vector<FoundSlot> window;
            if (Result r = readSlots(reply.resource, window); !r.ok()) return r;
            for (auto& f : window) {
                if (f.slot.start < from || f.slot.start >= to) continue;
                remember(f.slot);
                found.push_back(std::move(f));
            }
        }
        return Result::success();
    }

    void remember(const Slot& slot) {
        std::lock_guard lock(cacheMutex_);
        if (slotCache_.size() >= kSlotCacheLimit) slotCache_.clear();
        slotCache_[slot.id] = slot;
    }

    std::optional<Slot> cached(const std::string& id) {
        std::lock_guard lock(cacheMutex_);
        const auto it = slotCache_.find(id);
        if (it == slotCache_.end()) return {};
        return it->second;
    }

    // The slot as the hub was shown it; when this process never searched it (another hub process did, or
    // it restarted), a search of the slot's own minute finds its type, clinician and place again.
    Slot describe(const SlotRef& ref) {
        if (auto slot = cached(ref.encode())) return *slot;
        std::vector<FoundSlot> found;
        if (search({ref.start, ref.start + 1}, found).ok())
            for (const auto& f : found)
                if (f.ref.slotId == ref.slotId) return f.slot;
        return Slot{ref.encode(), "", ref.start, static_cast<int>((ref.end - ref.start + 59) / 60), "", "", false};
    }

    Appointment toAppointment(const BookedAppointment& a, const SlotRef& ref) {
        Appointment out{a.id, describe(ref)};
        if (out.slot.clinician.empty()) out.slot.clinician = a.clinician;
        if (out.slot.location.empty()) out.slot.location = a.location;
        return out;
    }

    Result lookupPatient(const std::string& nhs, std::optional<Patient>& found) {
        found.reset();
        FhirReply reply;
        const std::string path =
            "/Patient?identifier=" + HttpClient::escape("https://fhir.nhs.uk/Id/nhs-number|" + nhs);
        if (Result r = client_.send({"GET", path, interactions::searchPatient}, reply, "patient search"); !r.ok())
            return r;
        if (reply.status == 404 && reply.spineCode == "PATIENT_NOT_FOUND") return Result::success();
        if (Result r = expect(reply, "patient search", "Bundle"); !r.ok()) return r;
        if (Result r = readPatient(reply.resource, found); !r.ok()) return r;
        if (!found) return Result::success();
        if (found->nhsNumber.empty()) found->nhsNumber = nhs;
        if (found->nhsNumber != nhs) {
            found.reset();
            return Result::permanent("GP Connect patient search reply: the Patient returned has another NHS number");
        }
        std::lock_guard lock(cacheMutex_);
        patientIds_[nhs] = found->bookId;
        return Result::success();
    }

    void forget(const Patient& patient) {
        const auto nhs = validNhsNumber(patient.nhsNumber);
        std::lock_guard lock(cacheMutex_);
        if (nhs) patientIds_.erase(*nhs);
    }

    // The provider's logical id for the patient: given by the hub, remembered, or found by NHS number.
    Result resolvePatient(const Patient& patient, std::string& id) {
        if (fhirId(patient.bookId)) {
            id = patient.bookId;
            return Result::success();
        }
        const auto nhs = validNhsNumber(patient.nhsNumber);
        if (!nhs) return Result::permanent("the patient's NHS number is not valid");
        {
            std::lock_guard lock(cacheMutex_);
            if (const auto it = patientIds_.find(*nhs); it != patientIds_.end()) {
                id = it->second;
                return Result::success();
            }
        }
        std::optional<Patient> found;
        if (Result r = lookupPatient(*nhs, found); !r.ok()) return r;
        if (!found) return Result::permanent("the patient is not registered in this GP Connect appointment book");
        id = found->bookId;
        return Result::success();
    }

    // The patient's booked appointment in this slot, if there is one: how an answer lost on the way back
    // is told apart from a booking that never happened.
    Result findBooked(const std::string& patientId, const SlotRef& ref, std::optional<BookedAppointment>& mine) {
        mine.reset();
        // A day either side: the provider compares dates in its own time zone.
        const std::string path = "/Patient/" + patientId + "/Appointment?start=ge" + formatDate(ref.start - kDay) +
                                 "&start=le" + formatDate(ref.start + kDay);
        FhirReply reply;
        if (Result r = client_.send({"GET", path, interactions::patientAppointments}, reply, "patient appointments");
            !r.ok())
            return r;
        if (Result r = expect(reply, "patient appointments", "Bundle"); !r.ok()) return r;
        std::vector<BookedAppointment> appointments;
        if (Result r = readAppointments(reply.resource, appointments); !r.ok()) return r;
        for (auto& a : appointments)
            if (a.status == "booked" && std::find(a.slotIds.begin(), a.slotIds.end(), ref.slotId) != a.slotIds.end()) {
                mine = std::move(a);
                break;
            }
        return Result::success();
    }

    // Never blindly retried: after an answer that leaves it unknown whether the booking happened, the
    // patient's appointments are checked before another POST. If the check cannot be made either, the
    // booking stays unsettled: when the hub retries it and the provider says the slot is taken
    // (DUPLICATE_REJECTED), the slot may be held by this very booking, so it is checked again and adopted.
    // A slot the patient already holds by a booking that was settled is a conflict like any other.
    Result bookFor(const SlotRef& ref, const std::string& patientId, const std::string& note, Appointment& booked) {
        const Slot shown = describe(ref);
        NewAppointment draft{
            ref,          patientId,      shown.slotType.empty() ? "Appointment booked online" : shown.slotType,
            note,         shown.location, shown.clinician,
            wallSeconds()};
        const std::string body = stringify(appointmentResource(draft, config_.organisation));
        const Booking key{ref.slotId, patientId};
        bool unsure = unsettled(key);
        // Settles the booking one way or the other, or leaves it open for the hub's retry.
        const auto finish = [&](Result r, bool open = false) {
            markUnsettled(key, open);
            return r;
        };

        Result last = Result::retryable("GP Connect book appointment: not attempted");
        for (int attempt = 0; attempt < config_.bookingAttempts; ++attempt) {
            FhirRequest post("POST", "/Appointment", interactions::createAppointment, body);
            post.notRepeatable = true;
            FhirReply reply;
            const Result sent = client_.send(post, reply, "book appointment");
            if (sent.ok() && !reply.success()) {
                const Result refused = failure(reply, "book appointment");
                if (refused.status == Status::permanent) return finish(refused); // rejected: nothing was booked
                if (refused.status == Status::conflict) {
                    if (!unsure) return finish(refused);
                    std::optional<BookedAppointment> mine;
                    if (Result c = findBooked(patientId, ref, mine); !c.ok())
                        return finish(
                            Result::retryable(refused.message +
                                              "; could not check whether the slot is this booking's: " + c.message),
                            true);
                    if (!mine) return finish(refused);
                    booked = toAppointment(*mine, ref);
                    return finish(Result::success());
                }
                last = refused;
            } else if (sent.ok()) {
                BookedAppointment created;
                Result readable = expect(reply, "book appointment", "Appointment");
                if (readable.ok()) readable = readAppointment(reply.resource, created);
                if (readable.ok()) {
                    booked = toAppointment(created, ref);
                    return finish(Result::success());
                }
                last = readable; // a 2xx that cannot be read may still be a booking
            } else {
                last = sent;
            }
            unsure = true; // it may have been booked, now or by a late commit of this attempt
            std::optional<BookedAppointment> mine;
            if (Result c = findBooked(patientId, ref, mine); !c.ok())
                return finish(Result::retryable(last.message + "; could not check whether it was booked: " + c.message),
                              true);
            if (mine) {
                booked = toAppointment(*mine, ref);
                return finish(Result::success());
            }
        }
        return finish(last, true);
    }

    using Booking = std::pair<std::string, std::string>; // slot, patient

    bool unsettled(const Booking& b) {
        std::lock_guard lock(cacheMutex_);
        return unsettled_.count(b) != 0;
    }

    void markUnsettled(const Booking& b, bool open) {
        std::lock_guard lock(cacheMutex_);
        if (!open) {
            unsettled_.erase(b);
            return;
        }
        if (unsettled_.size() >= kSlotCacheLimit) unsettled_.clear();
        unsettled_.insert(b);
    }

    Result read(const std::string& id, Object::Ptr& resource, BookedAppointment& a, std::string& etag) {
        if (!fhirId(id))
            return Result::permanent("not an appointment id of this GP Connect book: '" + scrub(id, 80) + "'");
        FhirReply reply;
        if (Result r =
                client_.send({"GET", "/Appointment/" + id, interactions::readAppointment}, reply, "read appointment");
            !r.ok())
            return r;
        if (reply.status == 404) return Result::permanent("no appointment " + id + " in this GP Connect book");
        if (Result r = expect(reply, "read appointment", "Appointment"); !r.ok()) return r;
        if (Result r = readAppointment(reply.resource, a); !r.ok()) return r;
        resource = reply.resource;
        etag = reply.http.header("etag");
        return Result::success();
    }

    // Read, then PUT the same resource cancelled with If-Match on the version read. Safe to repeat: a
    // cancelled appointment is done, and every unclear outcome is settled by reading again.
    Result cancelAppointment(const std::string& id) {
        Result last = Result::retryable("GP Connect cancel appointment: not attempted");
        for (int attempt = 0; attempt < 3; ++attempt) {
            Object::Ptr resource;
            BookedAppointment a;
            std::string etag;
            if (Result r = read(id, resource, a, etag); !r.ok()) return r;
            if (a.status == "cancelled") return Result::success();
            std::string version = versionFromEtag(etag);
            if (version.empty()) version = a.version;
            if (version.empty())
                return Result::permanent("GP Connect read appointment reply: Appointment/" + id + " has no version");
            markCancelled(resource, config_.cancellationReason);
            FhirRequest put("PUT", "/Appointment/" + id, interactions::cancelAppointment, stringify(resource));
            put.headers.emplace_back("If-Match", "W/\"" + version + "\"");
            FhirReply reply;
            last = client_.send(put, reply, "cancel appointment");
            if (!last.ok()) continue; // it may or may not have happened: the next read tells
            if (reply.status == 409 || reply.status == 412) {
                last = Result::retryable("GP Connect cancel appointment: the appointment changed while cancelling");
                continue; // someone changed it since the read: read it again
            }
            if (!reply.success()) {
                last = failure(reply, "cancel appointment");
                if (last.status == Status::permanent) return last;
                continue;
            }
            BookedAppointment after;
            if (expect(reply, "cancel appointment", "Appointment").ok() &&
                readAppointment(reply.resource, after).ok() && after.status == "cancelled")
                return Result::success();
            last = Result::retryable("GP Connect cancel appointment: the reply does not show the cancellation");
        }
        return last;
    }

    clinhub::Host host_;
    Config config_;
    FhirClient client_;
    std::mutex cacheMutex_;
    std::unordered_map<std::string, Slot> slotCache_;
    std::unordered_map<std::string, std::string> patientIds_; // NHS number -> the provider's Patient id
    std::set<std::pair<std::string, std::string>> unsettled_; // bookings the hub may retry, by slot and patient
};

} // namespace

CLINHUB_PLUGIN(GpConnectBook, "gpconnect-fhir", "1.0.0",
               "Appointment book through GP Connect Appointment Management 1.2 (FHIR STU3)",
               gpconnect::kConfigMap.schema())

// emis-xml: the diary read (slot types, free slots), patients by NHS number and coded entries. Booking is
// in Booking.cpp.
#include "EmisBook.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace emisxml {

namespace {

using clinhub::Result;
using clinhub::Slot;
using clinhub::TimeRange;
namespace kit = clinhub::kit;

Config configOrThrow(const std::string& json) { return clinhub::kit::parseOrThrow(parseConfig, json); }

// A GUID for a coded entry, the same for the same entry on the same day: EMIS files an event once per
// GUID, so a resend after a lost reply does not write the code twice.
std::string eventGuid(const std::string& text) {
    auto fnv = [&](uint64_t h) {
        for (unsigned char c : text) {
            h ^= c;
            h *= 1099511628211ULL;
        }
        return h;
    };
    const uint64_t a = fnv(14695981039346656037ULL);
    const uint64_t b = fnv(a ^ 0x9e3779b97f4a7c15ULL);
    char out[40];
    std::snprintf(out, sizeof out, "%08X-%04X-%04X-%04X-%012llX", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                  static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return out;
}

} // namespace

EmisBook::EmisBook(const clinhub::Host& host, const std::string& configJson)
    : host_(host), config_(configOrThrow(configJson)), client_(config_, host_) {}

void EmisBook::checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    (void)parseConfig(json, errors);
}

int64_t EmisBook::epoch(std::chrono::sys_days date, int minute) const {
    return kit::toEpoch(date, minute, config_.zone);
}

// The hub's clock, so tests that move it move the dates written too.
int64_t EmisBook::nowSeconds() const {
    const int64_t ms = host_.nowMs();
    if (ms > 0) return ms / 1000;
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool EmisBook::telephone(const std::string& slotType) const {
    if (const auto& listed = config_.telephoneSlotTypes)
        return std::find(listed->begin(), listed->end(), slotType) != listed->end();
    std::string lower = slotType;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("telephone") != std::string::npos;
}

// ---- Reading the diary ------------------------------------------------------------------------------------

Result EmisBook::sessions(const std::string& slotType, TimeRange range, std::vector<DiarySession>& out) {
    const auto from = kit::localDate(range.from, config_.zone);
    const auto to = kit::localDate(range.to - 1, config_.zone);
    Reply reply;
    Result r = client_.call("GetAppointmentSessions",
                            param("SlotType", slotType) + param("StartDate", kit::isoDate(from)) +
                                param("EndDate", kit::isoDate(to)),
                            reply);
    if (!r.ok()) return r;
    return readSessions(reply.body, "EMIS GetAppointmentSessions reply", out);
}

// One GetSlotsForSession per session, a few at a time: a long horizon has dozens of sessions, and EMIS
// answers each in its own round trip.
Result EmisBook::slotsOf(const std::vector<const DiarySession*>& sessions, std::vector<std::vector<DiarySlot>>& out) {
    const size_t n = sessions.size();
    out.assign(n, {});
    std::vector<Result> results(n);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
        for (size_t i = next++; i < n && !failed; i = next++) {
            try {
                Reply reply;
                results[i] = client_.call("GetSlotsForSession", param("SessionDBID", sessions[i]->dbid), reply);
                if (results[i].ok()) results[i] = readSlots(reply.body, "EMIS GetSlotsForSession reply", out[i]);
            } catch (const std::exception& e) {
                results[i] = Result::permanent(std::string("EMIS GetSlotsForSession: ") + e.what());
            }
            if (!results[i].ok()) failed = true;
        }
    };
    std::vector<std::thread> helpers;
    for (size_t k = 1; k < std::min<size_t>(n, static_cast<size_t>(config_.parallelRequests)); ++k)
        helpers.emplace_back(work);
    work();
    for (auto& t : helpers)
        t.join();
    for (const auto& r : results)
        if (!r.ok()) return r;
    return Result::success();
}

Result EmisBook::slotTypes(TimeRange range, std::vector<std::string>& types) {
    types.clear();
    if (range.to <= range.from) return Result::success();
    std::vector<DiarySession> all;
    if (Result r = sessions("", range, all); !r.ok()) return r;
    std::set<std::string> found;
    // A session wholly inside the range answers from its counts; one across an edge needs its slots.
    std::vector<const DiarySession*> edges;
    for (const auto& s : all) {
        const int64_t start = epoch(s.date, s.startMinute);
        const int64_t end = epoch(s.date, s.endMinute);
        if (end <= range.from || start >= range.to) continue;
        if (start >= range.from && end <= range.to) {
            for (const auto& t : s.types)
                if (t.total > 0) found.insert(t.description);
        } else {
            edges.push_back(&s);
        }
    }
    std::vector<std::vector<DiarySlot>> slots;
    if (Result r = slotsOf(edges, slots); !r.ok()) return r;
    for (const auto& list : slots)
        for (const auto& slot : list)
            if (const int64_t at = epoch(slot.date, slot.startMinute); at >= range.from && at < range.to)
                found.insert(slot.type);
    types.assign(found.begin(), found.end());
    return Result::success();
}

Result EmisBook::freeSlots(const std::string& slotType, TimeRange range, std::vector<Slot>& slots) {
    slots.clear();
    if (range.to <= range.from || slotType.empty()) return Result::success();
    std::vector<DiarySession> all;
    if (Result r = sessions(slotType, range, all); !r.ok()) return r;
    std::vector<const DiarySession*> candidates;
    for (const auto& s : all) {
        if (epoch(s.date, s.endMinute) <= range.from || epoch(s.date, s.startMinute) >= range.to) continue;
        const bool free = std::any_of(s.types.begin(), s.types.end(),
                                      [&](const TypeCount& t) { return t.description == slotType && t.available > 0; });
        if (free) candidates.push_back(&s);
    }
    std::vector<std::vector<DiarySlot>> lists;
    if (Result r = slotsOf(candidates, lists); !r.ok()) return r;
    for (size_t i = 0; i < lists.size(); ++i) {
        for (const auto& d : lists[i]) {
            const int64_t at = epoch(d.date, d.startMinute);
            if (d.type != slotType || d.status != "Available" || at < range.from || at >= range.to) continue;
            slots.push_back(
                {d.dbid, d.type, at, d.length, candidates[i]->clinician, candidates[i]->site, telephone(d.type)});
        }
    }
    std::sort(slots.begin(), slots.end(),
              [](const Slot& a, const Slot& b) { return a.start != b.start ? a.start < b.start : a.id < b.id; });
    return Result::success();
}

// ---- Patients -----------------------------------------------------------------------------------------------

Result EmisBook::matchPatient(const std::string& nhsNumber, std::optional<MatchedPatient>& found) {
    found.reset();
    Reply reply;
    if (Result r = client_.call("GetMatchedPatient", param("NhsNumber", nhsNumber), reply); !r.ok()) return r;
    std::vector<MatchedPatient> matches;
    const std::string what = "EMIS GetMatchedPatient reply";
    if (Result r = readPatients(reply.body, what, matches); !r.ok()) return r;
    if (matches.size() > 1) return Result::permanent(what + " matches more than one patient to the NHS number");
    if (matches.empty()) return Result::success();
    if (matches.front().nhsNumber != nhsNumber)
        return Result::permanent(what + " gives a patient with another NHS number than the one asked for");
    found = matches.front();
    std::lock_guard lock(mutex_);
    patientIds_[nhsNumber] = found->dbid;
    return Result::success();
}

Result EmisBook::patientId(const clinhub::Patient& patient, std::string& id) {
    if (!patient.bookId.empty()) {
        if (!isDbid(patient.bookId)) return Result::permanent("not an EMIS patient id: " + quote(patient.bookId));
        id = patient.bookId;
        return Result::success();
    }
    const auto nhs = kit::checkNhsNumber(patient.nhsNumber);
    if (!nhs.ok()) return Result::permanent("the patient's NHS number is not valid");
    {
        std::lock_guard lock(mutex_);
        if (auto it = patientIds_.find(nhs.value); it != patientIds_.end()) {
            id = it->second;
            return Result::success();
        }
    }
    std::optional<MatchedPatient> found;
    if (Result r = matchPatient(nhs.value, found); !r.ok()) return r;
    if (!found) return Result::permanent("no patient with this NHS number is registered in the EMIS book");
    id = found->dbid;
    return Result::success();
}

Result EmisBook::findPatient(const std::string& nhsNumber, std::optional<clinhub::Patient>& found) {
    found.reset();
    const auto nhs = kit::checkNhsNumber(nhsNumber);
    if (!nhs.ok()) return Result::permanent("not a valid NHS number");
    std::optional<MatchedPatient> match;
    if (Result r = matchPatient(nhs.value, match); !r.ok()) return r;
    if (match) found = clinhub::Patient{match->nhsNumber, match->dateOfBirth, match->mobile, match->name, match->dbid};
    return Result::success();
}

// ---- Coded entries ------------------------------------------------------------------------------------------

Result EmisBook::writeCode(const clinhub::Patient& patient, const std::string& snomedCode, const std::string& term) {
    const bool digits =
        std::all_of(snomedCode.begin(), snomedCode.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits || snomedCode.size() < 6 || snomedCode.size() > 18)
        return Result::permanent("not a SNOMED CT concept id: " + quote(snomedCode));
    if (term.empty()) return Result::permanent("a coded entry needs its term");
    std::string id;
    if (Result r = patientId(patient, id); !r.ok()) return r;
    const std::string date = kit::isoDate(kit::localDate(nowSeconds(), config_.zone));
    const std::string event = "<MedicalRecord><EventList><Event>" +
                              param("GUID", eventGuid(id + "|" + snomedCode + "|" + term + "|" + date)) +
                              param("AssignedDate", date) + "<Code>" + param("Value", snomedCode) +
                              param("Scheme", "SNOMED") + param("Term", term) +
                              "</Code></Event></EventList></MedicalRecord>";
    Reply reply;
    return client_.call("FileRecord", param("PatientId", id) + event, reply, Client::Repeat::once);
}

} // namespace emisxml

// systmone-xml: a practice's SystmOne appointment book through TPP's Client Integration API.
//
// A booking is never sent twice blindly. When its outcome is unknown (timeout, dropped connection, server
// error, garbled reply) the connector lists the patient's appointments to see whether it landed, and
// remembers the slot and patient as pending until it knows: the next attempt checks again before booking,
// and a "slot already booked" then is recognised as the earlier attempt's own work.
#include "ClientIntegration.h"
#include "Config.h"
#include "HttpTransport.h"
#include "LocalTime.h"
#include "Replies.h"
#include "Requests.h"
#include "TcpTransport.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>

namespace {

using clinhub::ConfigError;
using clinhub::Result;
using namespace systmonexml;

std::unique_ptr<Transport> makeTransport(const Config& c) {
    if (c.transport == TransportKind::http)
        return std::make_unique<HttpTransport>(c.baseUrl, clinhub::kit::HttpTimeouts{c.connectTimeout, c.timeout});
    return std::make_unique<TcpTransport>(c.host, c.port, c.connectTimeout, c.timeout, c.maxConnections);
}

Config configOrThrow(const std::string& json) { return clinhub::kit::parseOrThrow(parseConfig, json); }

bool validSnomed(const std::string& code) {
    return code.size() >= 6 && code.size() <= 18 &&
           std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Slots and appointments whose booking's outcome is not yet known, bounded so a long outage cannot grow it
// without end (the oldest are forgotten first: by then the hub has long stopped retrying them).
class Pending {
public:
    bool contains(const std::string& key) {
        std::lock_guard lock(mutex_);
        return keys_.contains(key);
    }
    void add(const std::string& key) {
        std::lock_guard lock(mutex_);
        if (!keys_.insert(key).second) return;
        order_.push_back(key);
        if (order_.size() > 10000) {
            keys_.erase(order_.front());
            order_.pop_front();
        }
    }
    void remove(const std::string& key) {
        std::lock_guard lock(mutex_);
        if (keys_.erase(key) > 0) order_.erase(std::find(order_.begin(), order_.end(), key));
    }

private:
    std::mutex mutex_;
    std::set<std::string> keys_;
    std::deque<std::string> order_;
};

class SystmOneBook final : public clinhub::Connector, public clinhub::AppointmentBook {
public:
    SystmOneBook(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(configOrThrow(configJson)), api_(config_, makeTransport(config_)) {
        host_.info(config_.transport == TransportKind::tcp
                       ? "SystmOne Client Integration over tcp " + config_.host + ":" + std::to_string(config_.port)
                       : "SystmOne Client Integration over http " + config_.baseUrl);
    }

    static void checkConfig(const std::string& json, std::vector<ConfigError>& errors) { parseConfig(json, errors); }

    Result slotTypes(clinhub::TimeRange range, std::vector<std::string>& types) override {
        std::vector<clinhub::Slot> slots;
        if (Result r = query(range, "", slots); !r.ok()) return r;
        std::set<std::string> distinct;
        for (const auto& s : slots)
            distinct.insert(s.slotType);
        types.assign(distinct.begin(), distinct.end());
        return Result::success();
    }

    Result freeSlots(const std::string& slotType, clinhub::TimeRange range,
                     std::vector<clinhub::Slot>& slots) override {
        if (slotType.empty()) return Result::permanent("no slot type given");
        return query(range, slotType, slots);
    }

    Result book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note,
                clinhub::Appointment& booked) override {
        const auto nhs = clinhub::kit::checkNhsNumber(patient.nhsNumber);
        if (!nhs.ok()) return Result::permanent("the patient's NHS number is not valid");
        if (slotId.empty()) return Result::permanent("no slot given");
        const std::string key = slotId + "\n" + nhs.value;

        if (pending_.contains(key)) {
            std::optional<clinhub::Appointment> landed;
            if (Result r = findBooking(nhs.value, slotId, landed); !r.ok())
                return Result::retryable("an earlier attempt to book slot " + slotId +
                                         " may have landed and checking failed: " + r.message);
            if (landed) return adopt(key, *landed, booked);
        }

        Reply reply;
        Result sent = api_.call("UpdatePatientRecord", bookAppointment(nhs.value, slotId, note), reply);
        if (sent.ok()) {
            std::vector<AppointmentRecord> records;
            if (Result r = readAppointments(reply.response, "UpdatePatientRecord", config_, records);
                r.ok() && records.size() == 1) {
                pending_.remove(key);
                booked = records.front().appointment;
                return Result::success();
            }
            // Booked, but the reply does not say as what: the patient's appointments will.
            return settle(key, nhs.value, slotId,
                          Result::permanent("SystmOne UpdatePatientRecord reply holds no single Appointment"), booked);
        }
        if (reply.error == RemoteError::slotTaken && pending_.contains(key)) {
            // Perhaps taken by our own earlier attempt, which the last check was too early to see.
            return settle(key, nhs.value, slotId, sent, booked);
        }
        // Not acted on: an earlier attempt still pending may yet land, so it stays pending.
        if (reply.error == RemoteError::busy) return sent;
        if (reply.error != RemoteError::none && reply.error != RemoteError::resent) {
            pending_.remove(key);
            return sent;
        }
        return settle(key, nhs.value, slotId, sent, booked);
    }

    Result cancel(const std::string& appointmentId) override {
        AppointmentRecord current;
        if (Result r = details(appointmentId, current); !r.ok()) return r;
        if (!current.booked) return Result::success(); // cancelled already: a retry after a lost reply
        Reply reply;
        Result sent = api_.call("UpdatePatientRecord", cancelAppointment(current.nhsNumber, appointmentId), reply);
        if (sent.ok() || (reply.error != RemoteError::none && reply.error != RemoteError::resent)) return sent;
        AppointmentRecord after;
        if (details(appointmentId, after).ok() && !after.booked) return Result::success();
        return sent;
    }

    Result reschedule(const std::string& appointmentId, const std::string& newSlotId,
                      clinhub::Appointment& moved) override {
        if (newSlotId.empty()) return Result::permanent("no slot given");
        AppointmentRecord current;
        if (Result r = details(appointmentId, current); !r.ok()) return r;
        if (!current.booked) return Result::conflict("the appointment has been cancelled");
        if (current.appointment.slot.id == newSlotId) { // moved already: a retry after a lost reply
            moved = current.appointment;
            return Result::success();
        }
        Reply reply;
        Result sent =
            api_.call("UpdatePatientRecord", moveAppointment(current.nhsNumber, appointmentId, newSlotId), reply);
        if (sent.ok()) {
            std::vector<AppointmentRecord> records;
            if (readAppointments(reply.response, "UpdatePatientRecord", config_, records).ok() && records.size() == 1) {
                moved = records.front().appointment;
                return Result::success();
            }
        } else if (reply.error != RemoteError::none && reply.error != RemoteError::resent) {
            return sent;
        }
        AppointmentRecord after;
        if (Result r = details(appointmentId, after);
            r.ok() && after.booked && after.appointment.slot.id == newSlotId) {
            moved = after.appointment;
            return Result::success();
        }
        return sent.ok() ? Result::retryable("SystmOne UpdatePatientRecord: the move was not confirmed") : sent;
    }

    Result writeCode(const clinhub::Patient& patient, const std::string& snomedCode, const std::string& term) override {
        const auto nhs = clinhub::kit::checkNhsNumber(patient.nhsNumber);
        if (!nhs.ok()) return Result::permanent("the patient's NHS number is not valid");
        if (!validSnomed(snomedCode)) return Result::permanent("not a SNOMED CT concept id: " + snomedCode);
        if (term.empty()) return Result::permanent("a coded entry needs its term");
        Reply reply;
        return api_.call("UpdatePatientRecord",
                         codedEntry(nhs.value, snomedCode, term, localDateText(nowSeconds(), config_.zone)), reply);
    }

    Result findPatient(const std::string& nhsNumber, std::optional<clinhub::Patient>& found) override {
        const auto nhs = clinhub::kit::checkNhsNumber(nhsNumber);
        if (!nhs.ok()) return Result::permanent("not a valid NHS number");
        Reply reply;
        Result r = api_.call("PatientSearch", patientSearch(nhs.value), reply);
        if (reply.error == RemoteError::patientNotFound) {
            found.reset();
            return Result::success();
        }
        if (!r.ok()) return r;
        return readPatient(reply.response, nhs.value, localDateText(nowSeconds(), config_.zone), found);
    }

private:
    // Free slots starting in [from, to). The unit reads wall-clock bounds, which are ambiguous around a
    // clock change, so it is asked for an hour more each side and the answer trimmed here.
    Result query(clinhub::TimeRange range, const std::string& slotType, std::vector<clinhub::Slot>& slots) {
        slots.clear();
        if (range.to <= range.from) return Result::success();
        const SlotQuery q{formatLocal(range.from - 3600, config_.zone),
                          formatLocal(range.to + 3600, config_.zone),
                          config_.siteName,
                          config_.userName,
                          config_.clinicType,
                          slotType};
        Reply reply;
        if (Result r = api_.call("GetAppointmentSlots", getAppointmentSlots(q), reply); !r.ok()) return r;
        if (Result r = readSlots(reply.response, config_, slots); !r.ok()) {
            slots.clear();
            return r;
        }
        std::erase_if(slots, [&](const clinhub::Slot& s) {
            return s.start < range.from || s.start >= range.to || (!slotType.empty() && s.slotType != slotType);
        });
        std::sort(slots.begin(), slots.end(), [](const clinhub::Slot& a, const clinhub::Slot& b) {
            return a.start != b.start ? a.start < b.start : a.id < b.id;
        });
        return Result::success();
    }

    Result details(const std::string& appointmentId, AppointmentRecord& record) {
        if (appointmentId.empty()) return Result::permanent("no appointment given");
        Reply reply;
        if (Result r = api_.call("GetAppointmentDetails", getAppointmentDetails(appointmentId), reply); !r.ok())
            return r;
        std::vector<AppointmentRecord> records;
        if (Result r = readAppointments(reply.response, "GetAppointmentDetails", config_, records); !r.ok()) return r;
        if (records.size() != 1 || records.front().appointment.id != appointmentId)
            return Result::permanent("SystmOne GetAppointmentDetails reply is not about the appointment asked for");
        if (!clinhub::kit::checkNhsNumber(records.front().nhsNumber).ok())
            return Result::permanent("SystmOne GetAppointmentDetails reply: the Appointment has no valid NHSNumber");
        record = std::move(records.front());
        return Result::success();
    }

    // The patient's booked appointment in the slot, if there is one.
    Result findBooking(const std::string& nhs, const std::string& slotId, std::optional<clinhub::Appointment>& found) {
        Reply reply;
        if (Result r = api_.call("GetPatientAppointments", getPatientAppointments(nhs), reply); !r.ok()) return r;
        std::vector<AppointmentRecord> records;
        if (Result r = readAppointments(reply.response, "GetPatientAppointments", config_, records); !r.ok()) return r;
        found.reset();
        for (const auto& a : records)
            if (a.booked && a.appointment.slot.id == slotId) found = a.appointment;
        return Result::success();
    }

    // After a booking whose outcome is unknown: success if it landed, otherwise the failure, remembering
    // the attempt as pending while a retry could still find it landed.
    Result settle(const std::string& key, const std::string& nhs, const std::string& slotId, const Result& failure,
                  clinhub::Appointment& booked) {
        host_.info("checking whether a booking of slot " + slotId + " landed after: " + toString(failure.status));
        std::optional<clinhub::Appointment> landed;
        if (Result r = findBooking(nhs, slotId, landed); !r.ok()) {
            pending_.add(key);
            return Result::retryable(failure.message + "; whether the booking landed is unknown (" + r.message + ")");
        }
        if (landed) return adopt(key, *landed, booked);
        if (failure.status == clinhub::Status::retryable)
            pending_.add(key);
        else
            pending_.remove(key);
        return failure;
    }

    Result adopt(const std::string& key, const clinhub::Appointment& landed, clinhub::Appointment& booked) {
        pending_.remove(key);
        host_.info("booking of slot " + landed.slot.id + " had landed as appointment " + landed.id);
        booked = landed;
        return Result::success();
    }

    // The hub's clock, so tests that move it move the connector too.
    [[nodiscard]] int64_t nowSeconds() const {
        const int64_t ms = host_.nowMs();
        if (ms > 0) return ms / 1000;
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    clinhub::Host host_;
    Config config_;
    ClientIntegration api_;
    Pending pending_;
};

} // namespace

CLINHUB_PLUGIN(SystmOneBook, "systmone-xml", "0.1.0",
               "SystmOne appointment book through TPP Client Integration (XML over TCP or HTTP)", kConfigMap.schema())

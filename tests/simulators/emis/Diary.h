// The EMIS simulator's practice: patients, appointment sessions and their slots, bookings and filed coded
// entries, generated from a fixture file and changed only through the calls below. Each call enforces the
// rule EMIS enforces and refuses with the outcome text EMIS gives (thrown as Refusal).
//
// Not thread-safe: the protocol handler holds mutex() around every use.
#pragma once

#include <clinhub/kit/UkTime.hpp>

#include <Poco/JSON/Array.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace emissim {

// A call the practice system refuses: answered with an outcome other than 1 and this text.
struct Refusal : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Patient {
    long dbid = 0;
    std::string nhsNumber, title, firstNames, familyName, dateOfBirth, mobile;
};

struct Holder {
    long dbid = 0;
    std::string title, firstNames, lastName;
};

struct Site {
    long dbid = 0;
    std::string name;
};

struct SlotType {
    long id = 0;
    std::string description;
};

enum class SlotStatus { available, booked, blocked, embargoed };
const char* toString(SlotStatus s);

// "HH:MM" for minutes since midnight.
std::string hhmm(int minute);

struct Slot {
    long dbid = 0;
    long session = 0;
    int refId = 0; // position within its session, from 1
    int startMinute = 0;
    int length = 0;
    long type = 0;
    SlotStatus status = SlotStatus::available;
    long patient = 0; // 0 when free, or taken at reception (stolen)
    bool stolen = false;
    std::string reason, bookingNote;
};

struct Session {
    long dbid = 0;
    std::string name;
    std::chrono::sys_days date;
    int startMinute = 0, endMinute = 0, slotLength = 0;
    long site = 0;
    std::vector<long> holders;
    std::vector<long> slots;
};

struct Record {
    long patient = 0;
    std::string guid, date, code, term;
};

struct Credentials {
    std::string user, password;
};

class Diary {
public:
    // Reads the fixture and generates its sessions from tomorrow (practice time) on; throws
    // std::runtime_error naming what is wrong with the file.
    explicit Diary(const std::string& fixturePath);
    Diary(const Diary&) = delete;
    Diary& operator=(const Diary&) = delete;

    std::mutex& mutex() { return mutex_; }
    [[nodiscard]] const Credentials& credentials() const { return credentials_; }
    [[nodiscard]] clinhub::kit::Zone zone() const { return zone_; }

    // Sessions on dates in [from, to] with at least one slot of the type (by description or TypeID; any
    // type when empty).
    [[nodiscard]] std::vector<const Session*> sessions(const std::string& slotType, std::chrono::sys_days from,
                                                       std::chrono::sys_days to) const;
    [[nodiscard]] const Session& session(long dbid) const;
    [[nodiscard]] const Slot& slot(long dbid) const;
    [[nodiscard]] const SlotType& slotType(long id) const;
    [[nodiscard]] const Holder& holder(long dbid) const;
    [[nodiscard]] const Site& site(long dbid) const;
    [[nodiscard]] std::vector<const Patient*> matchPatients(const std::string& nhsNumber) const;
    [[nodiscard]] const Patient& patient(long dbid) const;
    // The patient's booked slots, in time order.
    [[nodiscard]] std::vector<const Slot*> appointmentsOf(long patient) const;

    const Slot& book(long slot, long patient, const std::string& reason, const std::string& note);
    void cancel(long slot, long patient);
    // Taken at the front desk behind the API's back; false when the slot was not free.
    bool steal(long slot);
    // True when filed, false when an entry with this GUID was filed before (a resend).
    bool file(const Record& record);

    [[nodiscard]] Poco::JSON::Array appointmentsJson() const;
    [[nodiscard]] Poco::JSON::Array recordsJson() const;

private:
    Slot& mutableSlot(long dbid);

    std::mutex mutex_;
    Credentials credentials_;
    clinhub::kit::Zone zone_ = clinhub::kit::Zone::europeLondon;
    std::map<long, Patient> patients_;
    std::map<long, Holder> holders_;
    std::map<long, Site> sites_;
    std::map<long, SlotType> slotTypes_;
    std::map<long, Session> sessions_;
    std::map<long, Slot> slots_;
    std::vector<Record> records_;
};

} // namespace emissim

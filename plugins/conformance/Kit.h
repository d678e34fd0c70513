// The conformance kit's shared state: the plugin instance under test and the fixture that says what the
// live system behind it holds. Set up once by main(), read by every check. Which checks run follows the
// kinds the plugin implements: the appointment-book checks (BookChecks.cpp), the immunisation-records
// checks (RecordsChecks.cpp), or both.
#pragma once

#include "hub/host/PluginHost.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::conformance {

// What an appointment book holds.
struct BookFixture {
    std::string slotType;
    int days = 14;
    Patient patient;
    std::string unknownNhsNumber;
    std::string snomedCode;
    std::string snomedTerm;
};

// What the national immunisation records hold.
struct RecordsFixture {
    std::vector<std::string> targets;
    std::string nhsNumber;             // a patient with doses of the targets...
    std::vector<Immunisation> doses;   // ...exactly these (dose number 0: the record does not say)
    std::string nhsNumberWithoutDoses; // optional: a patient the records know, with none of the targets
    std::string unknownNhsNumber;      // a valid number the records do not know
};

struct Fixture {
    std::optional<BookFixture> book;       // "slot_type"... at the top level, as before
    std::optional<RecordsFixture> records; // "immunisations": {...}
    std::optional<std::string> timeoutFault;
    std::optional<std::string> malformedFault;
    std::optional<std::string> clearFaults;

    // Reads the parts of the kinds asked for. Throws std::invalid_argument naming the field that is
    // missing or wrong.
    static Fixture parse(const std::string& json, bool book, bool records);
};

struct Kit {
    std::shared_ptr<host::ConnectorInstance> instance;
    Fixture fixture;
    TimeRange range; // appointment books: [tomorrow 00:00 UTC, + days)

    AppointmentBook& book() const { return *instance->appointmentBook(); }
    ImmunisationRecords& records() const { return *instance->immunisationRecords(); }
};

// Set by main() before the checks run.
const Kit& kit();
void setKit(Kit k);

// The gtest suites of each kind's checks, for main() to leave out those of kinds the plugin lacks.
inline constexpr const char* kBookSuites =
    "SlotTypes.*:FreeSlots.*:Book.*:Cancel.*:Reschedule.*:WriteCode.*:FindPatient.*:Faults.*";
inline constexpr const char* kRecordsSuites = "ImmunisationHistory.*:ImmunisationFaults.*";

// Runs a fault command from the fixture, and its clear command when the check ends.
class Fault {
public:
    explicit Fault(const std::string& command);
    ~Fault();
    Fault(const Fault&) = delete;
    Fault& operator=(const Fault&) = delete;
};

} // namespace clinhub::conformance

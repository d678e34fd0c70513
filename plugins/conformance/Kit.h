// The conformance kit's shared state: the plugin instance under test and the fixture that says what the
// live system behind it holds. Set up once by run(), read by every check. Which checks run follows the
// kinds the plugin implements (or the one asked for): the appointment-book checks (BookChecks.cpp), the
// immunisation-records checks (RecordsChecks.cpp), the SMS and email checks (MessagingChecks.cpp).
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

// What an SMS or email provider is to be sent, and what the plugin promises. Every part is optional.
struct MessagingFixture {
    std::string to;      // a recipient the provider accepts: +447700900123 or clinhub-test@example.org
    bool lookup = false; // the plugin implements lookup(): a sent message is found by its reference
    // A shell command whose output, after a send, holds the reference: proof it reached the provider.
    std::optional<std::string> inspect;
    // The provider's own delivery receipt request, to be accepted: an Authorization header and a body,
    // in which {reference} is a message the kit sent.
    std::optional<std::pair<std::string, std::string>> receipt;
    // A config section (JSON) whose provider cannot be reached: a send must be retryable and not sent.
    std::optional<std::string> unreachableConfig;
};

struct Fixture {
    std::optional<BookFixture> book;       // "slot_type"... at the top level, as before
    std::optional<RecordsFixture> records; // "immunisations": {...}
    std::optional<MessagingFixture> sms;   // "sms": {...}
    std::optional<MessagingFixture> email; // "email": {...}
    std::optional<std::string> timeoutFault;
    std::optional<std::string> malformedFault;
    std::optional<std::string> clearFaults;

    // Reads the parts of the kinds asked for. Throws std::invalid_argument naming the field that is
    // missing or wrong. The messaging parts have defaults for all they hold: "" is an empty fixture.
    static Fixture parse(const std::string& json, bool book, bool records, bool sms = false, bool email = false);
};

struct Kit {
    std::shared_ptr<host::ConnectorInstance> instance;
    Fixture fixture;
    TimeRange range;                  // appointment books: [tomorrow 00:00 UTC, + days)
    host::PluginHost* host = nullptr; // to make more instances of the plugin (an unreachable provider)
    std::string configJson;           // the section the instance was made from

    AppointmentBook& book() const { return *instance->appointmentBook(); }
    ImmunisationRecords& records() const { return *instance->immunisationRecords(); }
    SmsSender& sms() const { return *instance->sms(); }
    EmailSender& email() const { return *instance->email(); }
};

// Set by main() before the checks run.
const Kit& kit();
void setKit(Kit k);

// The gtest suites of each kind's checks, for main() to leave out those of kinds the plugin lacks.
inline constexpr const char* kBookSuites =
    "SlotTypes.*:FreeSlots.*:Book.*:Cancel.*:Reschedule.*:WriteCode.*:FindPatient.*:Faults.*";
inline constexpr const char* kRecordsSuites = "ImmunisationHistory.*:ImmunisationFaults.*";
inline constexpr const char* kSmsSuites = "SmsSend.*:SmsLookup.*:SmsReceipt.*:SmsNotSent.*:SmsLength.*";
inline constexpr const char* kEmailSuites = "EmailSend.*:EmailLookup.*:EmailReceipt.*:EmailNotSent.*";

// Runs the kit as clinhub-conformance's command line says (see main.cpp); its exit status.
int run(int argc, char** argv);

// Runs a fault command from the fixture, and its clear command when the check ends.
class Fault {
public:
    explicit Fault(const std::string& command);
    ~Fault();
    Fault(const Fault&) = delete;
    Fault& operator=(const Fault&) = delete;
};

} // namespace clinhub::conformance

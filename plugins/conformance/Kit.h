// The conformance kit's shared state: the plugin instance under test and the fixture that says what the
// live book behind it holds. Set up once by main(), read by every check.
#pragma once

#include "hub/host/PluginHost.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace clinhub::conformance {

struct Fixture {
    std::string slotType;
    int days = 14;
    Patient patient;
    std::string unknownNhsNumber;
    std::string snomedCode;
    std::string snomedTerm;
    std::optional<std::string> timeoutFault;
    std::optional<std::string> malformedFault;
    std::optional<std::string> clearFaults;

    // Throws std::invalid_argument naming the field that is missing or wrong.
    static Fixture parse(const std::string& json);
};

struct Kit {
    std::shared_ptr<host::ConnectorInstance> instance;
    Fixture fixture;
    TimeRange range; // [tomorrow 00:00 UTC, + fixture.days)

    AppointmentBook& book() const { return *instance->appointmentBook(); }
};

// Set by main() before the checks run.
const Kit& kit();
void setKit(Kit k);

} // namespace clinhub::conformance

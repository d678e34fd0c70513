// The seed file: test patients and the weekly templates slots are generated from. Read with yaml-cpp and
// checked in full before anything touches the database, so a typo never half-seeds a book.
#pragma once

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace localbook {

// The practice's clock and calendar rules are the hub's shared ones.
using clinhub::kit::localDate;
using clinhub::kit::parseDate;
using clinhub::kit::parseTimeOfDay;
using clinhub::kit::parseZone;
using clinhub::kit::toEpoch;
using clinhub::kit::Zone;

struct SeedPatient {
    std::string nhsNumber;
    std::string dateOfBirth; // YYYY-MM-DD
    std::string mobile;      // +447..., or empty
    std::string name;
    std::vector<clinhub::Immunisation> immunisations; // doses received, as national records would say
};

struct SlotTemplate {
    std::string slotType;
    std::string clinician;
    std::string location;
    std::set<unsigned> weekdays; // 0 = Sunday .. 6 = Saturday, as std::chrono::weekday::c_encoding()
    int startMinute = 0;         // of the day, practice time
    int endMinute = 0;           // the last slot ends at or before this
    int slotMinutes = 0;
    bool telephone = false;
};

struct Seed {
    std::vector<SeedPatient> patients;
    std::vector<SlotTemplate> templates;
};

// What is wrong and where: "file:line:col: message".
class SeedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

Seed loadSeed(const std::string& path);

// A slot a template produces on one day; its id is given when it is stored.
using GeneratedSlot = clinhub::Slot;

// Every slot the templates produce on the civil days [first, last] at the practice.
std::vector<GeneratedSlot> generateSlots(const std::vector<SlotTemplate>& templates, std::chrono::sys_days first,
                                         std::chrono::sys_days last, Zone zone);

// The hub's rules for NHS numbers and UK mobiles, as yes/no answers for the seed and the book.
inline bool validNhsNumber(const std::string& n) { return clinhub::kit::checkNhsNumber(n).ok() && n.size() == 10; }
inline std::string normaliseUkMobile(const std::string& text) { return clinhub::kit::checkUkMobile(text).value; }

} // namespace localbook

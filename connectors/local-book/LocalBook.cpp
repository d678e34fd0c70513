// local-book: an appointment book kept in a SQLite file, so the hub runs with nothing else installed
// (the demo, and small sites without a clinical-system interface).
#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include "BookStore.h"
#include "Seed.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>

namespace {

using clinhub::ConfigError;
using clinhub::Result;
using namespace localbook;

struct Generate {
    int days = 0;
    Zone zone = Zone::europeLondon;
};

struct Config {
    std::string database;
    std::string seed;
    std::optional<Generate> generate; // always set once parsed: the defaults when the key is absent
};

const clinhub::kit::ConfigMap<Generate> kGenerate{
    "Rolling generation of slots from the seed's templates, topped up each day the hub runs",
    {
        clinhub::kit::integerKey("days", &Generate::days)
            .range(0, 366)
            .byDefault(42)
            .describe("How many days ahead, starting tomorrow, to keep slots generated"),
        clinhub::kit::choiceKey("timezone", &Generate::zone,
                                {{"Europe/London", Zone::europeLondon}, {"UTC", Zone::utc}})
            .byDefault("Europe/London")
            .describe("Time zone of the templates' times of day"),
    }};

const clinhub::kit::ConfigMap<Config> kConfigMap{
    "An appointment book kept in a local SQLite file, optionally seeded with test patients and generated slots",
    {
        clinhub::kit::stringKey("database", &Config::database)
            .required("the SQLite file of the book")
            .format("path")
            .describe("SQLite file holding the book; it and its folder are created when missing. Several hub "
                      "processes may share it"),
        clinhub::kit::stringKey("seed", &Config::seed)
            .minLength(1)
            .format("path")
            .describe("YAML file of test patients and weekly slot templates (see config/demo-book.yaml), applied at "
                      "every start: patients are updated, missing future slots added, booked slots never touched"),
        clinhub::kit::objectKey("generate", &Config::generate, kGenerate),
    }};

// The hub has validated the section against the schema, but checkConfig may be called on anything.
Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    if (c.generate && c.seed.empty())
        errors.push_back({"/generate", "needs a seed file whose slot_templates say what to generate"});
    // A seed's templates are generated from even when generate is absent: on the defaults.
    if (!c.generate) kGenerate.applyDefaults(c.generate.emplace());
    return c;
}

bool validSnomed(const std::string& code) {
    return code.size() >= 6 && code.size() <= 18 &&
           std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Also answers immunisation-record lookups from its seed, so the vaccination workflows run on the
// embedded default too.
class LocalBook final : public clinhub::Connector,
                        public clinhub::AppointmentBook,
                        public clinhub::ImmunisationRecords {
public:
    LocalBook(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(configOrThrow(configJson)), seed_(loadSeedIfAny(config_)),
          store_(openStore(config_.database)) {
        const size_t patients = seed_.patients.size();
        if (patients > 0) store_.seed(seed_.patients, {});
        const size_t added = topUp();
        host_.info("appointment book ready: " + std::to_string(patients) + " seed patients, " + std::to_string(added) +
                   " slots added");
    }

    static void checkConfig(const std::string& json, std::vector<ConfigError>& errors) {
        const Config c = parseConfig(json, errors);
        if (c.seed.empty()) return;
        try {
            loadSeed(c.seed);
        } catch (const SeedError& e) {
            errors.push_back({"/seed", e.what()});
        }
    }

    Result slotTypes(clinhub::TimeRange range, std::vector<std::string>& types) override {
        return guard([&] {
            topUp();
            types = store_.slotTypes(range);
            return Result::success();
        });
    }

    Result freeSlots(const std::string& slotType, clinhub::TimeRange range,
                     std::vector<clinhub::Slot>& slots) override {
        return guard([&] {
            topUp();
            slots = store_.freeSlots(slotType, range);
            return Result::success();
        });
    }

    Result book(const std::string& slotId, const clinhub::Patient& patient, const std::string& note,
                clinhub::Appointment& booked) override {
        if (!validNhsNumber(patient.nhsNumber)) return Result::permanent("the patient's NHS number is not valid");
        return guard([&] { return store_.book(slotId, patient, note, nowSeconds(), booked); });
    }

    Result cancel(const std::string& appointmentId) override {
        return guard([&] { return store_.cancel(appointmentId, nowSeconds()); });
    }

    Result reschedule(const std::string& appointmentId, const std::string& newSlotId,
                      clinhub::Appointment& moved) override {
        return guard([&] { return store_.reschedule(appointmentId, newSlotId, nowSeconds(), moved); });
    }

    Result writeCode(const clinhub::Patient& patient, const std::string& snomedCode, const std::string& term) override {
        if (!validNhsNumber(patient.nhsNumber)) return Result::permanent("the patient's NHS number is not valid");
        if (!validSnomed(snomedCode)) return Result::permanent("not a SNOMED CT concept id: " + snomedCode);
        if (term.empty()) return Result::permanent("a coded entry needs its term");
        return guard([&] {
            store_.writeCode(patient, snomedCode, term, nowSeconds());
            return Result::success();
        });
    }

    Result findPatient(const std::string& nhsNumber, std::optional<clinhub::Patient>& found) override {
        return guard([&] {
            found = store_.findPatient(nhsNumber);
            return Result::success();
        });
    }

    Result history(const std::string& nhsNumber, const std::vector<std::string>& targets,
                   std::vector<clinhub::Immunisation>& doses) override {
        if (!validNhsNumber(nhsNumber)) return Result::permanent("the patient's NHS number is not valid");
        return guard([&] {
            doses = store_.immunisations(nhsNumber, targets);
            return Result::success();
        });
    }

private:
    static Config configOrThrow(const std::string& json) { return clinhub::kit::parseOrThrow(parseConfig, json); }

    static Seed loadSeedIfAny(const Config& c) { return c.seed.empty() ? Seed{} : loadSeed(c.seed); }

    static BookStore openStore(const std::string& path) {
        try {
            const Poco::Path parent = Poco::Path(path).parent();
            if (!parent.toString().empty()) Poco::File(parent).createDirectories();
            return BookStore(path);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("cannot open the appointment book " + path + ": " + e.displayText());
        }
    }

    // The hub's clock, so tests that move it move the diary too.
    [[nodiscard]] int64_t nowSeconds() const {
        const int64_t ms = host_.nowMs();
        if (ms > 0) return ms / 1000;
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // Keeps `days` days of slots generated ahead of today; cheap after the first call of each day, so it
    // runs before every read instead of on a timer the plugin would have to own.
    size_t topUp() {
        if (seed_.templates.empty() || config_.generate->days == 0) return 0;
        const auto today = localDate(nowSeconds(), config_.generate->zone);
        std::lock_guard lock(topUpMutex_);
        if (toppedUpFor_ == today) return 0;
        const auto slots = generateSlots(seed_.templates, today + std::chrono::days{1},
                                         today + std::chrono::days{config_.generate->days}, config_.generate->zone);
        const size_t added = store_.seed({}, slots);
        toppedUpFor_ = today;
        return added;
    }

    // Database trouble becomes a result the hub can act on; a busy database is worth another try.
    template <class F> Result guard(F&& f) {
        try {
            return f();
        } catch (const Poco::Exception& e) {
            if (isBusy(e)) return Result::retryable("the appointment book database is busy");
            return Result::permanent("appointment book database error: " + e.displayText());
        }
    }

    clinhub::Host host_;
    Config config_;
    Seed seed_;
    BookStore store_;
    std::mutex topUpMutex_;
    std::optional<std::chrono::sys_days> toppedUpFor_;
};

} // namespace

CLINHUB_PLUGIN(LocalBook, "local-book", "1.0.0",
               "Appointment book in a local SQLite file, for the demo and small sites", kConfigMap.schema())

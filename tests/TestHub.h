// The hub the in-process fixtures build, said once: the build tree's plugins, a config written as the
// test's hub.yaml, the runtime made from it, and a migrated store of the kind the test runs on
// (tests/store/TestStore.h). Fixtures say only what their tests need that differs: their organisations,
// rules and book.
#pragma once

#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "tests/TempDir.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace clinhub::test {

// The test patient every fixture's book holds (docs/domain.md's test NHS number, a 07700 900 mobile), as
// a line under the book seed's `patients:`.
inline constexpr const char* kTestPatientYaml =
    R"(  - {nhs_number: "9995260182", date_of_birth: "1956-03-14", mobile: "07700 900123", name: "Testy McTestface"}
)";

// A slot template under the book seed's `slot_templates:`: Flu clinic every day from 09:00 to `end` in ten-minute
// slots, with Nurse Example in Room 1.
inline std::string fluClinicYaml(const std::string& end = "10:00") {
    return R"(  - slot_type: Flu clinic
    clinician: Nurse Example
    location: Room 1
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "09:00"
    end: ")" +
           end + R"("
    slot_minutes: 10
)";
}

// Asthma review on Mondays from 14:00 to 15:00 in twenty-minute slots, with Dr Example in Room 2.
inline constexpr const char* kAsthmaReviewYaml = R"(  - slot_type: Asthma review
    clinician: Dr Example
    location: Room 2
    weekdays: [mon]
    start: "14:00"
    end: "15:00"
    slot_minutes: 20
)";

// Telephone review calls with Dr Example, two of fifteen minutes each morning (09:00) and each afternoon
// (14:00), every day: for telephone rules.
inline constexpr const char* kTelephoneReviewYaml = R"(  - slot_type: Telephone review
    clinician: Dr Example
    location: Telephone
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "09:00"
    end: "09:30"
    slot_minutes: 15
    telephone: true
  - slot_type: Telephone review
    clinician: Dr Example
    location: Telephone
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "14:00"
    end: "14:30"
    slot_minutes: 15
    telephone: true
)";

// hub.yaml for `organisations` (the YAML under `organisations:`): the hub at https://clinhub.example.test,
// the local-book connector `book` (its seed book.yaml, `bookConfig` added to its config) and the outbox-file
// connector `texts`.
inline std::string testHubYaml(const std::string& organisations,
                               const std::string& bookConfig = "generate: {days: 14}") {
    return R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  public_url: https://clinhub.example.test
  store: sqlite:hub.db
connectors:
  book: {plugin: local-book, config: {database: book.db, seed: book.yaml)" +
           (bookConfig.empty() ? "" : ", " + bookConfig) + R"(}}
  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
)" + organisations;
}

class TestHub {
public:
    // Writes `bookSeed` as book.yaml and `configYaml` as hub.yaml in `dir`, then loads the plugins, the config
    // and its runtime, and opens and migrates `db`'s store. A problem is a fatal failure of the calling
    // test, naming the first one: call it under ASSERT_NO_FATAL_FAILURE.
    void start(const TempDir& dir, const TestStore& db, const std::string& bookSeed, const std::string& configYaml) {
        std::ofstream(dir.file("book.yaml")) << bookSeed;
        std::ofstream(dir.file("hub.yaml")) << configYaml;
        host.loadDirectory(CLINHUB_PLUGIN_DIR);
        auto loaded = config::loadConfig(dir.file("hub.yaml"), host);
        ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "no config" : loaded.problems.front().str());
        config = std::move(loaded.config);
        std::vector<std::string> errors;
        auto runtime = runtime::Runtime::build(*config, host, errors);
        ASSERT_TRUE(runtime) << errors.front();
        current = std::make_unique<runtime::Current>(runtime);
        store = store::Store::open(db.url());
        store->migrate();
    }

    host::PluginHost host;
    std::optional<config::Config> config;
    std::unique_ptr<runtime::Current> current;
    std::unique_ptr<store::Store> store;
};

} // namespace clinhub::test

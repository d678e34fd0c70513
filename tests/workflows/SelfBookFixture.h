// A Self-Book service over a real store, the real local-book and outbox-file plugins, and a clock tests
// can move.
#pragma once

#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/workflows/SelfBook.h"
#include "tests/outbox/QueuedMessages.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

namespace clinhub::test {

class SelfBookFixture : public ::testing::Test {
protected:
    void SetUp() override { start(6, 14); }

    // A book with `slotsPerDay` Flu clinic slots of ten minutes from 09:00 UK time on each of `days` days
    // from tomorrow.
    void start(int slotsPerDay, int days, bool secondClinician = false) {
        const int end = 9 * 60 + slotsPerDay * 10;
        char endText[16];
        std::snprintf(endText, sizeof endText, "%02d:%02d", end / 60, end % 60);
        std::ofstream(dir.file("book.yaml")) << R"(patients:
  - {nhs_number: "9995260182", date_of_birth: "1956-03-14", mobile: "07700 900123", name: "Testy McTestface"}
)" << extraPatients << R"(slot_templates:
  - slot_type: Flu clinic
    clinician: Nurse Example
    location: Room 1
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "09:00"
    end: ")" << endText << R"("
    slot_minutes: 10
)"
                                             << (secondClinician ? R"(  - slot_type: Flu clinic
    clinician: Dr Second Example
    location: Room 3
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "13:00"
    end: "13:10"
    slot_minutes: 10
)"
                                                                 : "")
                                             << extraSlots << R"(  - slot_type: Asthma review
    clinician: Dr Example
    location: Room 2
    weekdays: [mon]
    start: "14:00"
    end: "15:00"
    slot_minutes: 20
)";
        const std::string yaml = R"(hub:
  public_url: https://clinhub.example.test
  store: sqlite:hub.db
connectors:
  book: {plugin: local-book, config: {database: book.db, seed: book.yaml, generate: {days: )" +
                                 std::to_string(days) + R"(}}}
  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
  A12345:
    name: Test Surgery
    notify_email: appointments@test-surgery.example
    route: {appointment_book: book, sms: [texts], email: texts}
    rules:
      flu:
        title: Flu vaccination
        slot_types: [Flu clinic]
        horizon_days: 14
        link_expiry_days: 7
        allow_decline: true
        allow_reschedule: true
        codes:
          invite: {code: "1240781000000106", term: "Invitation sent"}
          decline: {code: "822931000000100", term: "Seasonal influenza vaccination declined"}
  B99999:
    name: Other Surgery
    route: {appointment_book: book, sms: [texts]}
    rules:
      flu: {title: Flu, slot_types: [Flu clinic]}
  E12345:
    name: Emis Surgery
    batch_csv: nhs_number_only
    route: {appointment_book: book, sms: [texts]}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic]}
)";
        std::ofstream(dir.file("hub.yaml")) << yaml;
        host.loadDirectory(CLINHUB_PLUGIN_DIR);
        const auto loaded = config::loadConfig(dir.file("hub.yaml"), host);
        ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems.front().str());
        std::vector<std::string> errors;
        auto runtime = runtime::Runtime::build(*loaded.config, host, errors);
        ASSERT_TRUE(runtime) << errors.front();
        current = std::make_unique<runtime::Current>(runtime);
        store = store::Store::open(db.url());
        store->migrate();
        selfBook = std::make_unique<workflows::SelfBook>(*store, *current, [this] { return clock.load(); });
    }

    workflows::CreatedLink createLink(const std::string& rule = "flu") {
        return selfBook->createLink("A12345", rule, {"999 526 0182", "14/03/1956", "07700 900123", "Testy"});
    }

    // A token after its date of birth was checked, with the first free slot.
    std::vector<Slot> freeSlots(const std::string& token) {
        std::vector<Slot> slots;
        EXPECT_TRUE(selfBook->freeSlots(selfBook->open(token), slots).ok());
        return slots;
    }

    std::vector<outbox::Message> queued(outbox::Channel channel) {
        return queuedMessages(*store, outbox::toString(channel));
    }

    // Lines added to the book's seed (patients, slot templates) by a test's SetUp before start().
    std::string extraPatients;
    std::string extraSlots;
    TempDir dir;
    TestStore db{dir};
    host::PluginHost host;
    std::unique_ptr<runtime::Current> current;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::atomic<int64_t> clock{store::nowMicros()};
};

} // namespace clinhub::test

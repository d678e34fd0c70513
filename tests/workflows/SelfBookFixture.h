// A Self-Book service over a real store, the real local-book and outbox-file plugins, and a clock tests
// can move.
#pragma once

#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/workflows/SelfBook.h"
#include "tests/TestHub.h"
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
        const std::string second = R"(  - slot_type: Flu clinic
    clinician: Dr Second Example
    location: Room 3
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "13:00"
    end: "13:10"
    slot_minutes: 10
)";
        const std::string seed = std::string("patients:\n") + kTestPatientYaml + extraPatients + "slot_templates:\n" +
                                 fluClinicYaml(endText) + (secondClinician ? second : "") + extraSlots +
                                 kAsthmaReviewYaml;
        const std::string organisations = R"(  A12345:
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
)" + extraFluRule + R"(        codes:
          invite: {code: "1240781000000106", term: "Invitation sent"}
          decline: {code: "822931000000100", term: "Seasonal influenza vaccination declined"}
      calls:
        title: Medication review
        slot_types: [Telephone review]
        mode: telephone
        allow_reschedule: true
        windows: [{label: morning, from: "08:00", to: "12:00"}, {label: afternoon, from: "12:00", to: "18:30"}]
      calls-with-notice:
        title: Medication review
        slot_types: [Telephone review]
        mode: telephone
        min_notice_hours: 24
      reviews:
        title: Review
        slot_types: [Telephone review, Flu clinic]
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
        ASSERT_NO_FATAL_FAILURE(
            hub.start(dir, db, seed, testHubYaml(organisations, "generate: {days: " + std::to_string(days) + "}")));
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
    std::string extraFluRule; // keys added to the flu rule, indented as its own
    TempDir dir;
    TestStore db{dir};
    TestHub hub;
    host::PluginHost& host = hub.host;
    std::unique_ptr<runtime::Current>& current = hub.current;
    std::unique_ptr<store::Store>& store = hub.store;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::atomic<int64_t> clock{store::nowMicros()};
};

} // namespace clinhub::test

#include "ConnectorFixture.h"

#include <Poco/Data/SQLite/SessionImpl.h>
#include <Poco/Data/Session.h>

#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <latch>
#include <map>
#include <set>
#include <thread>

extern char** environ;

namespace {

using namespace Poco::Data::Keywords;
using clinhub::Appointment;
using clinhub::Patient;
using clinhub::Slot;
using clinhub::Status;
using clinhub::TimeRange;

constexpr int64_t kDay = 86400;

// Every day: six 10-minute flu slots from 09:00 UTC. Mondays also: three 20-minute asthma reviews.
constexpr const char* kSeed = R"(
patients:
  - nhs_number: "999 526 0182"
    date_of_birth: "1956-03-14"
    mobile: "07700 900123"
    name: "Testy McTestface"
  - nhs_number: "9991590838"
    date_of_birth: "1982-11-02"
slot_templates:
  - slot_type: Flu clinic
    clinician: Nurse Example
    location: Room 1
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "09:00"
    end: "10:00"
    slot_minutes: 10
  - slot_type: Asthma review
    clinician: Dr Example
    weekdays: [monday]
    start: "14:00"
    end: "15:00"
    slot_minutes: 20
    telephone: true
)";

constexpr int kDays = 14;

int64_t tomorrowUtc() {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return (now / kDay + 1) * kDay;
}

// The whole generated horizon, and the number of slots the seed makes in it.
const TimeRange kHorizon{tomorrowUtc(), tomorrowUtc() + kDays* kDay};
constexpr size_t kFluSlots = kDays * 6;
constexpr size_t kAsthmaSlots = (kDays / 7) * 3;

Patient patient(const std::string& nhs = "9995260182") { return {nhs, "1956-03-14", "+447700900123", "Testy", {}}; }

class LocalBookTest : public clinhub::test::ConnectorFixture {
protected:
    void SetUp() override {
        ConnectorFixture::SetUp();
        write("seed.yaml", kSeed);
    }

    std::string config(const std::string& database = "book.sqlite") const {
        return R"({"database": ")" + file(database) + R"(", "seed": ")" + file("seed.yaml") +
               R"(", "generate": {"days": )" + std::to_string(kDays) + R"(, "timezone": "UTC"}})";
    }

    clinhub::AppointmentBook& book(const std::string& database = "book.sqlite") {
        instances_.push_back(create("local-book", config(database)));
        EXPECT_NE(instances_.back()->appointmentBook(), nullptr);
        return *instances_.back()->appointmentBook();
    }

    static std::vector<Slot> freeSlots(clinhub::AppointmentBook& b, const std::string& type,
                                       TimeRange range = kHorizon) {
        std::vector<Slot> slots;
        EXPECT_TRUE(b.freeSlots(type, range, slots).ok());
        return slots;
    }

    // Reads the book's file directly, as a clinician looking at the diary would.
    int64_t count(const std::string& sql, const std::string& database = "book.sqlite") const {
        Poco::Data::Session session(
            Poco::AutoPtr<Poco::Data::SessionImpl>(new Poco::Data::SQLite::SessionImpl(file(database))));
        Poco::Int64 n = 0;
        session << sql, into(n), now;
        return n;
    }

    std::vector<std::shared_ptr<clinhub::host::ConnectorInstance>> instances_;
};

TEST_F(LocalBookTest, SeedingGeneratesSlotsForTheConfiguredDaysStartingTomorrow) {
    auto& b = book();
    const auto flu = freeSlots(b, "Flu clinic");
    ASSERT_EQ(flu.size(), kFluSlots);
    EXPECT_EQ(flu.front().start, tomorrowUtc() + 9 * 3600);
    EXPECT_EQ(flu.back().start, tomorrowUtc() + (kDays - 1) * kDay + 9 * 3600 + 50 * 60);
    EXPECT_EQ(flu.front().durationMinutes, 10);
    EXPECT_EQ(flu.front().clinician, "Nurse Example");
    EXPECT_EQ(flu.front().location, "Room 1");
    EXPECT_FALSE(flu.front().telephone);
    EXPECT_EQ(freeSlots(b, "Asthma review").size(), kAsthmaSlots);
    EXPECT_TRUE(freeSlots(b, "Asthma review").front().telephone);
    EXPECT_EQ(count("SELECT COUNT(*) FROM slots WHERE start < " + std::to_string(tomorrowUtc())), 0);
}

TEST_F(LocalBookTest, ReseedingAddsNoDuplicateSlotsAndLeavesBookingsAlone) {
    Appointment booked;
    {
        auto& b = book();
        ASSERT_TRUE(b.book(freeSlots(b, "Flu clinic").front().id, patient(), "", booked).ok());
        instances_.clear();
    }
    auto& again = book();
    auto& third = book(); // a second process starting on the same file seeds it at the same time
    (void)third;
    EXPECT_EQ(count("SELECT COUNT(*) FROM slots"), static_cast<int64_t>(kFluSlots + kAsthmaSlots));
    EXPECT_EQ(count("SELECT COUNT(*) FROM slots WHERE appointment_id IS NOT NULL"), 1);
    EXPECT_EQ(freeSlots(again, "Flu clinic").size(), kFluSlots - 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM patients"), 2);
}

TEST_F(LocalBookTest, SlotTypesListsOnlyTypesWithASlotInTheRange) {
    auto& b = book();
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes(kHorizon, types).ok());
    EXPECT_EQ(types, (std::vector<std::string>{"Asthma review", "Flu clinic"}));

    // A morning has only flu slots.
    const auto flu = freeSlots(b, "Flu clinic");
    types.clear();
    ASSERT_TRUE(b.slotTypes({flu.front().start, flu.front().start + 3600}, types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Flu clinic"});

    types.clear();
    ASSERT_TRUE(b.slotTypes({kHorizon.from - 7 * kDay, kHorizon.from}, types).ok());
    EXPECT_TRUE(types.empty());
}

TEST_F(LocalBookTest, SlotTypesIncludesATypeWhoseOnlySlotsAreBooked) {
    auto& b = book();
    const auto asthma = freeSlots(b, "Asthma review");
    const TimeRange monday{asthma.front().start, asthma.front().start + 3600};
    for (const auto& s : freeSlots(b, "Asthma review", monday)) {
        Appointment a;
        ASSERT_TRUE(b.book(s.id, patient(), "", a).ok());
    }
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes(monday, types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Asthma review"});
}

TEST_F(LocalBookTest, FreeSlotsAreOnlyOfTheTypeAndStartWithinTheRange) {
    auto& b = book();
    const TimeRange secondDay{kHorizon.from + kDay + 9 * 3600 + 10 * 60, kHorizon.from + kDay + 9 * 3600 + 40 * 60};
    const auto slots = freeSlots(b, "Flu clinic", secondDay);
    ASSERT_EQ(slots.size(), 3U); // 09:10, 09:20, 09:30: the end is exclusive
    for (const auto& s : slots) {
        EXPECT_EQ(s.slotType, "Flu clinic");
        EXPECT_GE(s.start, secondDay.from);
        EXPECT_LT(s.start, secondDay.to);
    }
    EXPECT_TRUE(freeSlots(b, "Asthma review", secondDay).empty());
    EXPECT_TRUE(freeSlots(b, "No such type").empty());
}

TEST_F(LocalBookTest, FreeSlotsLeaveOutBookedSlots) {
    auto& b = book();
    const auto before = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(before[3].id, patient(), "", a).ok());
    const auto after = freeSlots(b, "Flu clinic");
    EXPECT_EQ(after.size(), before.size() - 1);
    for (const auto& s : after)
        EXPECT_NE(s.id, before[3].id);
}

TEST_F(LocalBookTest, BookReturnsTheAppointmentWithItsSlot) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, patient(), "booked online", a).ok());
    EXPECT_FALSE(a.id.empty());
    EXPECT_EQ(a.slot.id, slot.id);
    EXPECT_EQ(a.slot.start, slot.start);
    EXPECT_EQ(a.slot.slotType, "Flu clinic");
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointments WHERE note = 'booked online' AND nhs_number = '9995260182'"), 1);
}

TEST_F(LocalBookTest, BookingATakenSlotIsAConflict) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment first;
    Appointment second;
    ASSERT_TRUE(b.book(slot.id, patient(), "", first).ok());
    const auto r = b.book(slot.id, patient("9991590838"), "", second);
    EXPECT_EQ(r.status, Status::conflict);
    EXPECT_EQ(r.message, "slot is already booked");
}

TEST_F(LocalBookTest, BookingAnUnknownSlotIsPermanent) {
    auto& b = book();
    Appointment a;
    EXPECT_EQ(b.book("s-999999", patient(), "", a).status, Status::permanent);
    EXPECT_EQ(b.book("not-an-id", patient(), "", a).status, Status::permanent);
}

TEST_F(LocalBookTest, BookingWithAnInvalidNhsNumberIsPermanent) {
    auto& b = book();
    Appointment a;
    EXPECT_EQ(b.book(freeSlots(b, "Flu clinic").front().id, patient("9995260183"), "", a).status, Status::permanent);
}

// Half the threads go through a second instance on the same file: separate connections race exactly as
// two hub processes would.
TEST_F(LocalBookTest, ConcurrentBookingsOfOneSlotSucceedExactlyOnce) {
    auto& one = book();
    auto& other = book();
    const auto slots = freeSlots(one, "Flu clinic");
    for (const auto& slot : std::vector<Slot>(slots.begin(), slots.begin() + 5)) {
        constexpr int kThreads = 8;
        std::latch start(kThreads);
        std::atomic<int> ok{0};
        std::atomic<int> conflicts{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                auto& b = i % 2 == 0 ? one : other;
                start.arrive_and_wait();
                Appointment a;
                const auto r = b.book(slot.id, patient(), "", a);
                if (r.ok()) ++ok;
                if (r.status == Status::conflict) ++conflicts;
            });
        }
        for (auto& t : threads)
            t.join();
        EXPECT_EQ(ok, 1);
        EXPECT_EQ(conflicts, kThreads - 1);
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointments"), 5);
}

// Real processes, each with its own connections and SQLite file locks, as several hubs sharing one book.
TEST_F(LocalBookTest, BookingsFromSeveralProcessesSucceedExactlyOncePerSlot) {
    auto& b = book();
    const auto free = freeSlots(b, "Flu clinic");
    const std::vector<std::string> slots{free[0].id, free[1].id, free[2].id, free[3].id};
    const auto startMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             (std::chrono::system_clock::now() + std::chrono::milliseconds(500)).time_since_epoch())
                             .count();
    constexpr int kProcesses = 4;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        std::vector<std::string> args{BOOK_CHILD, std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-local-book.so",
                                      file("book.sqlite"), std::to_string(startMs)};
        args.insert(args.end(), slots.begin(), slots.end());
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, file("child-" + std::to_string(p) + ".out").c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        pid_t pid = 0;
        ASSERT_EQ(posix_spawn(&pid, BOOK_CHILD, &actions, nullptr, argv.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    std::map<std::string, std::map<std::string, int>> outcomes; // slot -> status -> count
    for (int p = 0; p < kProcesses; ++p) {
        std::ifstream in(file("child-" + std::to_string(p) + ".out"));
        std::string slot;
        std::string status;
        while (in >> slot >> status)
            ++outcomes[slot][status];
    }
    for (const auto& slot : slots) {
        EXPECT_EQ(outcomes[slot]["ok"], 1) << slot;
        EXPECT_EQ(outcomes[slot]["conflict"], kProcesses - 1) << slot;
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointments"), static_cast<int64_t>(slots.size()));
}

TEST_F(LocalBookTest, CancelFreesTheSlot) {
    auto& b = book();
    const auto slot = freeSlots(b, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, patient(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    EXPECT_EQ(freeSlots(b, "Flu clinic").front().id, slot.id);
    Appointment again;
    EXPECT_TRUE(b.book(slot.id, patient("9991590838"), "", again).ok());
}

TEST_F(LocalBookTest, CancellingTwiceIsHarmlessAndAnUnknownAppointmentIsPermanent) {
    auto& b = book();
    Appointment a;
    ASSERT_TRUE(b.book(freeSlots(b, "Flu clinic").front().id, patient(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    EXPECT_TRUE(b.cancel(a.id).ok());
    EXPECT_EQ(b.cancel("a-424242").status, Status::permanent);
}

TEST_F(LocalBookTest, RescheduleMovesTheAppointmentFreesTheOldSlotAndKeepsHistory) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", a).ok());
    Appointment moved;
    ASSERT_TRUE(b.reschedule(a.id, slots[1].id, moved).ok());
    EXPECT_EQ(moved.id, a.id);
    EXPECT_EQ(moved.slot.id, slots[1].id);
    EXPECT_EQ(moved.slot.start, slots[1].start);
    const auto free = freeSlots(b, "Flu clinic");
    EXPECT_EQ(free.front().id, slots[0].id);
    EXPECT_NE(free[1].id, slots[1].id);
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointment_history WHERE event = 'rescheduled' AND from_slot_id = " +
                    slots[0].id.substr(2) + " AND to_slot_id = " + slots[1].id.substr(2)),
              1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointment_history"), 2); // booked, rescheduled
}

TEST_F(LocalBookTest, RescheduleToATakenSlotIsAConflictAndLeavesBothAppointmentsWhereTheyWere) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment mine;
    Appointment theirs;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", mine).ok());
    ASSERT_TRUE(b.book(slots[1].id, patient("9991590838"), "", theirs).ok());
    Appointment moved;
    const auto r = b.reschedule(mine.id, slots[1].id, moved);
    EXPECT_EQ(r.status, Status::conflict);
    EXPECT_EQ(count("SELECT slot_id FROM appointments WHERE id = " + mine.id.substr(2)),
              std::stoll(slots[0].id.substr(2)));
    EXPECT_EQ(count("SELECT appointment_id FROM slots WHERE id = " + slots[1].id.substr(2)),
              std::stoll(theirs.id.substr(2)));
    EXPECT_EQ(freeSlots(b, "Flu clinic").front().id, slots[2].id);
}

TEST_F(LocalBookTest, RescheduleOfACancelledAppointmentIsRefused) {
    auto& b = book();
    const auto slots = freeSlots(b, "Flu clinic");
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    Appointment moved;
    EXPECT_FALSE(b.reschedule(a.id, slots[1].id, moved).ok());
    EXPECT_EQ(freeSlots(b, "Flu clinic").size(), slots.size());
}

TEST_F(LocalBookTest, WriteCodeRecordsTheCodedEntryInTheDatabase) {
    auto& b = book();
    ASSERT_TRUE(b.writeCode(patient(), "822931000000100", "Seasonal influenza vaccination declined").ok());
    EXPECT_EQ(count("SELECT COUNT(*) FROM coded_entries WHERE nhs_number = '9995260182' AND code = '822931000000100' "
                    "AND term = 'Seasonal influenza vaccination declined' AND written_at > 0"),
              1);
    EXPECT_EQ(b.writeCode(patient(), "not-a-code", "x").status, Status::permanent);
}

TEST_F(LocalBookTest, FindPatientReturnsTheSeededPatientWithANormalisedMobile) {
    auto& b = book();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient("9995260182", found).ok());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->nhsNumber, "9995260182");
    EXPECT_EQ(found->dateOfBirth, "1956-03-14");
    EXPECT_EQ(found->mobile, "+447700900123");
    EXPECT_EQ(found->name, "Testy McTestface");
}

TEST_F(LocalBookTest, FindPatientReturnsNothingForAnUnknownNhsNumber) {
    auto& b = book();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient("9990166137", found).ok());
    EXPECT_FALSE(found.has_value());
}

TEST_F(LocalBookTest, InstancesWithDifferentDatabasesAreIndependent) {
    auto& one = book("one.sqlite");
    auto& two = book("two.sqlite");
    const auto slot = freeSlots(one, "Flu clinic").front();
    Appointment a;
    ASSERT_TRUE(one.book(slot.id, patient(), "", a).ok());
    EXPECT_EQ(freeSlots(one, "Flu clinic").size(), kFluSlots - 1);
    EXPECT_EQ(freeSlots(two, "Flu clinic").size(), kFluSlots);
    Appointment b;
    EXPECT_TRUE(two.book(slot.id, patient(), "", b).ok()); // same id, other book
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointments", "one.sqlite"), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM appointments", "two.sqlite"), 1);
}

TEST_F(LocalBookTest, ABookWithoutASeedStartsEmpty) {
    auto instance = create("local-book", R"({"database": ")" + file("sub/dir/empty.sqlite") + R"("})");
    ASSERT_NE(instance, nullptr);
    std::vector<std::string> types;
    ASSERT_TRUE(instance->appointmentBook()->slotTypes(kHorizon, types).ok());
    EXPECT_TRUE(types.empty());
}

TEST_F(LocalBookTest, ABadSeedFileIsRefusedWithItsLine) {
    write("bad.yaml", "patients:\n  - nhs_number: \"9995260183\"\n    date_of_birth: \"1956-03-14\"\n");
    const std::string json = R"({"database": ")" + file("bad.sqlite") + R"(", "seed": ")" + file("bad.yaml") + R"("})";
    const std::string error = createError("local-book", json);
    EXPECT_NE(error.find("bad.yaml:2:17: not a valid NHS number"), std::string::npos) << error;
    const auto* info = host_.find("local-book");
    ASSERT_NE(info, nullptr);
    ASSERT_TRUE(info->checkConfig);
    const auto errors = info->checkConfig(json);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors.front().pointer, "/seed");
    // Never echo patient data, even when it is wrong.
    EXPECT_EQ(errors.front().message.find("9995260183"), std::string::npos);
}

TEST_F(LocalBookTest, ASeedWithADuplicateKeyIsRefused) {
    write("dup.yaml", "slot_templates:\n  - slot_type: Flu clinic\n    weekdays: [mon]\n    start: \"09:00\"\n"
                      "    start: \"10:00\"\n    end: \"11:00\"\n    slot_minutes: 10\n");
    const std::string json = R"({"database": ")" + file("dup.sqlite") + R"(", "seed": ")" + file("dup.yaml") + R"("})";
    EXPECT_NE(createError("local-book", json).find("dup.yaml:5:5: duplicate key 'start'"), std::string::npos);
}

TEST_F(LocalBookTest, TheDemoSeedOffersItsFourSlotTypesOverSixWeeks) {
    auto instance =
        create("local-book", R"({"database": ")" + file("demo.sqlite") + R"(", "seed": ")" + CLINHUB_SOURCE_DIR +
                                 R"(/config/demo-book.yaml", "generate": {"days": 42}})");
    ASSERT_NE(instance, nullptr);
    std::vector<std::string> types;
    ASSERT_TRUE(instance->appointmentBook()->slotTypes({kHorizon.from - kDay, kHorizon.from + 43 * kDay}, types).ok());
    EXPECT_EQ(types, (std::vector<std::string>{"Asthma review", "Blood test", "Flu clinic", "Telephone review"}));
    std::optional<Patient> found;
    ASSERT_TRUE(instance->appointmentBook()->findPatient("9991590838", found).ok());
    EXPECT_TRUE(found.has_value());
}

} // namespace

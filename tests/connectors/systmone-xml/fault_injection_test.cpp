// Four patients race for the same slots through one connector while the unit fails about 30% of requests
// (server errors, dropped connections, bookings committed but unanswered, slots taken behind the hub's
// back). Retrying as the hub does, nothing may be booked twice and nothing may be booked that the
// connector did not report.
#include "SystmOneTest.h"

#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace systmone::test {
namespace {

class SystmOneUnderFaults : public SystmOneBothTransports {};

constexpr int kSlots = 60;
constexpr int kPatients = 4;
constexpr int kMaxAttempts = 25; // the hub gives up long after this in practice; here it must never need to

struct Outcome {
    Status status = Status::retryable;
    std::string appointment;
    std::string message;
    int attempts = 0;
};

// The hub's handling of a booking: a retryable result is tried again, anything else is final.
Outcome bookAsTheHubDoes(clinhub::AppointmentBook& b, const std::string& slot, const Patient& p) {
    Outcome o;
    for (o.attempts = 1; o.attempts <= kMaxAttempts; ++o.attempts) {
        Appointment a;
        const Result r = b.book(slot, p, "fault injection", a);
        o.status = r.status;
        o.message = r.message;
        if (r.status == Status::retryable) continue;
        if (r.ok()) o.appointment = a.id;
        break;
    }
    return o;
}

TEST_P(SystmOneUnderFaults, RacingBookingsUnderThirtyPercentFailuresAreNeverDoubledNorLost) {
    Sim sim;
    auto& b = book(sim, transport(), R"("max_connections": 4)");
    auto slots = freeSlots(b, "Flu clinic");
    ASSERT_GE(slots.size(), static_cast<std::size_t>(kSlots));
    slots.resize(kSlots);
    const Patient patients[kPatients] = {testy(), example(), sample(0), sample(1)};
    // A booking request meets one fault or another 30% of the time; the rest of the traffic 10%. Steals
    // only bite on a free slot, so they are the likeliest: with 60 slots, a run without one is 1 in 17,000.
    sim.setFaults(R"({"error_rate": 0.05, "drop_rate": 0.05, "after_commit_rate": 0.05, "steal_rate": 0.15})");

    std::mutex mutex;
    std::map<std::pair<int, int>, Outcome> outcomes; // (patient, slot)
    std::vector<std::thread> threads;
    for (int p = 0; p < kPatients; ++p)
        threads.emplace_back([&, p] {
            for (int i = 0; i < kSlots; ++i) {
                const int s = (i + p * 13) % kSlots; // each patient in a different order, so they collide
                const Outcome o = bookAsTheHubDoes(b, slots[s].id, patients[p]);
                std::lock_guard lock(mutex);
                outcomes[{p, s}] = o;
            }
        });
    for (auto& t : threads)
        t.join();
    sim.clearFaults();

    // What the connector reported.
    std::map<std::string, std::pair<int, int>> reported; // appointment -> (patient, slot)
    int retried = 0;
    for (const auto& [key, o] : outcomes) {
        ASSERT_NE(o.status, Status::retryable) << "gave up after " << kMaxAttempts << " attempts: " << o.message;
        ASSERT_NE(o.status, Status::permanent) << o.message;
        if (o.attempts > 1) ++retried;
        if (o.status == Status::ok) {
            ASSERT_TRUE(reported.emplace(o.appointment, key).second) << o.appointment << " reported twice";
        }
    }

    // What the book holds.
    std::map<std::string, std::vector<Poco::JSON::Object::Ptr>> heldBySlot;
    std::set<std::string> slotIds;
    for (const auto& s : slots)
        slotIds.insert(s.id);
    int stolen = 0;
    const auto all = sim.appointments();
    for (std::size_t i = 0; i < all->size(); ++i) {
        const auto a = all->getObject(static_cast<unsigned>(i));
        ASSERT_EQ(a->getValue<std::string>("status"), "Booked");
        ASSERT_TRUE(slotIds.contains(a->getValue<std::string>("slot_id")));
        heldBySlot[a->getValue<std::string>("slot_id")].push_back(a);
        if (a->getValue<bool>("stolen")) {
            ++stolen;
            continue;
        }
        const auto it = reported.find(a->getValue<std::string>("uid"));
        ASSERT_NE(it, reported.end()) << "booked but never reported: " << a->getValue<std::string>("uid");
        EXPECT_EQ(a->getValue<std::string>("nhs_number"), patients[it->second.first].nhsNumber);
        EXPECT_EQ(a->getValue<std::string>("slot_id"), slots[it->second.second].id);
    }
    for (const auto& [appointment, key] : reported)
        EXPECT_EQ(sim.appointment(appointment).size(), 1U) << "reported but not booked: " << appointment;
    for (const auto& s : slots) {
        EXPECT_EQ(heldBySlot[s.id].size(), 1U) << "slot " << s.id << ": every slot is taken once, by someone";
    }
    EXPECT_EQ(reported.size() + static_cast<std::size_t>(stolen), static_cast<std::size_t>(kSlots));

    // The faults really happened, so this test could have failed.
    EXPECT_GT(retried, 0);
    EXPECT_GT(stolen, 0);
}

INSTANTIATE_TEST_SUITE_P(Transports, SystmOneUnderFaults, ::testing::Values("tcp", "http"));

} // namespace
} // namespace systmone::test

// Many bookings and cancellations under 30% injected failures, retried the way the hub retries: what the
// connector reported must be exactly what the book holds. The simulator's dice are seeded and the calls
// are sequential, so a run is repeatable.
#include "GpConnectFixture.h"

#include <map>
#include <set>

namespace {

using namespace clinhub::test;
using clinhub::Appointment;
using clinhub::Result;
using clinhub::Status;

class FaultInjectionTest : public GpConnectTest {
protected:
    std::vector<std::string> simArgs() override { return {"--fixture", kFixture, "--seed", "20261123"}; }
};

// The hub retries a retryable result a few times; a conflict or a permanent result is final.
int retried = 0;

template <class F> Result withRetries(F&& call) {
    Result r;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (attempt > 0) ++retried;
        r = call();
        if (r.status != Status::retryable) break;
    }
    return r;
}

std::string fhirSlot(const std::string& slotId) { return slotId.substr(0, slotId.find('~')); }

TEST_F(FaultInjectionTest, UnderThirtyPercentFailuresNoBookingIsDoubledOrLost) {
    auto& b = book(config("", 2000));
    const auto slots = flu(b, 14);
    ASSERT_EQ(slots.size(), 84U);
    const std::vector<std::string> patients{kNhs, kOtherNhs, "9990166137"};
    sim_->setFaults(R"({"error_rate": 0.08, "drop_rate": 0.08, "after_commit_rate": 0.08, "steal_rate": 0.06})");

    std::map<std::string, std::pair<std::string, std::string>> reported; // appointment -> (slot, NHS number)
    std::map<std::string, int> okPerSlot;
    std::set<std::string> cancelled;
    std::set<std::string> cancelUnsettled;
    int conflicts = 0;
    std::vector<std::string> unsettled;
    for (size_t i = 0; i < slots.size(); ++i) {
        std::string bookedHere;
        // Two patients go for each slot, one after the other: the second must never get it too.
        for (size_t k = 0; k < 2; ++k) {
            const std::string nhs = patients[(i + k) % patients.size()];
            Appointment a;
            const Result r = withRetries([&] { return b.book(slots[i].id, patient(nhs), "", a); });
            if (r.ok()) {
                reported[a.id] = {fhirSlot(slots[i].id), nhs};
                ++okPerSlot[slots[i].id];
                bookedHere = a.id;
            } else if (r.status == Status::conflict) {
                ++conflicts;
            } else {
                unsettled.push_back(r.message);
            }
        }
        if (i % 4 == 0 && !bookedHere.empty()) {
            if (withRetries([&] { return b.cancel(bookedHere); }).ok())
                cancelled.insert(bookedHere);
            else
                cancelUnsettled.insert(bookedHere);
        }
    }
    sim_->clearFaults();

    // The faults did happen, and bookings went through and were refused, or this proves nothing.
    std::map<std::string, int> faults;
    for (const auto& e : requests())
        ++faults[e.fault];
    for (const char* fault : {"error", "after-commit drop", "after-commit error", "steal"})
        EXPECT_GE(faults[fault], 1) << fault;
    EXPECT_GE(faults["error"], 10);
    EXPECT_GE(retried, 5);
    EXPECT_GT(reported.size(), slots.size() / 2);
    EXPECT_GT(conflicts, static_cast<int>(slots.size() / 2));
    for (const auto& message : unsettled)
        ADD_FAILURE() << "a booking still unsettled after the hub's retries: " << message;

    // No double booking: one reported booking per slot, and the book never holds two for a slot.
    for (const auto& [slot, n] : okPerSlot)
        EXPECT_EQ(n, 1) << "slot " << slot << " reported booked " << n << " times";
    std::map<std::string, int> heldPerSlot;
    std::map<std::string, int> seen;
    for (const auto& a : appointments()) {
        const std::string id = a->getValue<std::string>("id");
        ++seen[id];
        if (a->getValue<std::string>("status") == "booked") ++heldPerSlot[a->getValue<std::string>("slot_id")];
        if (a->getValue<bool>("stolen")) continue;
        // Nothing lost: every appointment the hub's patients hold was reported to the hub.
        const auto it = reported.find(id);
        ASSERT_NE(it, reported.end()) << "appointment " << id << " exists but was never reported booked";
        EXPECT_EQ(a->getValue<std::string>("slot_id"), it->second.first) << id;
        EXPECT_EQ(a->getValue<std::string>("nhs_number"), it->second.second) << id;
        const std::string status = a->getValue<std::string>("status");
        if (cancelled.count(id)) {
            EXPECT_EQ(status, "cancelled") << id;
        } else if (!cancelUnsettled.count(id)) {
            EXPECT_EQ(status, "booked") << id;
        }
    }
    for (const auto& [slot, n] : heldPerSlot)
        EXPECT_EQ(n, 1) << "the book holds " << n << " appointments in slot " << slot;
    // Every booking reported exists, exactly once.
    for (const auto& [id, what] : reported)
        EXPECT_EQ(seen[id], 1) << "reported appointment " << id << " is held " << seen[id] << " times";
}

} // namespace

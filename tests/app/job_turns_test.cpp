#include "hub/app/JobTurns.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace clinhub::test {
namespace {

class JobTurnsTest : public ::testing::Test {
protected:
    void SetUp() override { store->migrate(); }
    TempDir dir;
    TestStore db{dir};
    std::unique_ptr<store::Store> store = store::Store::open(db.url());
};

TEST_F(JobTurnsTest, OneProcessTakesATurnAndTheOthersWaitForTheNext) {
    app::JobTurns a(*store);
    app::JobTurns b(*store);
    EXPECT_NE(a.holder(), b.holder());
    EXPECT_TRUE(a.take("link_expiry_sweep", 200ms));
    EXPECT_FALSE(b.take("link_expiry_sweep", 200ms)) << "a holds this turn";
    EXPECT_FALSE(a.take("link_expiry_sweep", 200ms)) << "nor does a run twice in one turn";
    EXPECT_TRUE(b.take("community_clinic_invitations", 200ms)) << "each job has its own turns";
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(b.take("link_expiry_sweep", 200ms)) << "the turn is over: the next falls to whoever asks first";
}

TEST_F(JobTurnsTest, OfManyAskingAtOnceExactlyOneTakesTheTurn) {
    constexpr int kProcesses = 6;
    std::vector<std::unique_ptr<app::JobTurns>> processes;
    processes.reserve(kProcesses);
    for (int i = 0; i < kProcesses; ++i)
        processes.push_back(std::make_unique<app::JobTurns>(*store));
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    threads.reserve(kProcesses);
    for (auto& p : processes)
        threads.emplace_back([&] {
            if (p->take("immunisation_rechecks", 10s)) ++taken;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(taken.load(), 1);
}

} // namespace
} // namespace clinhub::test

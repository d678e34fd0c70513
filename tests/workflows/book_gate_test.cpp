#include "hub/workflows/BookGate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

using clinhub::workflows::BookGate;
using namespace std::chrono_literals;

TEST(BookGate, AnOrganisationsBookGetsAtMostItsCallsAtOnce) {
    BookGate gate(2, 50ms);
    auto first = gate.enter("A12345");
    auto second = gate.enter("A12345");
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(gate.enter("A12345")) << "a third waits, then gives up";
    EXPECT_TRUE(gate.enter("B99999")) << "another organisation's book is not held up";
    first.reset();
    EXPECT_TRUE(gate.enter("A12345")) << "a call that ends lets the next in";
}

TEST(BookGate, AWaitingCallGoesInWhenOneEnds) {
    BookGate gate(1, 5s);
    auto held = gate.enter("A12345");
    ASSERT_TRUE(held);
    auto waiting = std::async(std::launch::async, [&] { return gate.enter("A12345").has_value(); });
    EXPECT_EQ(waiting.wait_for(100ms), std::future_status::timeout);
    held.reset();
    EXPECT_TRUE(waiting.get());
}

TEST(BookGate, NoBoundLetsEveryCallIn) {
    BookGate gate(0, 0ms);
    std::vector<BookGate::Permit> permits;
    for (int i = 0; i < 100; ++i)
        permits.push_back(*gate.enter("A12345"));
    EXPECT_EQ(permits.size(), 100U);
}

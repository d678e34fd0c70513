#include "hub/http/ClientLimit.h"

#include <gtest/gtest.h>

using clinhub::http::ClientLimit;
using namespace std::chrono_literals;

TEST(ClientLimit, ABurstIsAllowedThenTheClientWaitsForTheRefill) {
    ClientLimit limit(60, 3); // one a minute, three at once
    const auto t0 = ClientLimit::Clock::time_point() + 1h;
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(limit.take("192.0.2.1", t0), 0s) << i;
    EXPECT_EQ(limit.take("192.0.2.1", t0), 60s) << "the fourth waits a whole refill";
    EXPECT_EQ(limit.take("192.0.2.1", t0 + 30s), 30s);
    EXPECT_EQ(limit.take("192.0.2.1", t0 + 60s), 0s);
    EXPECT_EQ(limit.take("192.0.2.2", t0), 0s) << "another address has its own bucket";
}

TEST(ClientLimit, NoRateMeansNoLimit) {
    ClientLimit limit(0, 1);
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(limit.take("192.0.2.1"), 0s);
}

TEST(ClientLimit, ManyAddressesAreForgottenRatherThanHeldForever) {
    ClientLimit limit(60, 1, 10);
    const auto t0 = ClientLimit::Clock::time_point() + 1h;
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(limit.take("198.51.100." + std::to_string(i), t0), 0s);
    EXPECT_EQ(limit.take("198.51.100.0", t0), 60s);
    // Full again a minute later: the buckets are forgotten to make room, which changes nothing for them.
    EXPECT_EQ(limit.take("203.0.113.1", t0 + 61s), 0s);
    EXPECT_EQ(limit.take("198.51.100.0", t0 + 61s), 0s);
}

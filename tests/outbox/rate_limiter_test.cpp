#include "hub/outbox/RateLimiter.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

using namespace std::chrono_literals;
using clinhub::outbox::TokenBucket;

TEST(TokenBucket, LetsABurstThroughThenSpacesCallsAtTheRate) {
    TokenBucket bucket(60, 3);
    const auto t = TokenBucket::Clock::now();
    EXPECT_EQ(bucket.reserve(t), 0s);
    EXPECT_EQ(bucket.reserve(t), 0s);
    EXPECT_EQ(bucket.reserve(t), 0s);
    EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(bucket.reserve(t)), 1000ms);
    EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(bucket.reserve(t)), 2000ms);
}

TEST(TokenBucket, RefillsWithTimeButNeverBeyondItsBurst) {
    TokenBucket bucket(60, 2);
    const auto t = TokenBucket::Clock::now();
    EXPECT_EQ(bucket.reserve(t), 0s);
    EXPECT_EQ(bucket.reserve(t), 0s);
    const auto later = t + 1h;
    EXPECT_EQ(bucket.reserve(later), 0s);
    EXPECT_EQ(bucket.reserve(later), 0s);
    EXPECT_GT(bucket.reserve(later), 0s) << "an hour idle still holds only two";
}

TEST(TokenBucket, AReservationGivenBackIsTheNextCallersToUse) {
    TokenBucket bucket(60, 1);
    const auto t = TokenBucket::Clock::now();
    EXPECT_EQ(bucket.reserve(t), 0s);
    EXPECT_GT(bucket.reserve(t), 0s);
    bucket.cancel();
    EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(bucket.reserve(t)), 1000ms);
}

TEST(RateLimiter, NoLimitMeansNoWaitAndEachConnectorHasItsOwnBucket) {
    outbox::RateLimiter limiter;
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(limiter.reserve("unlimited", 0), 0s);
    EXPECT_EQ(limiter.reserve("a", 60), 0s);
    EXPECT_GT(limiter.reserve("a", 60), 0s);
    EXPECT_EQ(limiter.reserve("b", 60), 0s);
}

TEST(RateLimiter, ANewRateTakesEffectAtOnce) {
    outbox::RateLimiter limiter;
    EXPECT_EQ(limiter.reserve("a", 60), 0s);
    EXPECT_GT(limiter.reserve("a", 60), 0s);
    EXPECT_EQ(limiter.reserve("a", 6000), 0s) << "a reload raised the limit";
}

} // namespace
} // namespace clinhub::test

#include "hub/workflows/SlotCache.h"

#include <gtest/gtest.h>

using clinhub::Slot;
using clinhub::workflows::SlotCache;
using namespace std::chrono_literals;

namespace {

std::vector<Slot> slots(const std::string& id) {
    Slot slot;
    slot.id = id;
    return {slot};
}

const auto t0 = SlotCache::Clock::time_point() + 1h;

} // namespace

TEST(SlotCache, AListIsKeptForItsTimeThenAskedAgain) {
    SlotCache cache(10s);
    EXPECT_FALSE(cache.get("lnk_1", t0));
    cache.put("lnk_1", "A12345", slots("s1"), t0);
    ASSERT_TRUE(cache.get("lnk_1", t0 + 9s));
    EXPECT_EQ(cache.get("lnk_1", t0 + 9s)->front().id, "s1");
    EXPECT_FALSE(cache.get("lnk_1", t0 + 10s)) << "lapsed";
    EXPECT_FALSE(cache.get("lnk_2", t0)) << "each link its own";
}

TEST(SlotCache, ABookingForgetsItsOrganisationsListsOnly) {
    SlotCache cache(10s);
    cache.put("lnk_1", "A12345", slots("s1"), t0);
    cache.put("lnk_2", "A12345", slots("s1"), t0);
    cache.put("lnk_3", "B99999", slots("s9"), t0);
    cache.forgetOrganisation("A12345");
    EXPECT_FALSE(cache.get("lnk_1", t0));
    EXPECT_FALSE(cache.get("lnk_2", t0));
    EXPECT_TRUE(cache.get("lnk_3", t0));
}

TEST(SlotCache, NoTimeKeepsNothingAndTheSizeIsBounded) {
    SlotCache none(0s);
    none.put("lnk_1", "A12345", slots("s1"), t0);
    EXPECT_FALSE(none.get("lnk_1", t0));

    SlotCache small(10s, 2);
    small.put("lnk_1", "A12345", slots("s1"), t0);
    small.put("lnk_2", "A12345", slots("s2"), t0 + 5s);
    small.put("lnk_3", "A12345", slots("s3"), t0 + 11s); // lnk_1 has lapsed: it makes room
    EXPECT_FALSE(small.get("lnk_1", t0 + 11s));
    EXPECT_TRUE(small.get("lnk_2", t0 + 11s));
    EXPECT_TRUE(small.get("lnk_3", t0 + 11s));
}

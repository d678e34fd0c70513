#include "hub/store/SortableId.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

namespace {

TEST(SortableId, IsAVersion7UuidWithTheRfc9562Variant) {
    const std::string id = clinhub::store::sortableId();
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << id;
}

TEST(SortableId, CarriesTheMillisecondItWasMadeIn) {
    const auto before =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string id = clinhub::store::sortableId();
    const auto after =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const long long stamped = std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
    EXPECT_GE(stamped, before);
    EXPECT_LE(stamped, after);
}

TEST(SortableId, OneMadeInALaterMillisecondSortsAfter) {
    const std::string first = clinhub::store::sortableId();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_LT(first, clinhub::store::sortableId());
}

TEST(SortableId, ManyMadeInTheSameMillisecondAreStillDistinct) {
    std::set<std::string> ids;
    for (int i = 0; i < 10000; ++i)
        ids.insert(clinhub::store::sortableId());
    EXPECT_EQ(ids.size(), 10000U);
}

} // namespace

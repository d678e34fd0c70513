// Reading GP Connect resources, compiled in: the strict checks on what a booking relies on.
#include "Resources.h"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

namespace {

using namespace gpconnect;

Object::Ptr bundleWithSlot(const std::string& start, const std::string& end) {
    const std::string json = R"({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Slot", "id": "1000", "status": "free", "start": ")" +
                             start + R"(", "end": ")" + end + R"(",
            "schedule": {"reference": "Schedule/14"}, "serviceType": [{"text": "Flu clinic"}]}},
        {"resource": {"resourceType": "Schedule", "id": "14", "actor": [{"reference": "Location/17"}]}}]})";
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

TEST(Resources, AFreeSlotReadsIntoAnIdThatDecodesToItsReference) {
    std::vector<FoundSlot> slots;
    ASSERT_TRUE(readSlots(bundleWithSlot("2026-11-24T10:00:00+00:00", "2026-11-24T10:10:00+00:00"), slots).ok());
    ASSERT_EQ(slots.size(), 1U);
    EXPECT_EQ(slots[0].slot.durationMinutes, 10);
    const auto ref = SlotRef::decode(slots[0].slot.id);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->start, slots[0].ref.start);
}

// Found by tests/fuzz/gpconnect-fhir: a slot starting before 1970 was listed with an id that never decodes,
// and one lasting centuries with a negative length in minutes.
TEST(Resources, ASlotBefore1970OrLongerThanADayIsAMalformedReply) {
    std::vector<FoundSlot> slots;
    const auto early = readSlots(bundleWithSlot("1013-11-24T10:00:00+00:00", "1013-11-24T10:10:00+00:00"), slots);
    EXPECT_EQ(early.status, clinhub::Status::permanent);
    EXPECT_NE(early.message.find("before 1970"), std::string::npos) << early.message;
    const auto long_ = readSlots(bundleWithSlot("2026-11-24T10:00:00+00:00", "9999-11-24T10:10:00+00:00"), slots);
    EXPECT_EQ(long_.status, clinhub::Status::permanent);
    EXPECT_NE(long_.message.find("within a day"), std::string::npos) << long_.message;
    EXPECT_TRUE(slots.empty());
}

} // namespace

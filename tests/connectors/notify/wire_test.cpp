// Notify's answers read into results, compiled in: what a log line or last_error may carry.
#include "Wire.h"

#include <gtest/gtest.h>

namespace {

// Found by tests/fuzz/notify: a lookup refused for a malformed second notification still handed back the
// first one's delivery.
TEST(NotifyWire, ARefusedLookupCarriesNoDelivery) {
    clinhub::Delivery delivery;
    const auto r = notify::lookupAnswer(
        200, R"({"notifications": [{"id": "a1", "status": "delivered"}, {"id": "a2"}]})", delivery);
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_TRUE(delivery.providerId.empty());
    EXPECT_EQ(delivery.state, clinhub::DeliveryState::unknown);
}

TEST(NotifyWire, ALookupGivesTheNewestNotification) {
    clinhub::Delivery delivery;
    ASSERT_TRUE(notify::lookupAnswer(
                    200,
                    R"({"notifications": [{"id": "a1", "status": "delivered"}, {"id": "a2", "status": "sending"}]})",
                    delivery)
                    .ok());
    EXPECT_EQ(delivery.providerId, "a1");
    EXPECT_EQ(delivery.state, clinhub::DeliveryState::delivered);
}

TEST(NotifyWire, AnErrorsNumbersAndDatesAreScrubbed) {
    const auto r = notify::errorAnswer(
        400,
        R"({"errors": [{"error": "ValidationError", "message": "phone_number 07700 900123 (born 14/03/1956) is not valid"}], "status_code": 400})",
        "SMS");
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_EQ(r.message.find("900123"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("1956"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("ValidationError: phone_number ##### ###### (born ##/##/####)"), std::string::npos)
        << r.message;
}

} // namespace

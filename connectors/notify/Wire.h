// Notify's JSON, both ways: request bodies, and what each answer means for the hub (the error mapping
// lives here, in one place).
#pragma once

#include "Config.h"

#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace notify {

std::string smsRequest(const Config& config, const clinhub::Sms& sms);
std::string emailRequest(const Config& config, const clinhub::Email& email);

// A send's answer: ok with Notify's notification id for a 201 of Notify's shape; otherwise the error
// mapping. `what` names the call ("SMS", "email") for messages.
clinhub::Result sendAnswer(long status, const std::string& body, const std::string& what, std::string& providerId);

// A lookup's answer: the newest notification with the reference, or unknown when there is none.
clinhub::Result lookupAnswer(long status, const std::string& body, clinhub::Delivery& delivery);

// Any non-2xx answer: Notify's {"errors":[{"error","message"}],"status_code"} read into a result.
clinhub::Result errorAnswer(long status, const std::string& body, const std::string& what);

clinhub::DeliveryState stateOf(const std::string& notifyStatus);

// One delivery-receipt callback body.
clinhub::Result receiptBody(const std::string& body, std::vector<clinhub::Receipt>& receipts);

} // namespace notify

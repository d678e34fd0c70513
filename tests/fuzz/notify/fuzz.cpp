// libFuzzer over GOV.UK Notify's answers: connectors/notify/Wire.cpp's send, lookup and error mapping for a
// status chosen by the first byte, and the delivery-receipt callback body. Each returns a result, never
// throws; a success carries what the hub needs (a notification id).
#include "Wire.h"

#include "tests/fuzz/FuzzCheck.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace {

using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

constexpr std::array<long, 12> kStatuses{200, 201, 202, 204, 301, 400, 401, 403, 404, 429, 500, 503};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const long status = kStatuses[data[0] % kStatuses.size()];
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::string providerId;
    const auto sent = notify::sendAnswer(status, body, "SMS", providerId);
    requireResult(sent, "Notify ");
    require(sent.ok() == !providerId.empty());

    clinhub::Delivery delivery;
    const auto looked = notify::lookupAnswer(status, body, delivery);
    requireResult(looked, "Notify ");
    if (!looked.ok()) require(delivery.providerId.empty());

    requireResult(notify::errorAnswer(status, body, "email"), "Notify ");

    std::vector<clinhub::Receipt> receipts;
    const auto receipt = notify::receiptBody(body, receipts);
    requireResult(receipt, "a Notify delivery receipt with ");
    require(receipts.size() == (receipt.ok() ? 1U : 0U));
    return 0;
}

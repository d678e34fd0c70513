// libFuzzer over NHS Notify's answers and callbacks: connectors/nhs-notify/Wire.cpp's create, get and error
// mapping for a status chosen by the first byte, the callback body parser, and Callback.cpp's header lines and
// signature check. Each returns a result, never throws; a success carries what the hub needs.
#include "Callback.h"
#include "Wire.h"

#include "tests/fuzz/FuzzCheck.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace {

using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

constexpr std::array<long, 14> kStatuses{200, 201, 202, 204, 400, 401, 403, 404, 422, 425, 429, 500, 503, 504};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const long status = kStatuses[data[0] % kStatuses.size()];
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::string providerId;
    bool duplicate = false;
    const auto sent = nhsnotify::sendAnswer(status, body, providerId, duplicate);
    requireResult(sent, "NHS Notify ");
    if (sent.ok()) require(duplicate == providerId.empty());
    if (!sent.ok()) require(providerId.empty() && !duplicate);

    clinhub::Delivery delivery;
    std::vector<clinhub::Receipt> channels;
    const auto looked = nhsnotify::messageAnswer(status, body, delivery, channels);
    requireResult(looked, "NHS Notify ");
    if (!looked.ok()) require(delivery.providerId.empty() && channels.empty());
    for (const auto& c : channels)
        require(c.channel != clinhub::PatientChannel::unknown && c.state != clinhub::DeliveryState::unknown);

    std::vector<clinhub::Receipt> receipts;
    const auto receipt = nhsnotify::callbackBody(body, receipts);
    requireResult(receipt, "an NHS Notify callback");
    if (!receipt.ok()) require(receipts.empty());
    for (const auto& r : receipts)
        require(!r.reference.empty() && r.state != clinhub::DeliveryState::unknown);

    // The signature checked over the same bytes, with the body's first line as the header's value.
    const nhsnotify::Headers headers{{"x-api-key", "fuzz-api-key"},
                                     {"x-hmac-sha256-signature", body.substr(0, body.find('\n'))}};
    const auto verified = nhsnotify::verifyCallback(headers, body, "fuzz-api-key", "fuzz-app.fuzz-api-key");
    requireResult(verified, "NHS Notify callback refused");
    return 0;
}

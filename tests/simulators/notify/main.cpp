// notify_sim: GOV.UK Notify's REST API v2 (see Protocol.h) for the notify connector's tests, the hub's
// outbox crash and fault tests, and the benchmark. Besides the common flags (see SimServer.h):
//   --rate-limit N              sends per service per rolling minute before 429 RateLimitError (3000; 0: off)
//   --rate-429 P                fraction of sends answered 429 TooManyRequestsError
//   --clock-skew-s N            the sim's clock runs N seconds ahead (JWT iat checks)
//   --callback-url URL          where delivery receipts are POSTed (none: statuses still progress)
//   --callback-token T          their bearer token
//   --callback-delay-ms N       how long after acceptance a notification is delivered (200)
//   --delivery-failure-rate P   fraction of notifications that fail instead of being delivered
// --error-rate answers 500; --malformed-rate a truncated body; --after-commit-rate records the send and
// drops the connection; --latency-ms longer than the client's timeout makes a timeout.
#include "Fixture.h"
#include "Protocol.h"
#include "Receipts.h"
#include "SimServer.h"
#include "Store.h"

#include <iostream>

int main(int argc, char** argv) {
    const auto options = clinhub::sim::Options::parse(argc, argv, "notify_sim",
                                                      {"rate-limit", "rate-429", "clock-skew-s", "callback-url",
                                                       "callback-token", "callback-delay-ms", "delivery-failure-rate"});
    try {
        const auto fixture = notifysim::Fixture::load(options.fixture);
        const unsigned seed = options.seed.value_or(std::random_device{}());
        notifysim::Store store;
        notifysim::Receipts receipts(store,
                                     {options.extraOr("callback-url", ""), options.extraOr("callback-token", ""),
                                      std::stoi(options.extraOr("callback-delay-ms", "200")),
                                      std::stod(options.extraOr("delivery-failure-rate", "0"))},
                                     seed + 1);
        clinhub::sim::SimServer server(options);
        notifysim::Protocol protocol(fixture, server.faults(), store, receipts,
                                     {std::stoi(options.extraOr("rate-limit", "3000")),
                                      std::stod(options.extraOr("rate-429", "0")),
                                      std::stoi(options.extraOr("clock-skew-s", "0"))},
                                     seed + 2);
        return server.run([&](auto& request, auto& response) { protocol.serve(request, response); },
                          [&](auto& request, auto& response) { protocol.inspect(request, response); });
    } catch (const std::exception& e) {
        std::cerr << "notify_sim: " << e.what() << '\n';
        return 1;
    }
}

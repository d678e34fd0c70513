// nhs_notify_sim: NHS Notify's Communications Manager API and the API platform's signed-JWT token endpoint,
// for the nhs-notify connector's tests (see Service.h). Besides the common flags (SimServer.h):
//   --public-key FILE           PEM public key the clients' JWTs are checked against
//   --keys-out DIR              instead: make a fresh RSA key pair at start, writing DIR/private.pem (for the
//                               client) and DIR/public.pem. Test keys only.
//   --token-lifetime-s N        lifetime of the tokens issued (599, as the platform's)
//   --callback-url URL          where MessageStatus and ChannelStatus callbacks are POSTed (none: not sent)
//   --callback-api-key K        the x-api-key they carry, and the HMAC secret's second half
//   --application-id A          the HMAC secret's first half ("[APPLICATION_ID].[API_KEY]")
//   --step-ms N                 how long each step of a message takes on the sim's clock (100)
//   --read-delay-ms N           how long a patient who reads takes to read an NHS App message (200)
//   --rate-429 P                fraction of creates refused with 429 CM_QUOTA
#include "Auth.h"
#include "Plans.h"
#include "Service.h"
#include "SimServer.h"

#include <iostream>

int main(int argc, char** argv) {
    const auto options =
        clinhub::sim::Options::parse(argc, argv, "nhs_notify_sim",
                                     {"public-key", "keys-out", "token-lifetime-s", "callback-url", "callback-api-key",
                                      "application-id", "step-ms", "read-delay-ms", "rate-429"});
    try {
        auto plans = nhsnotifysim::Plans::load(options.fixture);
        const auto key = immsim::Auth::publicKey(options.extraOr("keys-out", ""), options.extraOr("public-key", ""));
        if (!key) {
            std::cerr << "nhs_notify_sim: --public-key FILE or --keys-out DIR is required\n";
            return 2;
        }
        nhsnotifysim::CallbackOptions callbacks{
            options.extraOr("callback-url", ""), options.extraOr("callback-api-key", ""),
            options.extraOr("application-id", ""), std::stoi(options.extraOr("step-ms", "100")),
            std::stoi(options.extraOr("read-delay-ms", "200"))};
        clinhub::sim::SimServer server(options);
        nhsnotifysim::Service service(std::move(plans), key,
                                      {std::stoi(options.extraOr("token-lifetime-s", "599")), false}, callbacks,
                                      std::stod(options.extraOr("rate-429", "0")),
                                      options.seed.value_or(std::random_device{}()), server.faults());
        return server.run([&](auto& request, auto& response) { service.serve(request, response); },
                          [&](auto& request, auto& response) { service.inspect(request, response); });
    } catch (const std::exception& e) {
        std::cerr << "nhs_notify_sim: " << e.what() << '\n';
        return 1;
    }
}

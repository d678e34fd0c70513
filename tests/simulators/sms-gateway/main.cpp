// sms_gateway_sim: a generic JSON SMS gateway (see Gateway.h). Common flags only (see SimServer.h); the
// fixture lists the API keys it accepts.
#include "Gateway.h"
#include "SimServer.h"

#include <iostream>

int main(int argc, char** argv) {
    const auto options = clinhub::sim::Options::parse(argc, argv, "sms_gateway_sim", {});
    try {
        clinhub::sim::SimServer server(options);
        smsgw::Gateway gateway(options.fixture, server.faults());
        return server.run([&](auto& request, auto& response) { gateway.serve(request, response); },
                          [&](auto& request, auto& response) { gateway.inspect(request, response); });
    } catch (const std::exception& e) {
        std::cerr << "sms_gateway_sim: " << e.what() << '\n';
        return 1;
    }
}

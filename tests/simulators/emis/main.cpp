// emis_sim: an EMIS-style Partner API (SOAP over HTTP) for the emis-xml connector's tests, benchmark and
// conformance run. Besides the common flags (see SimServer.h) it takes --session-ttl-s N: how long a
// logon session lives unused (default 1200).
#include "Diary.h"
#include "Protocol.h"
#include "SimServer.h"

#include <iostream>

int main(int argc, char** argv) {
    const auto options = clinhub::sim::Options::parse(argc, argv, "emis_sim", {"session-ttl-s"});
    try {
        emissim::Diary diary(options.fixture);
        clinhub::sim::SimServer server(options);
        emissim::Protocol protocol(diary, server.faults(),
                                   std::chrono::seconds(std::stol(options.extraOr("session-ttl-s", "1200"))),
                                   options.seed.value_or(std::random_device{}()));
        return server.run([&](auto& request, auto& response) { protocol.serve(request, response); },
                          [&](auto& request, auto& response) { protocol.inspect(request, response); });
    } catch (const std::exception& e) {
        std::cerr << "emis_sim: " << e.what() << '\n';
        return 1;
    }
}

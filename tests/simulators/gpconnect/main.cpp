// gpconnect_sim: a GP Connect Appointment Management 1.2 provider (FHIR STU3 JSON) behind a Spine
// Security Proxy, for the gpconnect-fhir connector's tests and benchmark. See Provider.h for the faults
// and Inspect.cpp for the /_sim/ endpoints.
//
//   gpconnect_sim --fixture fixture.json [--port N] [--port-file F] [--seed N] [fault flags]
#include "Book.h"
#include "Provider.h"
#include "SimServer.h"

#include <iostream>

int main(int argc, char** argv) {
    const auto options = clinhub::sim::Options::parse(argc, argv, "gpconnect_sim", {});
    gpcsim::Book book;
    try {
        book = gpcsim::Book::load(options.fixture);
    } catch (const std::exception& e) {
        std::cerr << "gpconnect_sim: " << e.what() << '\n';
        return 2;
    }
    clinhub::sim::SimServer server(options);
    gpcsim::Provider provider(std::move(book), server.faults());
    return server.run([&](auto& request, auto& response) { provider.handle(request, response); },
                      [&](auto& request, auto& response) { provider.inspect(request, response); });
}

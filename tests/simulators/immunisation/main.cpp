// immunisation_sim: NHS England's API platform as the fhir-immunisation connector meets it: the OAuth 2.0
// token endpoint of the "signed JWT" pattern and the Immunisation FHIR API's search (see Service.h).
// Besides the common flags (SimServer.h):
//   --public-key FILE        PEM public key the clients' JWTs are checked against
//   --keys-out DIR           instead: make a fresh RSA key pair at start, writing DIR/private.pem (for the
//                            client) and DIR/public.pem, and check JWTs against it. Test keys only.
//   --token-lifetime-s N     lifetime of the tokens issued (599, as the platform's)
//   --expires-in-number 1    send expires_in as a number rather than the platform's string
//   --forbid-targets A,B     vaccination types no client may search (besides the fixture's per client)
#include "Auth.h"
#include "Fixture.h"
#include "Service.h"
#include "SimServer.h"

#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
    const auto options = clinhub::sim::Options::parse(
        argc, argv, "immunisation_sim",
        {"public-key", "keys-out", "token-lifetime-s", "expires-in-number", "forbid-targets"});
    try {
        auto fixture = immsim::Fixture::load(options.fixture);
        const auto key = immsim::Auth::publicKey(options.extraOr("keys-out", ""), options.extraOr("public-key", ""));
        if (!key) {
            std::cerr << "immunisation_sim: --public-key FILE or --keys-out DIR is required\n";
            return 2;
        }
        immsim::TokenSettings tokens{std::stoi(options.extraOr("token-lifetime-s", "599")),
                                     options.extraOr("expires-in-number", "0") == "1"};
        std::set<std::string> forbidden;
        std::istringstream list(options.extraOr("forbid-targets", ""));
        for (std::string t; std::getline(list, t, ',');)
            if (!t.empty()) forbidden.insert(t);
        clinhub::sim::SimServer server(options);
        immsim::Service service(std::move(fixture), key, tokens, forbidden, server.faults());
        return server.run([&](auto& request, auto& response) { service.serve(request, response); },
                          [&](auto& request, auto& response) { service.inspect(request, response); });
    } catch (const std::exception& e) {
        std::cerr << "immunisation_sim: " << e.what() << '\n';
        return 1;
    }
}

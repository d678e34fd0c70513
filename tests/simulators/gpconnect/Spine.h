// What the Spine Security Proxy and a GP Connect provider check on every request before looking at it:
// the Ssp-* headers, that the interaction fits the endpoint, and the bearer JWT's claims.
#pragma once

#include "Book.h"
#include "Fhir.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <optional>
#include <string>
#include <vector>

namespace gpcsim {

struct Expected {
    std::vector<std::string> interactions; // any of these Ssp-InteractionID values
    std::string scope;                     // the requested_scope claim
    std::string audience;                  // the aud claim: the provider endpoint as the consumer addressed it
};

// The error to answer with, or nullopt when the request may proceed.
std::optional<FhirError> checkSpine(const Poco::Net::HTTPServerRequest& request, const Book& book,
                                    const Expected& expected);

} // namespace gpcsim

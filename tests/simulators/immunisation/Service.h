// The simulated API platform: the token endpoint (Auth.h) and the Immunisation FHIR API's search,
//   POST /oauth2/token
//   GET
//   /immunisation-fhir-api/FHIR/R4/Immunization?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|N&-immunization.target=A,B
//        [&-date.from=YYYY-MM-DD][&-date.to=YYYY-MM-DD][&_include=Immunization:patient]
// answering as the real API does (NHSDigital/immunisation-fhir-api): a searchset of the patient's records
// of the types searched that this client may read, plus the Patient when there is any; an empty searchset
// for a patient without records; 400 OperationOutcome for a bad parameter; 403 when the client may read
// none of the types searched (some of them: those are left out, and out of the self link); 401 for a
// missing, expired or revoked token. Unlike the real API, not-done and entered-in-error records are
// returned too, so the client is seen to leave them out.
//
// Faults: --error-rate answers searches 500, --malformed-rate cuts their body in half; the token endpoint
// is spared those two (latency and drops reach both).
//
// Control endpoints (/_sim/):
//   GET    /_sim/stats     {"token_requests", "tokens_issued", "tokens_refused", "last_refusal",
//                           "searches", "bearer_refused", "last_search": {"query", "accept", "request_id"}}
//   DELETE /_sim/stats     zero the counts
//   POST   /_sim/revoke    every token issued so far stops working
//   POST   /_sim/settings  {"token_lifetime_s"?, "expires_in_number"?, "forbidden_targets"?: [...]}
//   POST   /_sim/next      {"status", "content_type"?, "body"}: answer the next search with exactly this
#pragma once

#include "Auth.h"
#include "Faults.h"
#include "Fixture.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace immsim {

class Service {
public:
    Service(Fixture fixture, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, TokenSettings tokens,
            std::set<std::string> forbidden, clinhub::sim::Faults& faults);

    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    void search(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    Fixture fixture_;
    Auth auth_;
    clinhub::sim::Faults& faults_;

    std::mutex mutex_;
    std::set<std::string> forbidden_; // for every client, besides each client's own
    int searches_ = 0;
    std::string lastQuery_, lastAccept_, lastRequestId_;
    struct Canned {
        int status;
        std::string contentType;
        std::string body;
    };
    std::optional<Canned> next_;
};

} // namespace immsim

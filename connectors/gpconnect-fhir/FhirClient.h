// One GP Connect request: the Spine headers (Ssp-TraceID, Ssp-From, Ssp-To, Ssp-InteractionID), a fresh
// JWT, FHIR JSON in and out, and an OperationOutcome read into its Spine error code.
#pragma once

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/kit/Scrub.hpp>

#include "Config.h"

#include <Poco/JSON/Object.h>

#include <string>
#include <utility>
#include <vector>

namespace gpconnect {

using clinhub::Result;

struct Interaction {
    const char* id;
    const char* scope; // the JWT requested_scope the provider expects for this endpoint
};

namespace interactions {
inline constexpr Interaction searchSlots{"urn:nhs:names:services:gpconnect:fhir:rest:search:slot-1",
                                         "organization/*.read"};
inline constexpr Interaction searchPatient{"urn:nhs:names:services:gpconnect:fhir:rest:search:patient-1",
                                           "patient/*.read"};
inline constexpr Interaction createAppointment{"urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1",
                                               "patient/*.write"};
inline constexpr Interaction readAppointment{"urn:nhs:names:services:gpconnect:fhir:rest:read:appointment-1",
                                             "patient/*.read"};
// A cancellation is a PUT like an amendment, but Spine routes and authorises it as its own interaction.
inline constexpr Interaction cancelAppointment{"urn:nhs:names:services:gpconnect:fhir:rest:cancel:appointment-1",
                                               "patient/*.write"};
inline constexpr Interaction patientAppointments{
    "urn:nhs:names:services:gpconnect:fhir:rest:search:patient_appointments-1", "patient/*.read"};
} // namespace interactions

struct FhirRequest {
    std::string method = "GET";
    std::string path; // from the endpoint, e.g. "/Slot?status=free&..."
    std::string interactionId;
    std::string scope;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool codedEntry = false;    // sent to the coded-entry endpoint instead of the appointment one
    bool notRepeatable = false; // never resent by the transport (a booking): see HttpRequest::freshConnection

    FhirRequest(std::string m, std::string p, const Interaction& i, std::string b = {})
        : method(std::move(m)), path(std::move(p)), interactionId(i.id), scope(i.scope), body(std::move(b)) {}
};

struct FhirReply {
    long status = 0;
    clinhub::kit::HttpResponse http;
    Poco::JSON::Object::Ptr resource; // the body, when it is a JSON object
    std::string problem;              // why it is not, quoting it
    std::string spineCode;            // from an OperationOutcome, e.g. DUPLICATE_REJECTED
    std::string diagnostics;

    [[nodiscard]] bool success() const { return status >= 200 && status < 300; }
};

class FhirClient {
public:
    explicit FhirClient(const Config& config);

    // Ok once an HTTP answer came back, whatever its status; retryable for a timeout or a connection
    // that failed or dropped (the message names `what`).
    Result send(const FhirRequest& request, FhirReply& reply, const std::string& what);

private:
    const Config& config_;
    clinhub::kit::HttpClient http_;
};

// A non-2xx answer as a result: 409 DUPLICATE_REJECTED is a conflict, 5xx, 408 and 429 are retryable,
// anything else permanent. The message has the status, the Spine code and the provider's diagnostics.
Result failure(const FhirReply& reply, const std::string& what);

// Ok when the answer is 2xx with a JSON resource of `type`; otherwise permanent, saying what came instead.
Result expect(const FhirReply& reply, const std::string& what, const std::string& type);

using clinhub::kit::scrub;

} // namespace gpconnect

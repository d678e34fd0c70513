#include "FhirClient.h"

#include "Jwt.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include <chrono>

namespace gpconnect {

namespace {

using Poco::JSON::Object;

constexpr const char* kSpineCodes = "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1";
constexpr const char* kFhirJson = "application/fhir+json;charset=utf-8";

clinhub::kit::HttpTimeouts timeouts(const Config& c) { return {c.connectTimeout, c.totalTimeout}; }

clinhub::kit::HttpTls tls(const Config& c) {
    return {c.tls.clientCertificate, c.tls.clientKey, c.tls.keyPassword, c.tls.caBundle};
}

int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool blank(const std::string& body) { return body.find_first_not_of(" \t\r\n") == std::string::npos; }

// Reads the body as a JSON object, or says why it is not one.
void parseBody(FhirReply& reply) {
    const std::string& body = reply.http.body;
    if (blank(body)) {
        reply.problem = "an empty body";
        return;
    }
    const auto first = body.find_first_not_of(" \t\r\n");
    if (body[first] == '<') {
        // FHIR XML, or a proxy's HTML page. Never parsed: a DOCTYPE or entity in it goes no further.
        const bool doctype = body.find("<!DOCTYPE") != std::string::npos || body.find("<!ENTITY") != std::string::npos;
        reply.problem = std::string("XML, not the FHIR JSON asked for") +
                        (doctype ? " (with a DOCTYPE, refused)" : "") + ": '" + scrub(body.substr(first), 60) + "'";
        return;
    }
    try {
        auto parsed = Poco::JSON::Parser().parse(body);
        if (parsed.type() != typeid(Object::Ptr)) {
            reply.problem = "JSON that is not an object: '" + scrub(body, 60) + "'";
            return;
        }
        reply.resource = parsed.extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
        reply.problem = "not valid JSON (" + e.displayText() + "): '" + scrub(body, 60) + "'";
    }
}

void readOutcome(FhirReply& reply) {
    if (reply.resource.isNull() || reply.resource->optValue<std::string>("resourceType", "") != "OperationOutcome")
        return;
    try {
        const auto issues = reply.resource->getArray("issue");
        if (issues.isNull() || issues->size() == 0) return;
        const auto issue = issues->getObject(0);
        if (issue.isNull()) return;
        reply.diagnostics = issue->optValue<std::string>("diagnostics", "");
        const auto details = issue->getObject("details");
        const auto codings = details.isNull() ? nullptr : details->getArray("coding");
        for (size_t i = 0; codings && i < codings->size(); ++i) {
            const auto coding = codings->getObject(i);
            if (coding.isNull()) continue;
            if (coding->optValue<std::string>("system", "") == kSpineCodes || reply.spineCode.empty())
                reply.spineCode = coding->optValue<std::string>("code", "");
        }
        if (reply.spineCode.empty()) reply.spineCode = issue->optValue<std::string>("code", "");
    } catch (const Poco::Exception&) {
        // An OperationOutcome too odd to read still has its HTTP status, which is what decides.
    }
}

} // namespace

FhirClient::FhirClient(const Config& config) : config_(config), http_(timeouts(config), tls(config)) {}

Result FhirClient::send(const FhirRequest& request, FhirReply& reply, const std::string& what) {
    const std::string& endpoint = request.codedEntry ? config_.codedEntry.baseUrl : config_.baseUrl;
    clinhub::kit::HttpRequest http;
    http.method = request.method;
    http.url = (config_.sspUrl.empty() ? "" : config_.sspUrl + "/") + endpoint + request.path;
    http.body = request.body;
    http.freshConnection = request.notRepeatable;
    http.headers = {
        {"Accept", kFhirJson},
        {"Ssp-TraceID", Poco::UUIDGenerator::defaultGenerator().createRandom().toString()},
        {"Ssp-From", config_.consumerAsid},
        {"Ssp-To", config_.providerAsid},
        {"Ssp-InteractionID", request.interactionId},
        // The JWT is for the wire, so it follows the real clock even when the hub's is moved in tests.
        {"Authorization", "Bearer " + makeJwt(config_, endpoint, request.scope, nowSeconds())},
    };
    if (!request.body.empty()) http.headers.emplace_back("Content-Type", kFhirJson);
    http.headers.insert(http.headers.end(), request.headers.begin(), request.headers.end());

    reply = {};
    if (Result r = http_.perform(http, reply.http); !r.ok())
        return Result{r.status, "GP Connect " + what + ": " + r.message};
    reply.status = reply.http.status;
    parseBody(reply);
    readOutcome(reply);
    return Result::success();
}

Result failure(const FhirReply& reply, const std::string& what) {
    std::string message = "GP Connect " + what + ": HTTP " + std::to_string(reply.status);
    if (!reply.spineCode.empty()) message += " " + reply.spineCode;
    if (!reply.diagnostics.empty()) message += ": " + scrub(reply.diagnostics);
    if (reply.status == 409 && reply.spineCode == "DUPLICATE_REJECTED") return Result::conflict(message);
    if (reply.status >= 500 || reply.status == 408 || reply.status == 429) return Result::retryable(message);
    return Result::permanent(message);
}

Result expect(const FhirReply& reply, const std::string& what, const std::string& type) {
    if (!reply.success()) return failure(reply, what);
    if (reply.resource.isNull()) return Result::permanent("GP Connect " + what + " reply is " + reply.problem);
    const std::string got = reply.resource->optValue<std::string>("resourceType", "");
    if (got != type)
        return Result::permanent("GP Connect " + what + " reply is not a " + type + " but " +
                                 (got.empty() ? "a JSON object without a resourceType" : "a " + scrub(got, 40)));
    return Result::success();
}

} // namespace gpconnect

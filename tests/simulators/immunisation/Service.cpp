#include "Service.h"

#include "SimServer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

namespace immsim {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr const char* kSnomed = "http://snomed.info/sct";
constexpr const char* kNhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";
// The platform's paths, as under https://api.service.nhs.uk.
constexpr const char* kTokenPath = "/oauth2/token";
constexpr const char* kBasePath = "/immunisation-fhir-api/FHIR/R4";

std::string stringify(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

std::string uuid() { return Poco::UUIDGenerator::defaultGenerator().createRandom().toString(); }

void sendFhir(HTTPServerResponse& response, int status, const std::string& body) {
    clinhub::sim::send(response, status, "application/fhir+json", body);
}

// The API's error shape: an OperationOutcome with the HTTP error code as its details.
void outcome(HTTPServerResponse& response, int status, const std::string& code, const std::string& diagnostics) {
    Object::Ptr coding = new Object;
    coding->set("system", "https://fhir.nhs.uk/Codesystem/http-error-codes");
    std::string upper = code;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    coding->set("code", upper);
    Array::Ptr codings = new Array;
    codings->add(coding);
    Object::Ptr details = new Object;
    details->set("coding", codings);
    Object::Ptr issue = new Object;
    issue->set("severity", "error");
    issue->set("code", code);
    issue->set("details", details);
    issue->set("diagnostics", diagnostics);
    Array::Ptr issues = new Array;
    issues->add(issue);
    Object::Ptr o = new Object;
    o->set("resourceType", "OperationOutcome");
    o->set("id", uuid());
    o->set("issue", issues);
    sendFhir(response, status, stringify(o));
}

bool validNhsNumber(const std::string& n) {
    if (n.size() != 10 || !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    int sum = 0;
    for (int i = 0; i < 9; ++i)
        sum += (n[static_cast<size_t>(i)] - '0') * (10 - i);
    const int check = 11 - sum % 11;
    return check != 10 && (check == 11 ? 0 : check) == n[9] - '0';
}

Object::Ptr coding(const std::string& code, const std::string& display) {
    Object::Ptr c = new Object;
    c->set("system", kSnomed);
    c->set("code", code);
    if (!display.empty()) c->set("display", display);
    return c;
}

Object::Ptr codeable(const Object::Ptr& c) {
    Array::Ptr codings = new Array;
    codings->add(c);
    Object::Ptr o = new Object;
    o->set("coding", codings);
    return o;
}

Object::Ptr nhsIdentifier(const std::string& nhs) {
    Object::Ptr id = new Object;
    id->set("system", kNhsNumberSystem);
    id->set("value", nhs);
    return id;
}

Object::Ptr immunization(const Record& r, const std::string& nhs, const std::string& patientUrl) {
    Object::Ptr o = new Object;
    o->set("resourceType", "Immunization");
    o->set("id", r.id);
    Object::Ptr meta = new Object;
    meta->set("versionId", "1");
    o->set("meta", meta);
    Object::Ptr identifier = new Object;
    identifier->set("system", "https://supplierABC/identifiers/vacc");
    identifier->set("value", r.id);
    Array::Ptr identifiers = new Array;
    identifiers->add(identifier);
    o->set("identifier", identifiers);
    o->set("status", r.status);
    o->set("vaccineCode", codeable(coding(r.vaccineCode, r.vaccineDisplay)));
    Object::Ptr patient = new Object;
    patient->set("reference", patientUrl);
    patient->set("type", "Patient");
    patient->set("identifier", nhsIdentifier(nhs));
    o->set("patient", patient);
    o->set("occurrenceDateTime", r.occurred);
    o->set("recorded", r.occurred);
    o->set("primarySource", true);
    Object::Ptr location = new Object;
    Object::Ptr ods = new Object;
    ods->set("system", "https://fhir.nhs.uk/Id/ods-organization-code");
    ods->set("value", "X99999");
    location->set("identifier", ods);
    o->set("location", location);
    Array::Ptr diseases = new Array;
    if (r.diseaseCodes.empty())
        for (const auto& d : vaccinationTypes().at(r.target))
            diseases->add(codeable(coding(d.code, d.display)));
    else
        for (const auto& code : r.diseaseCodes)
            diseases->add(codeable(coding(code, "")));
    Object::Ptr protocol = new Object;
    protocol->set("targetDisease", diseases);
    if (r.dose > 0)
        protocol->set("doseNumberPositiveInt", r.dose);
    else if (!r.doseString.empty())
        protocol->set("doseNumberString", r.doseString);
    Array::Ptr protocols = new Array;
    protocols->add(protocol);
    o->set("protocolApplied", protocols);
    return o;
}

Object::Ptr entry(const std::string& fullUrl, const Object::Ptr& resource, const std::string& mode) {
    Object::Ptr e = new Object;
    e->set("fullUrl", fullUrl);
    e->set("resource", resource);
    Object::Ptr search = new Object;
    search->set("mode", mode);
    e->set("search", search);
    return e;
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::istringstream in(list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out;
}

bool isDate(const std::string& s) {
    static const std::regex date("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])");
    return std::regex_match(s, date);
}

} // namespace

Service::Service(Fixture fixture, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, TokenSettings tokens,
                 std::set<std::string> forbidden, clinhub::sim::Faults& faults)
    : fixture_(std::move(fixture)), auth_(fixture_, std::move(publicKey), tokens), faults_(faults),
      forbidden_(std::move(forbidden)) {}

void Service::serve(HTTPServerRequest& request, HTTPServerResponse& response) {
    const std::string path = Poco::URI(request.getURI()).getPath();
    if (request.getMethod() == "POST" && path == kTokenPath) {
        const auto issued = auth_.token(clinhub::sim::readBody(request), "http://" + request.getHost() + path);
        return clinhub::sim::send(response, issued.status, "application/json", issued.body);
    }
    if (request.getMethod() == "GET" && path == std::string(kBasePath) + "/Immunization")
        return search(request, response);
    outcome(response, 404, "not-found", "Resource not found: " + request.getMethod() + " " + path);
}

void Service::search(HTTPServerRequest& request, HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    {
        std::lock_guard lock(mutex_);
        ++searches_;
        lastQuery_ = uri.getRawQuery();
        lastAccept_ = request.get("Accept", "");
        lastRequestId_ = request.get("X-Request-ID", "");
        if (next_) {
            const Canned canned = *next_;
            next_.reset();
            return clinhub::sim::send(response, canned.status, canned.contentType, canned.body);
        }
    }
    const Client* client = auth_.bearer(request.get("Authorization", ""));
    if (client == nullptr) {
        response.set("WWW-Authenticate", "Bearer");
        return outcome(response, 401, "forbidden", "Invalid access token");
    }
    if (faults_.error()) return outcome(response, 500, "exception", "simulated server error");

    std::map<std::string, std::vector<std::string>> params;
    for (const auto& [name, value] : uri.getQueryParameters())
        params[name].push_back(value);
    for (const auto& [name, values] : params)
        if (values.size() > 1)
            return outcome(response, 400, "invalid", "Parameters may not be duplicated. Use commas for \"or\".");
    auto param = [&](const std::string& name) { return params.count(name) ? params[name].front() : std::string(); };

    const std::string identifier = param("patient.identifier");
    if (identifier.empty())
        return outcome(response, 400, "invalid", "Search parameter patient.identifier must have one value.");
    const std::string prefix = std::string(kNhsNumberSystem) + "|";
    if (identifier.rfind(prefix, 0) != 0 || identifier.size() != prefix.size() + 10)
        return outcome(response, 400, "invalid",
                       "patient.identifier must be in the format of \"https://fhir.nhs.uk/Id/nhs-number|{NHS number}\" "
                       "e.g. \"https://fhir.nhs.uk/Id/nhs-number|9000000009\"");
    const std::string nhs = identifier.substr(prefix.size());
    if (!validNhsNumber(nhs))
        return outcome(response, 400, "invalid", "Search parameter patient.identifier must be a valid NHS number.");
    const auto targets = split(param("-immunization.target"));
    if (targets.empty())
        return outcome(response, 400, "invalid", "Search parameter -immunization.target must have one or more values.");
    std::vector<std::string> known;
    for (const auto& [name, diseases] : vaccinationTypes())
        known.push_back(name);
    for (const auto& t : targets)
        if (!vaccinationTypes().count(t))
            return outcome(response, 400, "invalid",
                           "immunization-target must be one or more of the following: " + join(known));
    const std::string from = param("-date.from"), to = param("-date.to");
    if (!from.empty() && !isDate(from))
        return outcome(response, 400, "invalid", "Search parameter -date.from must be in format: YYYY-MM-DD");
    if (!to.empty() && !isDate(to))
        return outcome(response, 400, "invalid", "Search parameter -date.to must be in format: YYYY-MM-DD");
    if (!from.empty() && !to.empty() && from > to)
        return outcome(response, 400, "invalid", "Search parameter -date.from must be before -date.to");
    if (params.count("_include") && param("_include") != "Immunization:patient")
        return outcome(response, 400, "invalid",
                       "Search parameter _include may only be 'Immunization:patient' if provided.");

    std::vector<std::string> permitted;
    {
        std::lock_guard lock(mutex_);
        for (const auto& t : targets)
            if (!forbidden_.count(t) && !client->forbiddenTargets.count(t) &&
                std::find(permitted.begin(), permitted.end(), t) == permitted.end())
                permitted.push_back(t);
    }
    if (permitted.empty()) return outcome(response, 403, "forbidden", "Unauthorized request for vaccine type");

    const std::string base = "http://" + request.getHost() + kBasePath;
    const std::string patientUrl = "urn:uuid:" + uuid();
    Array::Ptr entries = new Array;
    if (const auto it = fixture_.patients.find(nhs); it != fixture_.patients.end())
        for (const auto& r : it->second) {
            const std::string day = r.occurred.substr(0, 10);
            if (std::find(permitted.begin(), permitted.end(), r.target) == permitted.end()) continue;
            if ((!from.empty() && day < from) || (!to.empty() && day > to)) continue;
            entries->add(entry(base + "/Immunization/" + r.id, immunization(r, nhs, patientUrl), "match"));
        }
    const auto matches = entries->size();
    if (matches > 0) {
        Object::Ptr patient = new Object;
        patient->set("resourceType", "Patient");
        patient->set("id", nhs);
        Array::Ptr ids = new Array;
        ids->add(nhsIdentifier(nhs));
        patient->set("identifier", ids);
        entries->add(entry(patientUrl, patient, "include"));
    }
    Object::Ptr self = new Object;
    self->set("relation", "self");
    // As the real API does: the search it ran, naming only the types this client was given.
    std::string encoded;
    Poco::URI::encode(identifier, "|:/", encoded);
    self->set("url", base + "/Immunization?immunization.target=" + join(permitted) + "&patient.identifier=" + encoded);
    Array::Ptr links = new Array;
    links->add(self);
    Object::Ptr bundle = new Object;
    bundle->set("resourceType", "Bundle");
    bundle->set("type", "searchset");
    bundle->set("link", links);
    bundle->set("entry", entries);
    bundle->set("total", static_cast<int>(matches));
    const std::string body = stringify(bundle);
    if (faults_.malformed()) return sendFhir(response, 200, body.substr(0, body.size() / 2));
    sendFhir(response, 200, body);
}

void Service::inspect(HTTPServerRequest& request, HTTPServerResponse& response) {
    const std::string path = Poco::URI(request.getURI()).getPath();
    const std::string& method = request.getMethod();
    const std::string body = clinhub::sim::readBody(request);
    auto ok = [&](const Object::Ptr& o) { clinhub::sim::send(response, 200, "application/json", stringify(o)); };
    try {
        if (path == "/_sim/stats" && (method == "GET" || method == "DELETE")) {
            if (method == "DELETE") auth_.resetCounts();
            const auto c = auth_.counts();
            std::lock_guard lock(mutex_);
            if (method == "DELETE") searches_ = 0;
            Object::Ptr o = new Object;
            o->set("token_requests", c.tokenRequests);
            o->set("tokens_issued", c.tokensIssued);
            o->set("tokens_refused", c.tokensRefused);
            o->set("last_refusal", c.lastRefusal);
            o->set("bearer_refused", c.bearerRefused);
            o->set("searches", searches_);
            Object::Ptr last = new Object;
            last->set("query", lastQuery_);
            last->set("accept", lastAccept_);
            last->set("request_id", lastRequestId_);
            o->set("last_search", last);
            return ok(o);
        }
        if (path == "/_sim/revoke" && method == "POST") {
            auth_.revokeAll();
            return ok(new Object);
        }
        if (path == "/_sim/settings" && method == "POST") {
            const auto o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
            if (o->has("token_lifetime_s")) auth_.setLifetime(o->getValue<int>("token_lifetime_s"));
            if (o->has("expires_in_number")) auth_.setExpiresInAsNumber(o->getValue<bool>("expires_in_number"));
            if (const auto list = o->getArray("forbidden_targets")) {
                std::lock_guard lock(mutex_);
                forbidden_.clear();
                for (unsigned i = 0; i < list->size(); ++i)
                    forbidden_.insert(list->getElement<std::string>(i));
            }
            return ok(new Object);
        }
        if (path == "/_sim/next" && method == "POST") {
            const auto o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
            std::lock_guard lock(mutex_);
            next_ =
                Canned{o->getValue<int>("status"), o->optValue<std::string>("content_type", "application/fhir+json"),
                       o->getValue<std::string>("body")};
            return ok(new Object);
        }
    } catch (const std::exception& e) {
        return clinhub::sim::send(response, 400, "text/plain", std::string(e.what()) + "\n");
    }
    clinhub::sim::send(response, 404, "text/plain", "no such control path\n");
}

} // namespace immsim

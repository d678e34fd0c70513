#include "Spine.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/UUID.h>

#include <algorithm>
#include <sstream>

namespace gpcsim {

namespace {

FhirError bad(const std::string& why) { return {400, "BAD_REQUEST", why}; }

std::optional<std::string> base64url(std::string text) {
    if (text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
        return {};
    while (text.size() % 4 != 0)
        text += '=';
    try {
        std::istringstream in(text);
        Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING);
        std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
        return out;
    } catch (const Poco::Exception&) {
        return {};
    }
}

bool hasIdentifier(const Object::Ptr& resource, const std::string& system) {
    const auto ids = resource.isNull() ? nullptr : resource->getArray("identifier");
    for (size_t i = 0; ids && i < ids->size(); ++i) {
        const auto id = ids->getObject(i);
        if (stringAt(id, "system") == system && !stringAt(id, "value").empty()) return true;
    }
    return false;
}

std::optional<int64_t> integer(const Object::Ptr& o, const std::string& key) {
    if (!o->has(key)) return {};
    const auto v = o->get(key);
    if (!v.isInteger()) return {};
    return v.convert<int64_t>();
}

std::optional<FhirError> checkClaims(const Object::Ptr& claims, const Expected& expected) {
    for (const char* key : {"iss", "sub", "aud", "reason_for_request", "requested_scope"})
        if (stringAt(claims, key).empty()) return bad(std::string("JWT claim ") + key + " is missing");
    if (stringAt(claims, "aud") != expected.audience)
        return bad("JWT aud '" + stringAt(claims, "aud") + "' is not this endpoint '" + expected.audience + "'");
    const auto iat = integer(claims, "iat");
    const auto exp = integer(claims, "exp");
    if (!iat || !exp) return bad("JWT iat and exp must be integers");
    if (*exp != *iat + 300) return bad("JWT exp must be iat + 300 seconds");
    const int64_t now = nowSeconds();
    if (*iat > now + 60) return bad("JWT iat is in the future");
    if (*exp < now) return bad("JWT has expired");
    if (stringAt(claims, "reason_for_request") != "directcare") return bad("JWT reason_for_request must be directcare");
    if (stringAt(claims, "requested_scope") != expected.scope)
        return bad("JWT requested_scope '" + stringAt(claims, "requested_scope") + "' is not " + expected.scope +
                   " for this endpoint");
    const auto device = objectAt(claims, "requesting_device");
    if (stringAt(device, "resourceType") != "Device" || device->getArray("identifier").isNull())
        return bad("JWT requesting_device must be a Device with an identifier");
    const auto org = objectAt(claims, "requesting_organization");
    if (stringAt(org, "resourceType") != "Organization" ||
        !hasIdentifier(org, "https://fhir.nhs.uk/Id/ods-organization-code") || stringAt(org, "name").empty())
        return bad("JWT requesting_organization must be an Organization with a name and an ODS code");
    const auto practitioner = objectAt(claims, "requesting_practitioner");
    if (stringAt(practitioner, "resourceType") != "Practitioner" ||
        !hasIdentifier(practitioner, "https://fhir.nhs.uk/Id/sds-user-id") || practitioner->getArray("name").isNull() ||
        practitioner->getArray("name")->size() == 0)
        return bad("JWT requesting_practitioner must be a Practitioner with a name and an SDS user id");
    if (stringAt(practitioner, "id") != stringAt(claims, "sub"))
        return bad("JWT sub must be the requesting_practitioner id");
    return std::nullopt;
}

std::optional<FhirError> checkToken(const std::string& authorization, const Expected& expected) {
    if (authorization.rfind("Bearer ", 0) != 0) return bad("Authorization must be a Bearer token");
    const std::string token = authorization.substr(7);
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string::npos ? std::string::npos : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos) return bad("the JWT must have three parts");
    if (dot2 + 1 != token.size()) return bad("the JWT signature must be empty (alg none)");
    const auto header = base64url(token.substr(0, dot1));
    const auto payload = base64url(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!header || !payload) return bad("the JWT is not base64url");
    const auto h = parseObject(*header);
    if (h.isNull() || stringAt(h, "alg") != "none") return bad("the JWT header alg must be none");
    if (h->has("typ") && stringAt(h, "typ") != "JWT") return bad("the JWT header typ must be JWT");
    const auto claims = parseObject(*payload);
    if (claims.isNull()) return bad("the JWT payload is not a JSON object");
    return checkClaims(claims, expected);
}

} // namespace

std::optional<FhirError> checkSpine(const Poco::Net::HTTPServerRequest& request, const Book& book,
                                    const Expected& expected) {
    for (const char* header : {"Ssp-TraceID", "Ssp-From", "Ssp-To", "Ssp-InteractionID"})
        if (request.get(header, "").empty()) return bad(std::string("the ") + header + " header is missing");
    Poco::UUID trace;
    if (!trace.tryParse(request.get("Ssp-TraceID"))) return bad("Ssp-TraceID must be a UUID");
    if (!book.consumerAsids.count(request.get("Ssp-From")))
        return FhirError{403, "ACCESS_DENIED", "Ssp-From is not an ASID allowed to call this endpoint"};
    if (request.get("Ssp-To") != book.providerAsid)
        return FhirError{403, "ACCESS_DENIED", "Ssp-To is not this provider's ASID"};
    const std::string interaction = request.get("Ssp-InteractionID");
    if (std::find(expected.interactions.begin(), expected.interactions.end(), interaction) ==
        expected.interactions.end())
        return bad("Ssp-InteractionID " + interaction + " does not fit " + request.getMethod() + " of this endpoint");
    if (!request.has("Authorization")) return FhirError{401, "BAD_REQUEST", "no Authorization bearer token"};
    return checkToken(request.get("Authorization"), expected);
}

} // namespace gpcsim

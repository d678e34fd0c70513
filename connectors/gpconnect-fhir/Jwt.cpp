#include "Jwt.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

namespace gpconnect {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string base64url(const std::string& text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder << text;
    encoder.close();
    return out.str();
}

std::string stringify(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

Object::Ptr identifier(const std::string& system, const std::string& value) {
    Object::Ptr id = new Object;
    id->set("system", system);
    id->set("value", value);
    return id;
}

Object::Ptr device(const Device& d) {
    Object::Ptr o = new Object;
    o->set("resourceType", "Device");
    Array::Ptr ids = new Array;
    ids->add(identifier(d.system, d.value));
    o->set("identifier", ids);
    o->set("model", d.model);
    o->set("version", d.version);
    return o;
}

Object::Ptr organization(const Organisation& org) {
    Object::Ptr o = new Object;
    o->set("resourceType", "Organization");
    Array::Ptr ids = new Array;
    ids->add(identifier("https://fhir.nhs.uk/Id/ods-organization-code", org.odsCode));
    o->set("identifier", ids);
    o->set("name", org.name);
    return o;
}

Object::Ptr practitioner(const Practitioner& p) {
    Object::Ptr o = new Object;
    o->set("resourceType", "Practitioner");
    o->set("id", p.id);
    Array::Ptr ids = new Array;
    ids->add(identifier("https://fhir.nhs.uk/Id/sds-user-id", p.sdsUserId));
    if (!p.sdsRoleProfileId.empty())
        ids->add(identifier("https://fhir.nhs.uk/Id/sds-role-profile-id", p.sdsRoleProfileId));
    o->set("identifier", ids);
    Object::Ptr name = new Object;
    name->set("family", p.family);
    if (!p.given.empty()) {
        Array::Ptr given = new Array;
        given->add(p.given);
        name->set("given", given);
    }
    if (!p.prefix.empty()) {
        Array::Ptr prefix = new Array;
        prefix->add(p.prefix);
        name->set("prefix", prefix);
    }
    Array::Ptr names = new Array;
    names->add(name);
    o->set("name", names);
    return o;
}

} // namespace

std::string makeJwt(const Config& config, const std::string& audience, const std::string& scope, int64_t now) {
    Object header;
    header.set("alg", "none");
    header.set("typ", "JWT");
    Object claims;
    claims.set("iss", config.issuer);
    claims.set("sub", config.practitioner.id);
    claims.set("aud", audience);
    claims.set("exp", now + 300);
    claims.set("iat", now);
    claims.set("reason_for_request", "directcare");
    claims.set("requested_scope", scope);
    claims.set("requesting_device", device(config.device));
    claims.set("requesting_organization", organization(config.organisation));
    claims.set("requesting_practitioner", practitioner(config.practitioner));
    // The trailing '.' is the empty signature of an unsecured JWT; without it the token is malformed.
    return base64url(stringify(header)) + "." + base64url(stringify(claims)) + ".";
}

} // namespace gpconnect

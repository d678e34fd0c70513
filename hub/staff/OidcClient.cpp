#include "hub/staff/OidcClient.h"

#include "hub/workflows/Tokens.h"

#include <clinhub/kit/HttpClient.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <stdexcept>

namespace clinhub::staff {

namespace {

// Discovery documents and key sets are a few KiB; a token reply is an ID token and an access token.
constexpr std::size_t kMaxProviderReply = std::size_t{1} << 20;

// Every call to the provider carries the client's credentials or what it trusts for signatures, so https
// only. Plain http is let through to loopback hosts alone: the tests' provider runs on 127.0.0.1, and no
// traffic to a loopback address leaves the machine.
std::string insecureUrl(const std::string& url, const std::string& what) {
    try {
        const Poco::URI uri(url);
        const std::string scheme = Poco::toLower(uri.getScheme());
        const std::string host = Poco::toLower(uri.getHost());
        if (uri.getHost().empty()) return what + " " + url + " is not an absolute URL";
        if (scheme == "https") return {};
        if (scheme == "http" && (host == "127.0.0.1" || host == "::1" || host == "localhost")) return {};
    } catch (const Poco::Exception&) {
        return what + " is not a URL";
    }
    return what + " " + url + " is not https (plain http is allowed to loopback addresses only)";
}

bool listed(const Poco::JSON::Object::Ptr& object, const std::string& name, const std::string& wanted) {
    if (!object->isArray(name)) return false;
    for (const auto& member : *object->getArray(name))
        if (member.isString() && member.extract<std::string>() == wanted) return true;
    return false;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields)
        body += (body.empty() ? "" : "&") + name + "=" + kit::HttpClient::escape(value);
    return body;
}

} // namespace

std::vector<std::string> StaffClaims::strings(const std::string& claim) const {
    std::vector<std::string> values;
    if (!all) return values;
    const auto value = all->get(claim);
    if (value.isString())
        values.push_back(value.extract<std::string>());
    else if (all->isArray(claim))
        for (const auto& member : *all->getArray(claim))
            if (member.isString()) values.push_back(member.extract<std::string>());
    return values;
}

OidcClient::OidcClient(OidcSettings settings)
    : settings_(std::move(settings)),
      http_(std::make_unique<kit::HttpClient>(kit::HttpTimeouts{settings_.timeout, settings_.timeout}, kit::HttpTls{},
                                              kMaxProviderReply)) {
    if (settings_.clientId.empty()) throw std::invalid_argument("single sign-on needs a client id");
    if (auto why = insecureUrl(settings_.issuer, "the issuer"); !why.empty()) throw std::invalid_argument(why);
    if (auto why = insecureUrl(settings_.redirectUri, "the redirect URI"); !why.empty())
        throw std::invalid_argument(why);
}

OidcClient::~OidcClient() = default;

Poco::JSON::Object::Ptr OidcClient::call(const kit::HttpRequest& request, const std::string& what, Failure& failure) {
    kit::HttpResponse response;
    const auto result = http_->perform(request, response);
    if (!result.ok()) {
        failure = {what + " failed: " + result.message, result.status == Status::retryable};
        return nullptr;
    }
    auto reply = parseJsonObject(response.body);
    if (response.status >= 200 && response.status < 300) {
        if (!reply) failure = {what + ": the provider's reply is not a JSON object"};
        return reply;
    }
    if (reply && !jsonString(reply, "error").empty()) {
        failure.error = what + ": the provider's reply says " + printable(jsonString(reply, "error"));
        if (const auto description = printable(jsonString(reply, "error_description")); !description.empty())
            failure.error += ": " + description;
    } else {
        failure.error = what + ": the provider answered HTTP " + std::to_string(response.status);
    }
    failure.unavailable = response.status >= 500 || response.status == 429;
    return nullptr;
}

std::optional<OidcClient::Discovery> OidcClient::discovery(Failure& failure) {
    {
        const std::lock_guard lock(mutex_);
        if (discovery_) return discovery_;
    }
    std::string base = settings_.issuer;
    if (base.ends_with('/')) base.pop_back();
    kit::HttpRequest request;
    request.url = base + "/.well-known/openid-configuration";
    request.headers = {{"Accept", "application/json"}};
    const auto document = call(request, "fetching the provider's configuration", failure);
    if (!document) return std::nullopt;

    // OpenID Connect Discovery §4.3: the document must be the issuer's own, or one provider could stand in
    // for another.
    if (jsonString(document, "issuer") != settings_.issuer) {
        failure = {"the provider's configuration names issuer \"" + printable(jsonString(document, "issuer")) +
                   "\", not \"" + settings_.issuer + "\" as configured"};
        return std::nullopt;
    }
    Discovery found{jsonString(document, "authorization_endpoint"), jsonString(document, "token_endpoint"),
                    jsonString(document, "jwks_uri")};
    for (const auto& [url, what] : {std::pair{found.authorizationEndpoint, "the authorisation endpoint"},
                                    {found.tokenEndpoint, "the token endpoint"},
                                    {found.jwksUri, "the key set (jwks_uri)"}}) {
        if (url.empty()) {
            failure = {std::string("the provider's configuration gives no ") + what};
            return std::nullopt;
        }
        if (auto why = insecureUrl(url, std::string("the provider's ") + what); !why.empty()) {
            failure = {why};
            return std::nullopt;
        }
    }
    // Both lists are optional: PKCE's absence says nothing (CIS2 supports S256 without listing it) and
    // client_secret_basic is the default method (Discovery §3).
    if (document->has("code_challenge_methods_supported") &&
        !listed(document, "code_challenge_methods_supported", "S256")) {
        failure = {"the provider does not support PKCE with S256"};
        return std::nullopt;
    }
    const bool basic = !document->has("token_endpoint_auth_methods_supported") ||
                       listed(document, "token_endpoint_auth_methods_supported", "client_secret_basic");
    if (!basic && !listed(document, "token_endpoint_auth_methods_supported", "client_secret_post")) {
        failure = {"the provider takes neither client_secret_basic nor client_secret_post at its token endpoint"};
        return std::nullopt;
    }
    found.secretInBody = !basic;
    const auto sendsIssuer = document->get("authorization_response_iss_parameter_supported");
    found.sendsIssuer = sendsIssuer.isBoolean() && sendsIssuer.extract<bool>();

    const std::lock_guard lock(mutex_);
    discovery_ = found;
    return found;
}

std::shared_ptr<const KeySet> OidcClient::keys(bool refetch, Failure& failure) {
    {
        const std::lock_guard lock(mutex_);
        if (keys_ && !refetch) return keys_;
    }
    const auto endpoints = discovery(failure);
    if (!endpoints) return nullptr;
    kit::HttpRequest request;
    request.url = endpoints->jwksUri;
    request.headers = {{"Accept", "application/json"}};
    kit::HttpResponse response;
    const auto result = http_->perform(request, response);
    if (!result.ok() || response.status != 200) {
        failure = {"fetching the provider's key set failed: " +
                       (result.ok() ? "HTTP " + std::to_string(response.status) : result.message),
                   !result.ok() ? result.status == Status::retryable : response.status >= 500};
        return nullptr;
    }
    std::string error;
    auto parsed = KeySet::parse(response.body, error);
    if (!parsed) {
        failure = {error};
        return nullptr;
    }
    auto fetched = std::make_shared<const KeySet>(std::move(*parsed));
    const std::lock_guard lock(mutex_);
    keys_ = fetched;
    return fetched;
}

Start OidcClient::begin() {
    Start start;
    try {
        Failure failure;
        const auto endpoints = discovery(failure);
        if (!endpoints) {
            start.error = failure.error;
            start.unavailable = failure.unavailable;
            return start;
        }
        // 256 bits each, from the CSPRNG: the verifier is then 43 characters, RFC 7636's least.
        start.pending = {workflows::randomToken(32), workflows::randomToken(32), workflows::randomToken(32)};
        Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
        sha.update(start.pending.codeVerifier);
        const auto& digest = sha.digest();
        const std::string challenge =
            workflows::base64({reinterpret_cast<const char*>(digest.data()), digest.size()}, true);
        start.url = endpoints->authorizationEndpoint +
                    (endpoints->authorizationEndpoint.find('?') == std::string::npos ? "?" : "&") +
                    form({{"response_type", "code"},
                          {"client_id", settings_.clientId},
                          {"redirect_uri", settings_.redirectUri},
                          {"scope", settings_.scopes},
                          {"state", start.pending.state},
                          {"nonce", start.pending.nonce},
                          {"code_challenge", challenge},
                          {"code_challenge_method", "S256"}});
    } catch (const std::exception& e) {
        start = {};
        start.error = std::string("starting the sign-in failed: ") + e.what();
    }
    return start;
}

OidcResult OidcClient::finish(const PendingSignIn& pending, const std::string& code, const std::string& state,
                              const std::optional<std::string>& iss) {
    // A forged or stale redirect stops here, before the provider hears of it (RFC 6749 §10.12).
    if (pending.state.empty() || !workflows::sameSecret(state, pending.state))
        return {std::nullopt, "the reply's state does not match this sign-in"};
    if (code.empty() || code.size() > 4096) return {std::nullopt, "the reply carries no usable authorisation code"};
    try {
        Failure failure;
        const auto endpoints = discovery(failure);
        if (!endpoints) return {std::nullopt, failure.error, failure.unavailable};
        // RFC 9207: a provider that says it names itself in the redirect must, and must name itself, or the
        // code may be another provider's, sent here by a mix-up.
        if (iss && !iss->empty() ? *iss != settings_.issuer : endpoints->sendsIssuer)
            return {std::nullopt, "the reply names " + (iss ? "issuer \"" + printable(*iss) + "\"" : "no issuer") +
                                      ", not this provider"};
        return redeem(*endpoints, pending, code);
    } catch (const std::exception& e) {
        return {std::nullopt, std::string("the sign-in failed: ") + e.what()};
    }
}

OidcResult OidcClient::redeem(const Discovery& endpoints, const PendingSignIn& pending, const std::string& code) {
    std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "authorization_code"},
                                                               {"code", code},
                                                               {"redirect_uri", settings_.redirectUri},
                                                               {"code_verifier", pending.codeVerifier}};
    kit::HttpRequest request;
    request.method = "POST";
    request.url = endpoints.tokenEndpoint;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    if (endpoints.secretInBody) {
        fields.emplace_back("client_id", settings_.clientId);
        fields.emplace_back("client_secret", settings_.clientSecret);
    } else {
        // RFC 6749 §2.3.1: each form-encoded before they are joined, which a secret with a colon needs.
        const std::string credentials =
            kit::HttpClient::escape(settings_.clientId) + ":" + kit::HttpClient::escape(settings_.clientSecret);
        request.headers.emplace_back("Authorization", "Basic " + workflows::base64(credentials));
    }
    request.body = form(fields);
    // Redeeming a code twice is refused by the provider, so a silent second send on a dropped connection
    // would turn a good sign-in into an error.
    request.freshConnection = true;

    Failure failure;
    const auto reply = call(request, "redeeming the authorisation code", failure);
    if (!reply) return {std::nullopt, failure.error, failure.unavailable};
    const std::string idToken = jsonString(reply, "id_token");
    if (idToken.empty()) return {std::nullopt, "the provider's token reply has no ID token (is \"openid\" in scope?)"};
    return checkIdToken(idToken, pending.nonce);
}

OidcResult OidcClient::checkIdToken(const std::string& idToken, const std::string& nonce) {
    try {
        Failure failure;
        IdTokenExpectations expected{settings_.issuer, settings_.clientId, nonce, std::chrono::system_clock::now()};
        auto set = keys(false, failure);
        if (!set) return {std::nullopt, failure.error, failure.unavailable};
        auto check = staff::checkIdToken(idToken, *set, expected);
        // A key not seen yet: the provider may have rotated its keys since they were fetched. Once, so a token
        // naming keys that do not exist cannot make the hub hammer the provider.
        if (check.outcome == IdTokenCheck::Outcome::unknownKey) {
            set = keys(true, failure);
            if (!set) return {std::nullopt, failure.error, failure.unavailable};
            check = staff::checkIdToken(idToken, *set, expected);
        }
        if (check.outcome != IdTokenCheck::Outcome::valid) return {std::nullopt, check.error};
        StaffClaims claims{jsonString(check.claims, "sub"), jsonString(check.claims, "email"),
                           jsonString(check.claims, "name"), check.claims};
        return {std::move(claims), {}};
    } catch (const std::exception& e) {
        return {std::nullopt, std::string("checking the ID token failed: ") + e.what()};
    }
}

} // namespace clinhub::staff

#include <clinhub/kit/Scrub.hpp>
#include <clinhub/kit/SignedJwt.hpp>

#include <Poco/Crypto/CryptoException.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace clinhub::kit {

namespace {

using Poco::JSON::Object;

Poco::SharedPtr<Poco::Crypto::RSAKey> loadKey(const SignedJwtClient& client) {
    try {
        std::istringstream in(client.privateKeyPem);
        return new Poco::Crypto::RSAKey(nullptr, &in);
    } catch (const Poco::Exception&) {
        // OpenSSL's text can quote the key's first bytes: say only where the bad key came from.
        throw std::runtime_error(client.keySource + " does not hold an RSA private key in PEM");
    }
}

// NHS England's token endpoint sends expires_in as a string ("599"); OAuth 2.0 says a number. Both do.
std::chrono::seconds lifetimeOf(const Object& reply) {
    constexpr std::chrono::seconds unknown{60};
    if (!reply.has("expires_in")) return unknown;
    try {
        const auto value = reply.get("expires_in");
        const long seconds = value.isString() ? std::stol(value.extract<std::string>()) : value.convert<long>();
        return seconds > 0 ? std::chrono::seconds(seconds) : unknown;
    } catch (const std::exception&) {
        return unknown;
    }
}

std::string field(const Object::Ptr& o, const std::string& name) {
    return o.isNull() ? std::string() : o->optValue<std::string>(name, "");
}

} // namespace

std::string secretFromEnvironment(const std::string& name, const std::string& key) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0')
        throw std::runtime_error("environment variable " + name + " (" + key + ") is not set");
    return value;
}

void requireOnePrivateKey(const std::string& file, const std::string& env, ConfigErrors& errors) {
    const bool refused = std::any_of(errors.begin(), errors.end(), [](const ConfigError& e) {
        return e.pointer == "/private_key_file" || e.pointer == "/private_key_env";
    });
    if (!refused && file.empty() == env.empty())
        errors.push_back({"", "give exactly one of private_key_file and private_key_env"});
}

SignedJwtClient signedJwtClient(const std::string& tokenUrl, const std::string& kid, const std::string& apiKeyEnv,
                                const std::string& privateKeyFile, const std::string& privateKeyEnv) {
    SignedJwtClient out{tokenUrl, secretFromEnvironment(apiKeyEnv, "api_key_env"), kid, {}, {}};
    if (!privateKeyEnv.empty()) {
        out.privateKeyPem = secretFromEnvironment(privateKeyEnv, "private_key_env");
        out.keySource = "environment variable " + privateKeyEnv;
        return out;
    }
    std::ifstream in(privateKeyFile);
    if (!in) throw std::runtime_error("cannot read private_key_file " + privateKeyFile);
    std::ostringstream pem;
    pem << in.rdbuf();
    out.privateKeyPem = pem.str();
    out.keySource = "private_key_file " + privateKeyFile;
    return out;
}

SignedJwtTokens::SignedJwtTokens(SignedJwtClient client, HttpClient& http)
    : client_(std::move(client)), key_(loadKey(client_)), http_(http) {}

std::string SignedJwtTokens::assertion(int64_t now) const {
    Poco::JWT::Token jwt;
    jwt.setType("JWT");
    jwt.header().set("kid", client_.kid);
    jwt.payload().set("iss", client_.apiKey);
    jwt.payload().set("sub", client_.apiKey);
    jwt.payload().set("aud", client_.tokenUrl);
    jwt.payload().set("jti", Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
    // Whole seconds: Token::setExpiration would write a fraction, which the platform does not document.
    jwt.payload().set("exp", static_cast<Poco::Int64>(now + 300));
    Poco::JWT::Signer signer(key_);
    return signer.sign(jwt, Poco::JWT::Signer::ALGO_RS512);
}

Result SignedJwtTokens::get(std::string& token) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!token_.empty() && now < renewAt_) {
        token = token_;
        return Result::success();
    }
    token_.clear();
    std::chrono::seconds lifetime{0};
    if (Result r = fetch(token_, lifetime); !r.ok()) return r;
    // Renewed a little early, so a token is never sent in its last moments: a tenth of its life, at most
    // 30 s (599 s tokens last 569 s here; a test's 2 s token, 1.8 s).
    const auto margin =
        std::min<std::chrono::milliseconds>(std::chrono::milliseconds(lifetime) / 10, std::chrono::seconds(30));
    renewAt_ = now + lifetime - margin;
    token = token_;
    return Result::success();
}

void SignedJwtTokens::refused(const std::string& token) {
    std::lock_guard lock(mutex_);
    if (token_ == token) token_.clear();
}

Result SignedJwtTokens::fetch(std::string& token, std::chrono::seconds& lifetime) {
    // The JWT goes on the wire, so it follows the real clock even when the hub's is moved in tests.
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    HttpRequest request;
    request.method = "POST";
    request.url = client_.tokenUrl;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    request.body = "grant_type=client_credentials&client_assertion_type=" +
                   HttpClient::escape("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                   "&client_assertion=" + HttpClient::escape(assertion(now));
    HttpResponse response;
    if (Result r = http_.perform(request, response); !r.ok())
        return Result{r.status, "NHS token endpoint: " + r.message};

    Object::Ptr reply;
    try {
        reply = Poco::JSON::Parser().parse(response.body).extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
        // Not JSON: an error page from a proxy, say. The status still decides below.
    }
    if (response.status < 200 || response.status >= 300) {
        // OAuth 2.0 errors: {"error": "invalid_request", "error_description": "Missing or invalid 'aud' claim..."}.
        std::string detail = field(reply, "error");
        if (const auto description = field(reply, "error_description"); !description.empty())
            detail += (detail.empty() ? "" : ": ") + description;
        const std::string what = "NHS token endpoint refused the signed JWT";
        return statusResult(response.status, what, scrub(detail));
    }
    const std::string access = field(reply, "access_token");
    if (access.empty())
        return Result::permanent("NHS token endpoint answered HTTP " + std::to_string(response.status) +
                                 " without an access_token: '" + scrub(response.body, 60) + "'");
    if (const auto type = field(reply, "token_type"); !type.empty() && Poco::icompare(type, "bearer") != 0)
        return Result::permanent("NHS token endpoint issued a '" + scrub(type, 20) + "' token, not a Bearer one");
    token = access;
    lifetime = lifetimeOf(*reply);
    return Result::success();
}

} // namespace clinhub::kit

// A real OpenID provider for a test: tests/staff/oidc_provider.mjs (npm oidc-provider) as a child process on
// a free loopback port, with one confidential client. The test talks to it over the child's stdin and stdout:
// to sign in as its made-up account (it plays the browser), to rotate its keys, and for ID tokens made to
// order. Closing its stdin ends it, so a test that dies leaves no provider running.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/URI.h>

#include <memory>
#include <sstream>
#include <string>

namespace clinhub::test {

struct OidcProviderOptions {
    std::string clientId = "clinhub-test";
    std::string clientSecret = "not-a-real-secret";
    std::string redirectUri = "https://hub.test-surgery.example/staff/sign-in/callback";
    int codeTtlSeconds = 60;
};

class OidcProvider {
public:
    using Options = OidcProviderOptions;

    explicit OidcProvider(Options options = {}) : options_(std::move(options)) {
        handle_ = std::make_unique<Poco::ProcessHandle>(
            Poco::Process::launch(CLINHUB_NODE_EXE,
                                  {std::string(CLINHUB_SOURCE_DIR) + "/tests/staff/oidc_provider.mjs", "--client-id",
                                   options_.clientId, "--client-secret", options_.clientSecret, "--redirect-uri",
                                   options_.redirectUri, "--code-ttl", std::to_string(options_.codeTtlSeconds)},
                                  &toChild_, &fromChild_, nullptr));
        in_ = std::make_unique<Poco::PipeOutputStream>(toChild_);
        out_ = std::make_unique<Poco::PipeInputStream>(fromChild_);
        std::getline(*out_, issuer_);
        if (!issuer_.starts_with("http://127.0.0.1:")) issuer_.clear();
    }

    ~OidcProvider() {
        in_->close();
        toChild_.close(Poco::Pipe::CLOSE_WRITE);
        handle_->wait();
    }
    OidcProvider(const OidcProvider&) = delete;
    OidcProvider& operator=(const OidcProvider&) = delete;

    // "" when the provider did not start.
    [[nodiscard]] const std::string& issuer() const { return issuer_; }
    [[nodiscard]] const Options& options() const { return options_; }

    // One request, one reply; a reply {"error": ...} when the provider could not do it.
    Poco::JSON::Object::Ptr ask(const Poco::JSON::Object& request) {
        Poco::JSON::Stringifier::stringify(request, *in_);
        *in_ << '\n' << std::flush;
        std::string line;
        if (!std::getline(*out_, line)) line = R"({"error": "the provider has gone"})";
        return Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    }

    // Signs in at `authorizationUrl` as the test account; the redirect back to the client, or "error: ...".
    std::string signIn(const std::string& authorizationUrl) {
        Poco::JSON::Object request;
        request.set("login", authorizationUrl);
        const auto reply = ask(request);
        return reply->has("location") ? reply->getValue<std::string>("location")
                                      : "error: " + reply->optValue<std::string>("error", "");
    }

    // An ID token with `claims`, signed by the provider's key `key` ("rsa-1", "ec-1", a rotated key's kid or
    // "unpublished"), under `alg` when given (to forge "none" or HS256).
    std::string sign(const Poco::JSON::Object& claims, const std::string& key = "rsa-1", const std::string& alg = "") {
        Poco::JSON::Object request;
        request.set("sign", claims);
        request.set("key", key);
        if (!alg.empty()) request.set("alg", alg);
        return ask(request)->optValue<std::string>("token", "");
    }

    // Publishes a new signing key; its kid.
    std::string rotateKeys() {
        Poco::JSON::Object request;
        request.set("rotate", true);
        return ask(request)->optValue<std::string>("kid", "");
    }

private:
    Options options_;
    Poco::Pipe toChild_;
    Poco::Pipe fromChild_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
    std::unique_ptr<Poco::PipeOutputStream> in_;
    std::unique_ptr<Poco::PipeInputStream> out_;
    std::string issuer_;
};

// The query parameter `name` of `url`, or "".
inline std::string queryParameter(const std::string& url, const std::string& name) {
    for (const auto& [key, value] : Poco::URI(url).getQueryParameters())
        if (key == name) return value;
    return {};
}

} // namespace clinhub::test

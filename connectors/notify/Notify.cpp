// notify: GOV.UK Notify (REST API v2) as an SMS and email sender. The hub hands over finished text; it
// travels as the personalisation of one configured template per channel, with the hub's reference as
// Notify's, so a message left `sending` by a crash is found again by lookup(reference).
//
// Never logged: phone numbers, email addresses, bodies. References and Notify's ids are.
#include "Config.h"
#include "Token.h"
#include "Wire.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace {

using clinhub::Delivery;
using clinhub::Result;
using clinhub::kit::HttpClient;
using clinhub::kit::HttpRequest;
using clinhub::kit::HttpResponse;

// Constant-time in the secret's content, so response timings cannot reveal it a byte at a time. `secret`
// is never empty.
bool sameSecret(const std::string& given, const std::string& secret) {
    unsigned char diff = given.size() == secret.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ secret[i % secret.size()]);
    return diff == 0;
}

class Notify final : public clinhub::Connector, public clinhub::SmsSender, public clinhub::EmailSender {
public:
    Notify(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(parsed(configJson)), tokens_(config_.key),
          http_({std::chrono::milliseconds(config_.connectTimeoutMs), std::chrono::milliseconds(config_.timeoutMs)}) {}

    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
        notify::Config::parse(json, errors);
    }

    // Notify refuses a text message of more than 918 characters, whatever the service.
    static int maxCharacters(const std::string& /*configJson*/) { return 918; }

    Result send(const clinhub::Sms& sms, std::string& providerId) override {
        if (config_.smsTemplateId.empty()) return Result::permanent("no sms_template_id is configured");
        if (sms.to.empty()) return Result::permanent("message has no recipient");
        return post("/v2/notifications/sms", notify::smsRequest(config_, sms), "SMS", sms.reference, providerId);
    }

    Result send(const clinhub::Email& email, std::string& providerId) override {
        if (config_.emailTemplateId.empty()) return Result::permanent("no email_template_id is configured");
        if (email.to.empty()) return Result::permanent("message has no recipient");
        return post("/v2/notifications/email", notify::emailRequest(config_, email), "email", email.reference,
                    providerId);
    }

    // References are the hub's and unique across channels, so one lookup serves SMS and email.
    Result lookup(const std::string& reference, Delivery& delivery) override {
        delivery = {};
        if (reference.empty()) return Result::permanent("cannot look up a message without a reference");
        HttpResponse response;
        auto r = call("GET", "/v2/notifications?reference=" + HttpClient::escape(reference), {}, response);
        if (!r.ok()) return r;
        return notify::lookupAnswer(response.status, response.body, delivery);
    }

    Result receipt(const std::string& authorization, const std::string& body,
                   std::vector<clinhub::Receipt>& receipts) override {
        if (config_.callbackToken.empty())
            return Result::permanent("delivery receipts refused: no callback_token is configured");
        const std::string prefix = "Bearer ";
        const std::string token = authorization.rfind(prefix, 0) == 0 ? authorization.substr(prefix.size()) : "";
        if (!sameSecret(token, config_.callbackToken))
            return Result::permanent("delivery receipt refused: its bearer token is not the configured callback_token");
        return notify::receiptBody(body, receipts);
    }

private:
    static notify::Config parsed(const std::string& json) {
        return clinhub::kit::parseOrThrow(notify::Config::parse, json);
    }

    Result call(const std::string& method, const std::string& path, const std::string& body, HttpResponse& response) {
        HttpRequest request;
        request.method = method;
        request.url = config_.baseUrl + path;
        request.body = body;
        // A send must never be repeated blindly, and libcurl repeats a request whose kept-alive connection
        // closed without an answer: so sends go on a fresh connection (reads keep theirs). Notify's rate
        // limit, not connection set-up, is what bounds the send rate.
        request.freshConnection = method == "POST";
        // Notify compares iat with the real time, so the system clock is used, not the host's.
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        request.headers = {{"Authorization", tokens_.authorization(now)},
                           {"Content-Type", "application/json"},
                           {"User-Agent", "clinhub-notify/0.1"}};
        return http_.perform(request, response);
    }

    Result post(const std::string& path, const std::string& body, const std::string& what, const std::string& reference,
                std::string& providerId) {
        HttpResponse response;
        auto r = call("POST", path, body, response);
        if (!r.ok()) {
            // Notify may have taken it before the connection broke: the hub looks the reference up first.
            r.message = "Notify " + what + " " + reference + ": " + r.message;
            return r;
        }
        r = notify::sendAnswer(response.status, response.body, what, providerId);
        if (r.ok()) host_.debug("sent " + reference + " as Notify " + providerId);
        return r;
    }

    clinhub::Host host_;
    notify::Config config_;
    notify::TokenSource tokens_;
    HttpClient http_;
};

} // namespace

CLINHUB_PLUGIN(Notify, "notify", "0.1.0", "GOV.UK Notify: SMS and email through templates, with lookup and receipts",
               notify::kConfigMap.schema())

// nhs-notify: NHS England's NHS Notify (Communications Manager API) as a patient messenger. A message goes to
// a patient by NHS number under one configured routing plan (by default the global free-text plan that tries
// the NHS App and falls back to SMS after 24 hours), with the hub's reference as NHS Notify's
// messageReference, which NHS Notify de-duplicates: a second request with it is answered 422 and ignored.
//
// NHS Notify finds messages by its own id only (GET /v1/messages/{id}); nothing looks a message up by
// messageReference. So lookup() knows the messages this instance sent (their ids, kept in memory) and says
// "cannot tell" of any other; the hub then resends, which NHS Notify's de-duplication makes safe.
//
// Never logged: NHS numbers, phone numbers, bodies. References and NHS Notify's ids are.
#include "Callback.h"
#include "Config.h"
#include "Wire.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/SignedJwt.hpp>
#include <clinhub/plugin.hpp>

#include <Poco/UUIDGenerator.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

using clinhub::Delivery;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::kit::HttpClient;
using clinhub::kit::HttpRequest;
using clinhub::kit::HttpResponse;

// The ids of the messages this instance sent, by reference: the most recent kSentKept.
class SentIds {
public:
    void remember(const std::string& reference, const std::string& id) {
        std::lock_guard lock(mutex_);
        if (ids_.emplace(reference, id).second) order_.push_back(reference);
        while (order_.size() > kSentKept) {
            ids_.erase(order_.front());
            order_.pop_front();
        }
    }
    std::string find(const std::string& reference) {
        std::lock_guard lock(mutex_);
        const auto it = ids_.find(reference);
        return it == ids_.end() ? std::string() : it->second;
    }

private:
    static constexpr std::size_t kSentKept = 100000;
    std::mutex mutex_;
    std::map<std::string, std::string> ids_;
    std::deque<std::string> order_;
};

class NhsNotify final : public clinhub::Connector, public clinhub::PatientMessenger {
public:
    NhsNotify(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(clinhub::kit::parseOrThrow(nhsnotify::Config::parse, configJson)),
          jwt_(clinhub::kit::signedJwtClient(config_.tokenUrl, config_.kid, config_.apiKeyEnv, config_.privateKeyFile,
                                             config_.privateKeyEnv)),
          callbacks_(nhsnotify::CallbackSecrets::load(config_, jwt_.apiKey)),
          http_({std::chrono::milliseconds(config_.connectTimeoutMs), std::chrono::milliseconds(config_.timeoutMs)}),
          tokens_(jwt_, http_) {}

    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
        nhsnotify::Config::parse(json, errors);
    }

    // Whether the routing plan itself falls back from the NHS App (routing_plan_cascades, or what a global
    // free-text plan does).
    static bool cascades(const std::string& json) {
        std::vector<clinhub::ConfigError> errors;
        return nhsnotify::Config::parse(json, errors).cascades;
    }

    Result send(const clinhub::PatientMessage& message, std::string& providerId) override {
        providerId.clear();
        if (message.reference.empty()) return Result::permanent("message has no reference");
        const auto nhs = clinhub::kit::checkNhsNumber(message.nhsNumber);
        if (!nhs.ok())
            return Result::permanent("message " + message.reference + " has no valid NHS number: " + nhs.problem);
        if (message.body.empty()) return Result::permanent("message " + message.reference + " has no text");
        clinhub::PatientMessage normalised = message;
        normalised.nhsNumber = nhs.value;
        HttpResponse response;
        // A 401 (token revoked or expired early) takes nothing, so call() sends again once with a fresh token.
        if (Result r = call("POST", "/v1/messages", nhsnotify::messageRequest(config_, normalised), response);
            !r.ok()) {
            r.message = "NHS Notify message " + message.reference + ": " + r.message;
            return r;
        }
        bool duplicate = false;
        Result r = nhsnotify::sendAnswer(response.status, response.body, providerId, duplicate);
        if (!r.ok()) {
            r.message = "message " + message.reference + ": " + r.message;
            return r;
        }
        if (duplicate) {
            // Accepted before (a send whose answer was lost, or a second attempt): NHS Notify ignores this
            // one. Its id is known only if this instance got the first answer.
            providerId = sent_.find(message.reference);
            host_.info("NHS Notify already holds " + message.reference + " (422 duplicate messageReference)");
            return Result{clinhub::Status::ok, "NHS Notify already held this messageReference; not sent again"};
        }
        sent_.remember(message.reference, providerId);
        host_.debug("sent " + message.reference + " as NHS Notify message " + providerId);
        return r;
    }

    Result lookup(const std::string& reference, Delivery& delivery, std::vector<Receipt>& channels) override {
        delivery = {};
        channels.clear();
        const std::string id = sent_.find(reference);
        if (id.empty())
            return Result::permanent("NHS Notify finds messages by its own id only, and this instance did not send " +
                                     reference +
                                     ": cannot tell (sending it again is safe: NHS Notify ignores a "
                                     "repeated messageReference)");
        HttpResponse response;
        if (Result r = call("GET", "/v1/messages/" + HttpClient::escape(id), {}, response); !r.ok()) return r;
        Result r = nhsnotify::messageAnswer(response.status, response.body, delivery, channels);
        if (r.ok() && delivery.providerId.empty()) delivery.providerId = id;
        return r;
    }

    Result receipt(const clinhub::Headers& headers, const std::string& body, std::vector<Receipt>& receipts) override {
        if (Result r = nhsnotify::verifyCallback(headers, body, callbacks_.apiKey, callbacks_.secret); !r.ok())
            return r;
        return nhsnotify::callbackBody(body, receipts);
    }

private:
    // One request with a bearer token; a token NHS Notify refuses (401) is replaced once and the request
    // made again.
    Result call(const std::string& method, const std::string& path, const std::string& body, HttpResponse& response) {
        for (int attempt = 1;; ++attempt) {
            std::string token;
            if (Result r = tokens_.get(token); !r.ok()) {
                // The token endpoint's failures happen before any message is sent.
                if (method == "POST" && r.status == clinhub::Status::retryable) r.notSent = true;
                return r;
            }
            HttpRequest request;
            request.method = method;
            request.url = config_.baseUrl + path;
            request.body = body;
            // A send must never be repeated blindly by libcurl on a kept-alive connection that closed.
            request.freshConnection = method == "POST";
            request.headers = {{"Authorization", "Bearer " + token},
                               {"Accept", "application/vnd.api+json"},
                               {"X-Correlation-ID", Poco::UUIDGenerator::defaultGenerator().createRandom().toString()},
                               {"User-Agent", "clinhub-nhs-notify/0.1"}};
            if (!body.empty()) request.headers.emplace_back("Content-Type", "application/vnd.api+json");
            if (Result r = http_.perform(request, response); !r.ok()) return r;
            if (response.status == 401 && attempt == 1) {
                host_.info("NHS Notify refused the access token; fetching a new one");
                tokens_.refused(token);
                continue;
            }
            return Result::success();
        }
    }

    clinhub::Host host_;
    nhsnotify::Config config_;
    clinhub::kit::SignedJwtClient jwt_;
    nhsnotify::CallbackSecrets callbacks_;
    HttpClient http_;
    clinhub::kit::SignedJwtTokens tokens_;
    SentIds sent_;
};

} // namespace

CLINHUB_PLUGIN(NhsNotify, "nhs-notify", "0.1.0",
               "NHS Notify: messages to patients by NHS number through the NHS App, with the routing plan's SMS "
               "fallback, lookup of this instance's messages and signed callbacks",
               nhsnotify::kConfigMap.schema())

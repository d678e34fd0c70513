// http-sms: a generic HTTP SMS gateway for providers without their own plugin. The request (URL, method,
// headers, body template) and where the answer keeps the message id, the error and the delivery status
// (JSON Pointers) all come from the config; see Config.cpp for the schema.
//
// Bodies and numbers are never logged, and a provider's error text is quoted only with the recipient's
// number blanked out: providers like to echo it back.
#include "Config.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/kit/Scrub.hpp>
#include <clinhub/plugin.hpp>

#include <stdexcept>

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::Result;
using clinhub::kit::HttpClient;
using clinhub::kit::HttpRequest;
using clinhub::kit::HttpResponse;

class HttpSms final : public clinhub::Connector, public clinhub::SmsSender {
public:
    HttpSms(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(load(configJson)), http_(config_.timeouts) {}

    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
        httpsms::parseConfig(json, errors);
    }

    Result send(const clinhub::Sms& sms, std::string& providerId) override {
        if (sms.reference.empty()) return Result::permanent("message has no reference");
        if (sms.to.empty()) return Result::permanent("message has no recipient");
        HttpRequest request{config_.method, config_.url, config_.headers, {}};
        request.headers.emplace_back("Content-Type", config_.contentType);
        request.body = config_.body.render({{"to", sms.to}, {"body", sms.body}, {"reference", sms.reference}});
        // Never on a kept-alive connection: libcurl would resend it, unasked, if that connection had closed.
        request.freshConnection = true;
        HttpResponse response;
        if (auto r = http_.perform(request, response); !r.ok()) return r;
        const std::string what = "send " + sms.reference;
        if (response.status < 200 || response.status >= 300) return failure(response, what);

        const auto document = httpsms::parseJson(response.body);
        const auto id = config_.providerId.scalar(document);
        // The provider took the message but we cannot tell which it is: resending would duplicate it.
        if (!id || id->empty())
            return Result::permanent(what + ": HTTP " + std::to_string(response.status) +
                                     " but the answer has no message id at provider_id " + config_.providerId.text() +
                                     (document.isEmpty() ? " (the answer is not JSON)" : ""));
        providerId = *id;
        host_.info("sms sent: reference=" + sms.reference + " provider id=" + providerId);
        return Result::success();
    }

    Result lookup(const std::string& reference, Delivery& delivery) override {
        if (!config_.lookup) return Result::permanent("lookup is not configured for this gateway");
        const auto& l = *config_.lookup;
        delivery = {DeliveryState::unknown, {}};
        HttpRequest request{l.method, l.url.render({{"reference", reference}}), config_.headers, {}};
        HttpResponse response;
        if (auto r = http_.perform(request, response); !r.ok()) return r;
        const std::string what = "lookup " + reference;
        if (response.status == 404) return Result::success();
        if (response.status < 200 || response.status >= 300) return failure(response, what);

        const auto document = httpsms::parseJson(response.body);
        if (document.isEmpty()) return Result::permanent(what + ": the answer is not JSON");
        const auto status = l.status.scalar(document);
        if (!status) return Result::success(); // the provider has no such message
        const auto known = l.states.find(*status);
        delivery.state = known == l.states.end() ? DeliveryState::accepted : known->second;
        if (!l.providerId.empty()) delivery.providerId = l.providerId.scalar(document).value_or("");
        return Result::success();
    }

private:
    static httpsms::Config load(const std::string& json) {
        std::vector<clinhub::ConfigError> errors;
        auto config = httpsms::parseConfig(json, errors);
        if (!errors.empty()) {
            std::string message = "config";
            for (const auto& e : errors)
                message += " " + (e.pointer.empty() ? std::string("/") : e.pointer) + ": " + e.message + ";";
            throw std::runtime_error(message);
        }
        return config;
    }

    Result failure(const HttpResponse& response, const std::string& what) const {
        std::string detail;
        if (!config_.error.empty()) {
            // Gateways echo the number, in any format, and sometimes the text: scrubbed before it is logged.
            detail = clinhub::kit::scrub(config_.error.scalar(httpsms::parseJson(response.body)).value_or(""), 300);
        }
        const std::string message =
            what + ": HTTP " + std::to_string(response.status) + (detail.empty() ? "" : " " + detail);
        if (config_.permanent.count(response.status) != 0) return Result::permanent(message);
        if (config_.retryable.count(response.status) != 0) return Result::retryable(message);
        return clinhub::kit::statusResult(response.status, what, detail);
    }

    clinhub::Host host_;
    httpsms::Config config_;
    HttpClient http_;
};

} // namespace

CLINHUB_PLUGIN(HttpSms, "http-sms", "1.0.0",
               "Generic HTTP SMS gateway: URL, headers, body template and answer pointers from the config",
               httpsms::kConfigMap.schema())

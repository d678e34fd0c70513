#include "Wire.h"

#include <clinhub/kit/Scrub.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace notify {

namespace {

using clinhub::DeliveryState;
using clinhub::Result;
using clinhub::kit::parseAnswerObject;
using clinhub::kit::scrub;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

std::string optText(const Object& o, const std::string& name) {
    if (!o.has(name) || o.isNull(name)) return {};
    try {
        return o.getValue<std::string>(name);
    } catch (const Poco::Exception&) {
        return {};
    }
}

Object::Ptr request(const std::string& templateId, const std::string& reference) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("template_id", templateId);
    if (!reference.empty()) o->set("reference", reference);
    return o;
}

} // namespace

std::string smsRequest(const Config& config, const clinhub::Sms& sms) {
    auto o = request(config.smsTemplateId, sms.reference);
    o->set("phone_number", sms.to);
    Object::Ptr personalisation = new Object;
    personalisation->set(config.bodyField, sms.body);
    o->set("personalisation", personalisation);
    return stringify(*o);
}

std::string emailRequest(const Config& config, const clinhub::Email& email) {
    auto o = request(config.emailTemplateId, email.reference);
    o->set("email_address", email.to);
    Object::Ptr personalisation = new Object;
    // Notify renders its own HTML from the text (a Markdown subset): the hub's HTML part is not sent.
    personalisation->set(config.bodyField, email.text);
    personalisation->set(config.subjectField, email.subject);
    o->set("personalisation", personalisation);
    return stringify(*o);
}

Result errorAnswer(long status, const std::string& body, const std::string& what) {
    std::string why;
    std::string error;
    std::string message;
    if (const auto o = parseAnswerObject(body, why)) {
        if (const auto errors = o->getArray("errors"); errors && errors->size() > 0) {
            if (const auto first = errors->getObject(0)) {
                error = optText(*first, "error");
                message = optText(*first, "message");
            }
        }
    }
    // Notify's messages can quote the number or the personalisation back: scrubbed before they are logged.
    const std::string detail = error.empty() ? "" : " " + scrub(error + (message.empty() ? "" : ": " + message));
    const std::string head = "Notify refused the " + what + " (HTTP " + std::to_string(status) + detail + ")";
    if (status == 401 || status == 403)
        return Result::permanent(head + ": check the API key (the service id and secret of a live key) and that "
                                        "this machine's clock is within 30 seconds of the real time");
    // Notify documents a 429 (RateLimitError, TooManyRequestsError) as refusing the request outright: the
    // message was not taken, so the hub may move on without asking after it.
    if (status == 429)
        return Result::retryableNotSent(head + ": " +
                                        (error == "TooManyRequestsError" ? "the service's daily limit is used up"
                                                                         : "the per-minute rate limit is exceeded") +
                                        "; retry after a pause");
    if (status >= 500 || status == 408)
        return Result::retryable("Notify failed on the " + what + " (HTTP " + std::to_string(status) + detail +
                                 "); retry later");
    return Result::permanent(head);
}

Result sendAnswer(long status, const std::string& body, const std::string& what, std::string& providerId) {
    if (status < 200 || status >= 300) return errorAnswer(status, body, what);
    std::string why;
    const auto o = parseAnswerObject(body, why);
    if (o && optText(*o, "id").empty()) why = "no \"id\" string";
    if (!why.empty())
        // Notify answered 2xx, so it most likely took the message: resending could send it twice.
        return Result::permanent("Notify accepted the " + what + " (HTTP " + std::to_string(status) +
                                 ") but answered with " + why + "; not resent, look it up by reference");
    providerId = optText(*o, "id");
    return Result::success();
}

Result lookupAnswer(long status, const std::string& body, clinhub::Delivery& delivery) {
    delivery = {};
    if (status < 200 || status >= 300) return errorAnswer(status, body, "lookup");
    std::string why;
    const auto o = parseAnswerObject(body, why);
    Array::Ptr list;
    if (o) {
        list = o->getArray("notifications");
        if (!list) why = "no \"notifications\" list";
    }
    if (!why.empty()) return Result::permanent("Notify answered a lookup with " + why);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto n = list->getObject(static_cast<unsigned>(i));
        if (!n || optText(*n, "id").empty() || optText(*n, "status").empty())
            return Result::permanent("Notify answered a lookup with a notification lacking \"id\" or \"status\"");
    }
    // Notify lists newest first.
    if (list->size() > 0) {
        const auto newest = list->getObject(0);
        delivery = {stateOf(optText(*newest, "status")), optText(*newest, "id")};
    }
    return Result::success();
}

DeliveryState stateOf(const std::string& s) {
    if (s == "delivered") return DeliveryState::delivered;
    if (s == "permanent-failure" || s == "temporary-failure" || s == "technical-failure") return DeliveryState::failed;
    // created, sending, pending, sent (international) and any status Notify adds later: it has the message.
    return DeliveryState::accepted;
}

Result receiptBody(const std::string& body, std::vector<clinhub::Receipt>& receipts) {
    std::string why;
    const auto o = parseAnswerObject(body, why);
    if (o && (optText(*o, "id").empty() || optText(*o, "status").empty())) why = "no \"id\" or \"status\"";
    if (!why.empty()) return Result::permanent("a Notify delivery receipt with " + why);
    const std::string status = optText(*o, "status");
    receipts.push_back({optText(*o, "reference"), stateOf(status), optText(*o, "id"), status});
    return Result::success();
}

} // namespace notify

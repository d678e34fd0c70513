#include "Wire.h"

#include <clinhub/kit/Scrub.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <sstream>

namespace nhsnotify {

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::PatientChannel;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::kit::parseAnswerObject;
using clinhub::kit::scrub;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string text(const Object::Ptr& o, const std::string& name) {
    if (!o || !o->has(name) || o->isNull(name)) return {};
    try {
        const auto v = o->get(name);
        return v.isString() ? v.extract<std::string>() : std::string();
    } catch (const Poco::Exception&) {
        return {};
    } catch (const std::exception&) {
        return {};
    }
}

Object::Ptr object(const Object::Ptr& o, const std::string& name) {
    if (!o) return nullptr;
    try {
        return o->getObject(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

Array::Ptr array(const Object::Ptr& o, const std::string& name) {
    if (!o) return nullptr;
    try {
        return o->getArray(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

Object::Ptr item(const Array::Ptr& a, std::size_t i) {
    try {
        return a->getObject(static_cast<unsigned>(i));
    } catch (const std::exception&) {
        return nullptr;
    }
}

PatientChannel channelOf(const std::string& word) {
    if (word == "nhsapp") return PatientChannel::nhsApp;
    if (word == "sms") return PatientChannel::sms;
    if (word == "email") return PatientChannel::email;
    if (word == "letter") return PatientChannel::letter;
    return PatientChannel::unknown;
}

// The provider's word for a channel's or message's state: the status, the supplier's status when it says
// more, and the failure reason (its code and NHS Notify's description, scrubbed).
std::string detailOf(const std::string& status, const std::string& supplierStatus, const std::string& description,
                     const std::string& code) {
    std::string out = status;
    if (!supplierStatus.empty() && supplierStatus != status) out += " (" + supplierStatus + ")";
    if (!code.empty()) out += " " + scrub(code, 40);
    if (!description.empty()) out += ": " + scrub(description, 120);
    return scrub(out, 200);
}

// The message id NHS Notify gives: a KSUID, 27 letters and digits. Anything else is not trusted as one.
bool isKsuid(const std::string& id) {
    if (id.size() != 27) return false;
    for (const char c : id)
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
    return true;
}

} // namespace

std::string messageRequest(const Config& config, const clinhub::PatientMessage& message) {
    Object::Ptr recipient = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    recipient->set("nhsNumber", message.nhsNumber);
    if (config.sendMobile && !message.mobile.empty()) {
        Object::Ptr contact = new Object;
        contact->set("sms", message.mobile);
        recipient->set("contactDetails", contact);
    }
    Object::Ptr personalisation = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& field : config.bodyFields)
        personalisation->set(field, message.body);
    Object::Ptr attributes = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    attributes->set("routingPlanId", config.routingPlanId);
    attributes->set("messageReference", message.reference);
    attributes->set("recipient", recipient);
    if (!config.odsCode.empty()) {
        Object::Ptr originator = new Object;
        originator->set("odsCode", config.odsCode);
        attributes->set("originator", originator);
    }
    attributes->set("personalisation", personalisation);
    Object::Ptr data = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    data->set("type", "Message");
    data->set("attributes", attributes);
    Object document;
    document.set("data", data);
    std::ostringstream out;
    document.stringify(out);
    return out.str();
}

Result errorAnswer(long status, const std::string& body, const std::string& what, bool send) {
    std::string ignored;
    const Object::Ptr o = parseAnswerObject(body, ignored);
    std::string detail;
    if (const auto errors = array(o, "errors"); errors && errors->size() > 0) {
        const auto first = item(errors, 0);
        const std::string code = text(first, "code");
        const std::string title = text(first, "title");
        const std::string said = text(first, "detail");
        const std::string pointer = text(object(first, "source"), "pointer");
        detail = title;
        if (!said.empty() && said != title) detail += (detail.empty() ? "" : ": ") + said;
        if (!code.empty()) detail += " (" + code + ")";
        if (!pointer.empty()) detail += " at " + pointer;
        if (errors->size() > 1) detail += " and " + std::to_string(errors->size() - 1) + " more";
    }
    detail = scrub(detail, 200);
    const std::string message =
        "NHS Notify " + what + ": HTTP " + std::to_string(status) + (detail.empty() ? "" : " - " + detail);
    // 429 is NHS Notify's refusal before accepting anything: the message certainly was not taken.
    if (status == 429) return send ? Result::retryableNotSent(message) : Result::retryable(message);
    // 425 Too Early: NHS Notify is still working on an earlier request with the same reference.
    if (status >= 500 || status == 408 || status == 425) return Result::retryable(message);
    return Result::permanent(message);
}

Result sendAnswer(long status, const std::string& body, std::string& providerId, bool& duplicate) {
    providerId.clear();
    duplicate = false;
    if (status == 422) {
        std::string ignored;
        const auto errors = array(parseAnswerObject(body, ignored), "errors");
        if (errors && errors->size() > 0 && text(item(errors, 0), "code") == "CM_DUPLICATE_REQUEST") {
            duplicate = true;
            return Result::success();
        }
    }
    if (status != 201 && status != 200) return errorAnswer(status, body, "refused the message", true);
    std::string why;
    const auto o = parseAnswerObject(body, why);
    const auto data = object(o, "data");
    const std::string id = text(data, "id");
    if (!o)
        return Result::permanent("NHS Notify accepted the message (HTTP " + std::to_string(status) + ") with " + why);
    if (!isKsuid(id))
        return Result::permanent("NHS Notify accepted the message (HTTP " + std::to_string(status) +
                                 ") without a message id (data.id) of 27 letters and digits");
    providerId = id;
    return Result::success();
}

DeliveryState messageState(const std::string& s) {
    if (s == "delivered") return DeliveryState::delivered;
    if (s == "failed") return DeliveryState::failed;
    if (s == "created" || s == "pending_enrichment" || s == "enriched" || s == "sending")
        return DeliveryState::accepted;
    return DeliveryState::unknown;
}

std::optional<Receipt> channelReceipt(const std::string& channel, const std::string& channelStatus,
                                      const std::string& supplierStatus, const std::string& description,
                                      const std::string& reasonCode) {
    const PatientChannel c = channelOf(channel);
    if (c == PatientChannel::unknown) return std::nullopt;
    DeliveryState state = DeliveryState::unknown;
    if (channelStatus == "failed")
        state = DeliveryState::failed;
    else if (supplierStatus == "read")
        state = DeliveryState::read;
    else if (channelStatus == "delivered" || supplierStatus == "delivered" || supplierStatus == "notified" ||
             supplierStatus == "received")
        state = DeliveryState::delivered;
    else if (channelStatus == "created" || channelStatus == "sending")
        state = DeliveryState::accepted;
    if (state == DeliveryState::unknown) return std::nullopt; // skipped, or a status this mapping does not know
    Receipt r;
    r.channel = c;
    r.state = state;
    r.detail = detailOf(channelStatus, supplierStatus, description, reasonCode);
    return r;
}

Result messageAnswer(long status, const std::string& body, Delivery& delivery, std::vector<Receipt>& channels) {
    delivery = {};
    channels.clear();
    if (status == 404) return Result::success(); // unknown: NHS Notify holds no such message
    if (status != 200) return errorAnswer(status, body, "message lookup", false);
    std::string why;
    const auto o = parseAnswerObject(body, why);
    if (!o) return Result::permanent("NHS Notify answered a message lookup with " + why);
    const auto data = object(o, "data");
    const auto attributes = object(data, "attributes");
    const DeliveryState state = messageState(text(attributes, "messageStatus"));
    if (state == DeliveryState::unknown)
        return Result::permanent("NHS Notify answered a message lookup without a messageStatus it documents");
    delivery.state = state;
    delivery.providerId = text(data, "id");
    if (const auto list = array(attributes, "channels"))
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto ch = item(list, i);
            if (auto r = channelReceipt(text(ch, "type"), text(ch, "channelStatus"), text(ch, "supplierStatus"),
                                        text(ch, "channelStatusDescription"), text(ch, "channelFailureReasonCode")))
                channels.push_back(*r);
        }
    return Result::success();
}

Result callbackBody(const std::string& body, std::vector<Receipt>& receipts) {
    receipts.clear();
    std::string why;
    const auto o = parseAnswerObject(body, why);
    if (!o) return Result::permanent("an NHS Notify callback with " + why);
    const auto data = array(o, "data");
    if (!data || data->size() == 0) return Result::permanent("an NHS Notify callback without a data array");
    std::vector<Receipt> out;
    for (std::size_t i = 0; i < data->size(); ++i) {
        const auto entry = item(data, i);
        const std::string type = text(entry, "type");
        const auto a = object(entry, "attributes");
        const std::string reference = text(a, "messageReference");
        const std::string id = text(a, "messageId");
        const std::string at = "an NHS Notify callback's data[" + std::to_string(i) + "]";
        if (reference.empty()) return Result::permanent(at + " has no messageReference");
        if (type == "MessageStatus") {
            const std::string status = text(a, "messageStatus");
            Receipt r;
            r.reference = reference;
            r.providerId = id;
            r.state = messageState(status);
            if (r.state == DeliveryState::unknown)
                return Result::permanent(at + " has no messageStatus NHS Notify documents");
            r.detail = detailOf(status, "", text(a, "messageStatusDescription"), text(a, "messageFailureReasonCode"));
            out.push_back(r);
            if (const auto list = array(a, "channels"))
                for (std::size_t j = 0; j < list->size(); ++j) {
                    const auto ch = item(list, j);
                    if (auto c = channelReceipt(text(ch, "type"), text(ch, "channelStatus"), "", "", "")) {
                        c->reference = reference;
                        c->providerId = id;
                        out.push_back(*c);
                    }
                }
        } else if (type == "ChannelStatus") {
            auto c = channelReceipt(text(a, "channel"), text(a, "channelStatus"), text(a, "supplierStatus"),
                                    text(a, "channelStatusDescription"), text(a, "channelFailureReasonCode"));
            if (!c) continue; // a skipped channel, or a status with no meaning for the hub
            c->reference = reference;
            c->providerId = id;
            out.push_back(*c);
        } else {
            return Result::permanent(at + " is neither a MessageStatus nor a ChannelStatus");
        }
    }
    receipts = std::move(out);
    return Result::success();
}

} // namespace nhsnotify

#include "hub/outbox/Payload.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace clinhub::outbox {

namespace {

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

std::string text(const Poco::JSON::Object::Ptr& object, const std::string& key) {
    if (!object->has(key) || object->isNull(key)) return {};
    const auto value = object->get(key);
    if (!value.isString()) throw PayloadError("\"" + key + "\" is not a string");
    return value.extract<std::string>();
}

Poco::JSON::Object patientJson(const Patient& p) {
    Poco::JSON::Object o;
    o.set("nhs_number", p.nhsNumber);
    o.set("date_of_birth", p.dateOfBirth);
    if (!p.mobile.empty()) o.set("mobile", p.mobile);
    if (!p.name.empty()) o.set("name", p.name);
    if (!p.bookId.empty()) o.set("book_id", p.bookId);
    return o;
}

struct Encoder {
    std::string operator()(const SmsPayload& p) const {
        Poco::JSON::Object o;
        o.set("to", p.to);
        o.set("body", p.body);
        return stringify(o);
    }
    std::string operator()(const EmailPayload& p) const {
        Poco::JSON::Object o;
        o.set("to", p.to);
        o.set("subject", p.subject);
        o.set("text", p.text);
        if (!p.html.empty()) o.set("html", p.html);
        return stringify(o);
    }
    std::string operator()(const AppPayload& p) const {
        Poco::JSON::Object o;
        o.set("nhs_number", p.nhsNumber);
        if (!p.dateOfBirth.empty()) o.set("date_of_birth", p.dateOfBirth);
        if (!p.mobile.empty()) o.set("mobile", p.mobile);
        o.set("body", p.body);
        if (p.readWaitSeconds > 0) o.set("read_wait_s", p.readWaitSeconds);
        return stringify(o);
    }
    std::string operator()(const RecordPayload& p) const {
        Poco::JSON::Object o;
        o.set("patient", patientJson(p.patient));
        o.set("code", p.code);
        o.set("term", p.term);
        return stringify(o);
    }
};

} // namespace

Channel channelOf(const Payload& payload) {
    if (std::holds_alternative<SmsPayload>(payload)) return Channel::sms;
    if (std::holds_alternative<EmailPayload>(payload)) return Channel::email;
    if (std::holds_alternative<AppPayload>(payload)) return Channel::app;
    return Channel::record;
}

std::string encode(const Payload& payload) { return std::visit(Encoder{}, payload); }

Payload decode(Channel channel, const std::string& json) {
    Poco::JSON::Object::Ptr o;
    try {
        o = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw PayloadError("message payload is not a JSON object: " + e.displayText());
    }
    if (!o) throw PayloadError("message payload is not a JSON object");
    switch (channel) {
    case Channel::sms: return SmsPayload{text(o, "to"), text(o, "body")};
    case Channel::email: return EmailPayload{text(o, "to"), text(o, "subject"), text(o, "text"), text(o, "html")};
    case Channel::app: {
        int64_t wait = 0;
        if (o->has("read_wait_s")) {
            const auto value = o->get("read_wait_s");
            if (!value.isInteger()) throw PayloadError("\"read_wait_s\" is not a whole number");
            wait = value.convert<int64_t>();
        }
        return AppPayload{text(o, "nhs_number"), text(o, "date_of_birth"), text(o, "mobile"), text(o, "body"), wait};
    }
    case Channel::record: {
        const auto p = o->getObject("patient");
        if (!p) throw PayloadError("record message has no patient");
        return RecordPayload{
            {text(p, "nhs_number"), text(p, "date_of_birth"), text(p, "mobile"), text(p, "name"), text(p, "book_id")},
            text(o, "code"),
            text(o, "term")};
    }
    }
    throw PayloadError("unknown channel");
}

} // namespace clinhub::outbox

#include "Gateway.h"

#include "SimServer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace smsgw {

namespace {

using clinhub::sim::send;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

void error(Poco::Net::HTTPServerResponse& response, int status, const std::string& message) {
    Object inner;
    inner.set("message", message);
    Object body;
    body.set("error", inner);
    send(response, status, "application/json", stringify(body));
}

bool e164(const std::string& to) {
    return to.size() >= 8 && to.size() <= 16 && to[0] == '+' && to[1] != '0' &&
           std::all_of(to.begin() + 1, to.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

Object::Ptr summary(const Message& m) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("id", m.id);
    o->set("status", m.status);
    o->set("client_ref", m.clientRef);
    return o;
}

std::string field(const Object::Ptr& o, const std::string& key) {
    if (!o->has(key) || o->isNull(key)) return {};
    const auto value = o->get(key);
    if (!value.isString()) throw std::invalid_argument(key + " must be a string");
    return value.extract<std::string>();
}

} // namespace

Gateway::Gateway(const std::string& fixtureFile, clinhub::sim::Faults& faults) : faults_(faults) {
    std::ifstream in(fixtureFile);
    if (!in) throw std::runtime_error("cannot read the fixture " + fixtureFile);
    const auto root = Poco::JSON::Parser().parse(in).extract<Object::Ptr>();
    const auto keys = root->getArray("api_keys");
    if (keys.isNull() || keys->size() == 0) throw std::runtime_error("the fixture lists no api_keys");
    for (unsigned i = 0; i < keys->size(); ++i)
        keys_.insert(keys->getElement<std::string>(i));
}

void Gateway::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    if (uri.getPath() != "/messages") return error(response, 404, "no such endpoint");
    if (keys_.count(request.get("X-Api-Key", "")) == 0) return error(response, 401, "invalid or missing API key");
    if (request.getMethod() == "POST") return accept(request, response);
    if (request.getMethod() == "GET") {
        for (const auto& [name, value] : uri.getQueryParameters())
            if (name == "client_ref") return find(value, response);
        return error(response, 400, "client_ref is required");
    }
    error(response, 405, "POST or GET");
}

void Gateway::accept(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string text = clinhub::sim::readBody(request);
    if (faults_.error()) return error(response, 500, "internal error (simulated)");
    Message m;
    try {
        const auto body = Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
        if (body.isNull()) throw std::invalid_argument("the body must be a JSON object");
        m.to = field(body, "to");
        m.text = field(body, "text");
        m.clientRef = field(body, "client_ref");
    } catch (const Poco::Exception& e) {
        return error(response, 400, "the body is not JSON: " + e.message());
    } catch (const std::exception& e) {
        return error(response, 400, e.what());
    }
    if (!e164(m.to)) return error(response, 400, "to must be an E.164 number, not " + m.to);
    if (m.text.empty()) return error(response, 400, "text is required");
    if (m.text.size() > 918) return error(response, 400, "text is longer than 6 SMS parts");
    {
        std::lock_guard lock(mutex_);
        char id[32];
        std::snprintf(id, sizeof id, "msg-%06zu", messages_.size() + 1);
        m.id = id;
        messages_.push_back(m);
    }
    if (faults_.afterCommit()) throw clinhub::sim::DropConnection{};
    if (faults_.malformed()) return send(response, 201, "application/json", "{\"messages\":[{\"id\":");
    Array::Ptr list = new Array;
    list->add(summary(m));
    Object answer;
    answer.set("messages", list);
    send(response, 201, "application/json", stringify(answer));
}

void Gateway::find(const std::string& clientRef, Poco::Net::HTTPServerResponse& response) {
    if (faults_.error()) return error(response, 500, "internal error (simulated)");
    Array::Ptr list = new Array;
    {
        std::lock_guard lock(mutex_);
        for (const auto& m : messages_)
            if (m.clientRef == clientRef) list->add(summary(m));
    }
    Object answer;
    answer.set("messages", list);
    send(response, 200, "application/json", stringify(answer));
}

void Gateway::inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string path = Poco::URI(request.getURI()).getPath();
    if (path == "/_sim/messages" && request.getMethod() == "GET") {
        Array::Ptr list = new Array;
        {
            std::lock_guard lock(mutex_);
            for (const auto& m : messages_) {
                Object::Ptr o = summary(m);
                o->set("to", m.to);
                o->set("text", m.text);
                list->add(o);
            }
        }
        Object answer;
        answer.set("messages", list);
        return send(response, 200, "application/json", stringify(answer));
    }
    if (path == "/_sim/status" && request.getMethod() == "POST") {
        try {
            const auto body = Poco::JSON::Parser().parse(clinhub::sim::readBody(request)).extract<Object::Ptr>();
            const std::string id = body->getValue<std::string>("id");
            std::lock_guard lock(mutex_);
            for (auto& m : messages_)
                if (m.id == id) {
                    m.status = body->getValue<std::string>("status");
                    return send(response, 200, "application/json", "{}");
                }
            return error(response, 404, "no message " + id);
        } catch (const Poco::Exception& e) {
            return error(response, 400, e.displayText());
        }
    }
    error(response, 404, "no such inspection path");
}

} // namespace smsgw

#include "Client.h"

#include <clinhub/kit/SafeXml.hpp>
#include <clinhub/kit/Scrub.hpp>

#include <cstring>

namespace emisxml {

namespace {

using clinhub::Result;
using clinhub::kit::child;
using clinhub::kit::childText;
using clinhub::kit::scrub;
using clinhub::kit::xmlEscape;

const char* localName(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon == nullptr ? name : colon + 1;
}

std::string envelope(const std::string& name, const std::string& params) {
    return R"(<?xml version="1.0" encoding="utf-8"?>)"
           R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
           "<" +
           name + R"( xmlns=")" + kNamespace + R"(">)" + params + "</" + name + "></soap:Body></soap:Envelope>";
}

// The faultstring of a SOAP fault, if the body is one, scrubbed; never fails.
std::string faultString(const std::string& body) {
    pugi::xml_document doc;
    if (body.find("<!DOCTYPE") != std::string::npos || body.find("<!ENTITY") != std::string::npos) return "";
    if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default & ~pugi::parse_doctype)) return "";
    const std::string text = childText(child(child(doc.document_element(), "Body"), "Fault"), "faultstring");
    return clinhub::kit::scrub(text, 200);
}

bool sessionExpired(const Reply& reply) { return reply.answered && reply.error.find("Session expired") == 0; }

void clear(Reply& reply) {
    reply.doc.reset();
    reply.body = {};
    reply.sent = false;
    reply.answered = false;
    reply.error.clear();
}

} // namespace

std::string param(const char* name, const std::string& text) {
    return std::string("<") + name + ">" + xmlEscape(text) + "</" + name + ">";
}

Client::Client(const Config& config, const clinhub::Host& host)
    : config_(config), host_(host),
      http_({std::chrono::milliseconds(config.connectTimeoutMs), std::chrono::milliseconds(config.timeoutMs)}) {}

Result Client::call(const std::string& name, const std::string& params, Reply& reply, Repeat repeat) {
    for (int attempt = 0;; ++attempt) {
        clear(reply);
        std::string id;
        if (Result r = session(id); !r.ok()) return r;
        reply.sent = true;
        Result r = exchange(name, param("SessionId", id) + params, reply, repeat);
        if (!sessionExpired(reply) || attempt == 1) return r;
        host_.info("EMIS session expired; logging on again");
        expire(id);
    }
}

Result Client::session(std::string& id) {
    std::lock_guard lock(sessionMutex_);
    if (!session_.empty()) {
        id = session_;
        return Result::success();
    }
    Reply reply;
    Result r =
        exchange("Logon", param("UserName", config_.user) + param("Password", config_.password), reply, Repeat::safe);
    if (!r.ok()) return reply.answered ? Result::permanent("EMIS Logon refused: " + reply.error) : r;
    session_ = childText(reply.body, "SessionId");
    if (session_.empty()) return Result::permanent("EMIS Logon reply has no SessionId");
    host_.info("logged on to the EMIS Partner API");
    id = session_;
    return Result::success();
}

void Client::expire(const std::string& id) {
    std::lock_guard lock(sessionMutex_);
    if (session_ == id) session_.clear();
}

Result Client::exchange(const std::string& name, const std::string& params, Reply& reply, Repeat repeat) {
    const std::string what = "EMIS " + name;
    clinhub::kit::HttpRequest request;
    request.method = "POST";
    request.url = config_.endpoint;
    request.headers = {{"Content-Type", "text/xml; charset=utf-8"},
                       {"SOAPAction", std::string("\"") + kNamespace + "/" + name + "\""}};
    request.body = envelope(name, params);
    request.freshConnection = repeat == Repeat::once;
    clinhub::kit::HttpResponse response;
    if (Result r = http_.perform(request, response); !r.ok()) return Result{r.status, what + ": " + r.message};

    if (response.status != 200) {
        const std::string fault = faultString(response.body);
        // A 4xx is the server refusing the request as sent: it did nothing with it.
        reply.answered =
            response.status >= 400 && response.status < 500 && response.status != 408 && response.status != 429;
        reply.error = fault;
        return clinhub::kit::statusResult(response.status, what, fault.empty() ? "" : "'" + fault + "'");
    }
    if (Result r = clinhub::kit::parseXml(response.body, reply.doc, what + " reply"); !r.ok()) return r;
    const pugi::xml_node root = reply.doc.document_element();
    if (std::strcmp(localName(root.name()), "Envelope") != 0)
        return Result::permanent(what + " reply is not a SOAP envelope: its root element is <" +
                                 std::string(root.name()) + ">");
    const pugi::xml_node body = child(root, "Body");
    if (const pugi::xml_node fault = child(body, "Fault"))
        return Result::permanent(what + " reply is a SOAP fault: '" + scrub(childText(fault, "faultstring")) + "'");
    const std::string responseName = name + "Response";
    const pugi::xml_node answer = child(body, responseName.c_str());
    if (!answer) return Result::permanent(what + " reply has no <" + responseName + "> in its soap:Body");
    const std::string outcome = childText(answer, "Outcome");
    if (outcome.empty()) return Result::permanent(what + " reply has no Outcome");
    if (outcome.find_first_not_of("-0123456789") != std::string::npos)
        return Result::permanent(what + " reply has an Outcome that is not a number: '" + outcome.substr(0, 40) + "'");
    reply.answered = true;
    if (outcome == "1") {
        reply.body = answer;
        return Result::success();
    }
    // Scrubbed where it is read: it goes into messages, and EMIS's texts the connector acts on hold no numbers.
    reply.error = scrub(childText(answer, "ErrorMessage"), 200);
    if (reply.error.empty()) reply.error = "outcome " + outcome;
    return Result::permanent(what + " refused: " + reply.error);
}

} // namespace emisxml

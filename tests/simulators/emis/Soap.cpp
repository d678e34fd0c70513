#include "Soap.h"

#include <cstring>

namespace emissim {

namespace {

const char* localName(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon == nullptr ? name : colon + 1;
}

std::string prefixOf(const std::string& name) {
    const auto colon = name.find(':');
    return colon == std::string::npos ? "" : name.substr(0, colon);
}

std::string trim(std::string text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

const char* kProlog = R"(<?xml version="1.0" encoding="utf-8"?>)";

std::string envelope(const std::string& body) {
    return std::string(kProlog) + R"(<soap:Envelope xmlns:soap=")" + kSoapNs + R"("><soap:Body>)" + body +
           "</soap:Body></soap:Envelope>";
}

} // namespace

std::string namespaceOf(const pugi::xml_node& element) {
    const std::string prefix = prefixOf(element.name());
    const std::string attribute = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
    for (pugi::xml_node n = element; n && n.type() == pugi::node_element; n = n.parent())
        if (const auto a = n.attribute(attribute.c_str())) return a.value();
    return "";
}

pugi::xml_node childNamed(const pugi::xml_node& parent, const char* local) {
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling())
        if (n.type() == pugi::node_element && std::strcmp(localName(n.name()), local) == 0) return n;
    return {};
}

std::string param(const pugi::xml_node& call, const char* local) { return trim(childNamed(call, local).text().get()); }

void parseCall(const std::string& body, const std::string& soapAction, Call& call) {
    if (body.find("<!DOCTYPE") != std::string::npos || body.find("<!ENTITY") != std::string::npos)
        throw ClientFault("DTDs are not accepted");
    const auto parsed = call.doc.load_buffer(body.data(), body.size(), pugi::parse_default & ~pugi::parse_doctype);
    if (!parsed) throw ClientFault(std::string("request is not well-formed XML: ") + parsed.description());
    const pugi::xml_node envelopeNode = call.doc.document_element();
    if (std::strcmp(localName(envelopeNode.name()), "Envelope") != 0 || namespaceOf(envelopeNode) != kSoapNs)
        throw ClientFault("request is not a SOAP 1.1 Envelope");
    const pugi::xml_node bodyNode = childNamed(envelopeNode, "Body");
    if (!bodyNode || namespaceOf(bodyNode) != kSoapNs) throw ClientFault("the Envelope has no soap:Body");
    call.element = bodyNode.find_child([](const pugi::xml_node& n) { return n.type() == pugi::node_element; });
    if (!call.element) throw ClientFault("the soap:Body names no call");
    call.name = localName(call.element.name());
    if (namespaceOf(call.element) != kEmisNs)
        throw ClientFault("call " + call.name + " is not in the namespace " + kEmisNs);
    std::string action = soapAction;
    if (action.size() >= 2 && action.front() == '"' && action.back() == '"')
        action = action.substr(1, action.size() - 2);
    if (action != std::string(kEmisNs) + "/" + call.name)
        throw ClientFault("SOAPAction '" + action + "' does not name the call " + call.name);
}

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string element(const char* name, const std::string& text) {
    return std::string("<") + name + ">" + escape(text) + "</" + name + ">";
}

std::string success(const std::string& call, const std::string& payload) {
    return envelope("<" + call + R"(Response xmlns=")" + kEmisNs + R"("><Outcome>1</Outcome>)" + payload + "</" + call +
                    "Response>");
}

std::string refusal(const std::string& call, const std::string& message) {
    return envelope("<" + call + R"(Response xmlns=")" + kEmisNs + R"("><Outcome>0</Outcome>)" +
                    element("ErrorMessage", message) + "</" + call + "Response>");
}

std::string fault(const std::string& code, const std::string& message) {
    return envelope("<soap:Fault>" + element("faultcode", "soap:" + code) + element("faultstring", message) +
                    "</soap:Fault>");
}

} // namespace emissim

#include "ClientIntegration.h"

#include "Functions.h"

#include <pugixml.hpp>

#include <cctype>
#include <sstream>

namespace systmone {

namespace {

constexpr const char* kBusy = "Service unavailable: please try again later";

bool isGuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : std::isxdigit(static_cast<unsigned char>(s[i])) == 0) return false;
    }
    return true;
}

std::string text(const pugi::xml_node& n, const char* name) { return n.child(name).text().get(); }

std::string save(const pugi::xml_document& doc) {
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw);
    return out.str();
}

struct Reply {
    pugi::xml_document doc;
    pugi::xml_node root;
    explicit Reply(const std::string& uid) {
        auto decl = doc.append_child(pugi::node_declaration);
        decl.append_attribute("version") = "1.0";
        decl.append_attribute("encoding") = "utf-8";
        root = doc.append_child("ClientIntegrationResponse");
        root.append_child("ResponseUID").text().set(uid.c_str());
    }
};

std::string errorReply(const std::string& uid, const std::string& message) {
    Reply r(uid);
    r.root.append_child("ErrorMessage").text().set(message.c_str());
    return save(r.doc);
}

// Cut off mid-element: what a reply looks like when the unit falls over while writing it.
std::string malformed(const std::string& uid) {
    return "<?xml version=\"1.0\"?><ClientIntegrationResponse><ResponseUID>" + uid +
           "</ResponseUID><Response><Clinic><UserName>Nurse Exa";
}

} // namespace

ClientIntegration::ClientIntegration(Book& book, Access access, clinhub::sim::Faults& faults)
    : book_(book), access_(std::move(access)), faults_(faults) {}

void ClientIntegration::addCanned(const std::string& body, int count) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i)
        canned_.push_back(body);
}

void ClientIntegration::clearCanned() {
    std::lock_guard lock(mutex_);
    canned_.clear();
}

Poco::JSON::Object ClientIntegration::requestsJson() const {
    std::lock_guard lock(mutex_);
    Poco::JSON::Object out;
    Poco::JSON::Object perFunction;
    int total = 0;
    for (const auto& [name, count] : functions_) {
        perFunction.set(name, count);
        total += count;
    }
    out.set("total", total);
    out.set("functions", perFunction);
    out.set("distinct_uids", static_cast<int>(uids_.size()));
    out.set("repeated_uids", repeatedUids_);
    return out;
}

Answer ClientIntegration::serve(const std::string& request, bool overTcp) {
    {
        std::lock_guard lock(mutex_);
        if (!canned_.empty()) {
            std::string body = canned_.front();
            canned_.pop_front();
            pugi::xml_document doc;
            doc.load_string(request.c_str());
            const std::string uid = text(doc.child("ClientIntegrationRequest"), "RequestUID");
            for (auto at = body.find("{uid}"); at != std::string::npos; at = body.find("{uid}", at + uid.size()))
                body.replace(at, 5, uid);
            return {Answer::Kind::reply, body};
        }
    }
    return process(request, overTcp);
}

Answer ClientIntegration::process(const std::string& request, bool overTcp) {
    pugi::xml_document doc;
    if (!doc.load_string(request.c_str()))
        return {Answer::Kind::reply, errorReply("", "Request is not well-formed XML")};
    const auto req = doc.child("ClientIntegrationRequest");
    if (!req) return {Answer::Kind::reply, errorReply("", "Request must be a ClientIntegrationRequest")};
    const std::string uid = text(req, "RequestUID");
    const std::string function = text(req, "Function");
    if (!isGuid(uid)) return {Answer::Kind::reply, errorReply(uid, "RequestUID must be a GUID")};
    {
        std::lock_guard lock(mutex_);
        ++functions_[function];
        if (!uids_.insert(uid).second) {
            ++repeatedUids_;
            return {Answer::Kind::reply, errorReply(uid, "Duplicate RequestUID")};
        }
    }

    if (faults_.error()) {
        if (overTcp) return {Answer::Kind::reply, errorReply(uid, kBusy)};
        return {Answer::Kind::serverError, "Internal Server Error\n"};
    }
    if (faults_.malformed()) return {Answer::Kind::reply, malformed(uid)};

    if (text(req, "APIKey") != access_.apiKey) return {Answer::Kind::reply, errorReply(uid, "Invalid API key")};
    if (!access_.devices.contains(text(req, "DeviceID")))
        return {Answer::Kind::reply, errorReply(uid, "Unknown DeviceID")};
    if (text(req, "DeviceVersion").empty()) return {Answer::Kind::reply, errorReply(uid, "DeviceVersion is required")};
    const auto found = functions().find(function);
    if (found == functions().end())
        return {Answer::Kind::reply, errorReply(uid, "Unknown Function '" + function + "'")};
    if (text(req, "FunctionVersion") != "1.0")
        return {Answer::Kind::reply, errorReply(uid, "Unsupported FunctionVersion for " + function)};
    const auto params = req.child("FunctionParameters");
    if (!params) return {Answer::Kind::reply, errorReply(uid, "FunctionParameters is required")};

    Reply reply(uid);
    auto response = reply.root.append_child("Response");
    Call call{book_, faults_, params, response};
    const std::string error = found->second(call);
    if (changesRecord(function) && faults_.afterCommit()) return {Answer::Kind::drop, {}};
    if (!error.empty()) return {Answer::Kind::reply, errorReply(uid, error)};
    return {Answer::Kind::reply, save(reply.doc)};
}

} // namespace systmone

#include "Protocol.h"

#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include <sstream>

namespace emissim {

namespace {

using clinhub::sim::DropConnection;
using clinhub::sim::send;
using clinhub::sim::sendOversized;

constexpr const char* kEndpoint = "/emis/partnerapi";
constexpr const char* kXml = "text/xml; charset=utf-8";

// A reply cut off in the middle of an element, as a proxy that gave up half way might leave it.
std::string truncated(const std::string& call) {
    const std::string whole = success(call, "<AppointmentSessionList><AppointmentSession><DBID>1001</DBID>"
                                            "<Name>Flu clinic</Name></AppointmentSession></AppointmentSessionList>");
    return whole.substr(0, whole.size() * 2 / 3);
}

std::string json(const Poco::JSON::Array& a) {
    std::ostringstream out;
    a.stringify(out);
    return out.str();
}

std::map<std::string, std::string> query(const Poco::Net::HTTPServerRequest& request) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : Poco::URI(request.getURI()).getQueryParameters())
        out[k] = v;
    return out;
}

} // namespace

Protocol::Protocol(Diary& diary, clinhub::sim::Faults& faults, std::chrono::seconds sessionTtl, unsigned seed)
    : diary_(diary), faults_(faults), sessionTtl_(sessionTtl), random_(seed) {}

void Protocol::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string body = clinhub::sim::readBody(request);
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    if (path != kEndpoint) return send(response, 404, kXml, fault("Client", "no service at " + path));
    if (request.getMethod() != "POST") return send(response, 405, kXml, fault("Client", "POST a SOAP envelope"));
    const std::string type = request.getContentType();
    if (type.rfind("text/xml", 0) != 0 && type.rfind("application/soap+xml", 0) != 0)
        return send(response, 415, kXml, fault("Client", "Content-Type must be text/xml"));

    Call call;
    try {
        parseCall(body, request.get("SOAPAction", ""), call);
    } catch (const ClientFault& e) {
        return send(response, 400, kXml, fault("Client", e.what()));
    }

    std::optional<Canned> canned;
    {
        std::lock_guard lock(mutex_);
        ++calls_[call.name];
        if (auto it = canned_.find(call.name); it != canned_.end() && it->second.times > 0) {
            canned = it->second;
            if (--it->second.times == 0) canned_.erase(it);
        }
    }
    if (canned) return send(response, canned->status, kXml, canned->body);
    if (faults_.error()) return send(response, 500, kXml, fault("Server", "Internal error (simulated)"));
    if (faults_.malformed()) return send(response, 200, kXml, truncated(call.name));
    if (const int mb = faults_.oversizeMb(); mb > 0) return sendOversized(response, kXml, truncated(call.name), mb);

    bool wrote = false;
    std::string reply;
    try {
        reply = execute(call, wrote);
    } catch (const Refusal& e) {
        reply = refusal(call.name, e.what());
    }
    if (wrote && faults_.afterCommit()) {
        // The work is done; the client learns nothing, half the time by a dropped connection and half by a
        // server error.
        bool drop = false;
        {
            std::lock_guard lock(mutex_);
            drop = ++afterCommits_ % 2 == 1;
        }
        if (drop) throw DropConnection{};
        return send(response, 500, kXml, fault("Server", "Internal error after commit (simulated)"));
    }
    send(response, 200, kXml, reply);
}

void Protocol::requireSession(const pugi::xml_node& call) {
    const std::string id = param(call, "SessionId");
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    const auto now = std::chrono::steady_clock::now();
    if (it == sessions_.end() || now - it->second > sessionTtl_) {
        if (it != sessions_.end()) sessions_.erase(it);
        throw Refusal("Session expired");
    }
    it->second = now;
}

std::string Protocol::execute(const Call& call, bool& wrote) {
    const std::string& name = call.name;
    if (name == "Logon") return logon(call.element);
    requireSession(call.element);
    std::lock_guard lock(diary_.mutex());
    if (name == "GetAppointmentSessions") return appointmentSessions(call.element);
    if (name == "GetSlotsForSession") return slotsForSession(call.element);
    if (name == "GetMatchedPatient") return matchedPatient(call.element);
    if (name == "GetPatientAppointments") return patientAppointments(call.element);
    wrote = true;
    if (name == "BookAppointment") return bookAppointment(call.element);
    if (name == "CancelAppointment") return cancelAppointment(call.element);
    if (name == "FileRecord") return fileRecord(call.element);
    wrote = false;
    throw Refusal("Unknown method " + name);
}

void Protocol::inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const std::string& method = request.getMethod();
    const auto q = query(request);
    const std::string body = clinhub::sim::readBody(request);
    if (method == "GET" && path == "/_sim/appointments") {
        std::lock_guard lock(diary_.mutex());
        return send(response, 200, "application/json", json(diary_.appointmentsJson()));
    }
    if (method == "GET" && path == "/_sim/records") {
        std::lock_guard lock(diary_.mutex());
        return send(response, 200, "application/json", json(diary_.recordsJson()));
    }
    if (method == "GET" && path == "/_sim/calls") {
        Poco::JSON::Object o;
        std::lock_guard lock(mutex_);
        for (const auto& [name, n] : calls_)
            o.set(name, n);
        std::ostringstream out;
        o.stringify(out);
        return send(response, 200, "application/json", out.str());
    }
    if (method == "POST" && path == "/_sim/expire-sessions") {
        std::lock_guard lock(mutex_);
        sessions_.clear();
        return send(response, 200, "application/json", "{}");
    }
    if (method == "POST" && path == "/_sim/steal" && q.count("slot")) {
        try {
            std::lock_guard lock(diary_.mutex());
            const bool taken = diary_.steal(std::stol(q.at("slot")));
            return send(response, taken ? 200 : 409, "application/json", taken ? "{}" : R"({"error":"not free"})");
        } catch (const std::exception&) {
            return send(response, 404, "application/json", R"({"error":"no such slot"})");
        }
    }
    if (method == "POST" && path == "/_sim/canned" && q.count("call")) {
        Canned c{200, 1, body};
        try {
            if (q.count("status")) c.status = std::stoi(q.at("status"));
            if (q.count("times")) c.times = std::stoi(q.at("times"));
        } catch (const std::exception&) {
            return send(response, 400, "text/plain", "status and times must be numbers\n");
        }
        std::lock_guard lock(mutex_);
        canned_[q.at("call")] = c;
        return send(response, 200, "application/json", "{}");
    }
    send(response, 404, "text/plain", "no such control path\n");
}

} // namespace emissim

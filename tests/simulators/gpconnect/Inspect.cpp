// The simulator's own /_sim/ endpoints, for tests to see and steer what the book holds:
//   GET    /_sim/appointments   every appointment, including cancelled and stolen ones
//   GET    /_sim/records        coded entries written (POST /Observation)
//   GET    /_sim/slots          every slot with its state
//   GET    /_sim/log            protocol requests so far: method, path, interaction, status (0 = dropped)
//                               and the fault injected into each (connections dropped before routing,
//                               by the common --drop-rate, never reach the log)
//   DELETE /_sim/log            forget them
//   POST   /_sim/steal?slot=ID  someone at the practice desk books the slot (409 if it is not free)
//   POST   /_sim/next           {"status", "content_type", "body", "method"?}: answer the next protocol
//                               request (of that method) with exactly this, before any check
#include "Provider.h"

#include "SimServer.h"

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

namespace gpcsim {

namespace {

using Poco::JSON::Array;

void sendJson(Poco::Net::HTTPServerResponse& response, int status, const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    clinhub::sim::send(response, status, "application/json", out.str());
}

std::string extensionValue(const Object::Ptr& resource, const std::string& url, const std::string& key) {
    const auto list = resource->getArray("extension");
    for (size_t i = 0; list && i < list->size(); ++i)
        if (stringAt(list->getObject(i), "url") == url) return stringAt(list->getObject(i), key);
    return {};
}

} // namespace

void Provider::inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    const std::string path = uri.getPath();
    const std::string& method = request.getMethod();
    const std::string body = clinhub::sim::readBody(request);
    std::lock_guard lock(mutex_);

    if (path == "/_sim/appointments" && method == "GET") {
        Array::Ptr out = new Array;
        for (const auto& id : book_.appointmentOrder) {
            const auto& a = book_.appointments.at(id);
            Object::Ptr o = new Object;
            o->set("id", a.id);
            o->set("version", a.version);
            o->set("status", a.status);
            o->set("patient_id", a.patientId);
            const auto patient = book_.patients.find(a.patientId);
            o->set("nhs_number", patient == book_.patients.end() ? "" : patient->second.nhsNumber);
            o->set("stolen", a.stolen);
            o->set("slot_id", a.slotId);
            o->set("start", book_.slots.at(a.slotId).start);
            o->set("description", stringAt(a.resource, "description"));
            o->set("comment", stringAt(a.resource, "comment"));
            o->set("cancellation_reason", extensionValue(a.resource,
                                                         "https://fhir.nhs.uk/STU3/StructureDefinition/"
                                                         "Extension-GPConnect-AppointmentCancellationReason-1",
                                                         "valueString"));
            out->add(o);
        }
        return sendJson(response, 200, out);
    }
    if (path == "/_sim/records" && method == "GET") {
        Array::Ptr out = new Array;
        for (const auto& r : book_.observations) {
            Object::Ptr o = new Object;
            o->set("id", r.id);
            o->set("nhs_number", book_.patients.at(r.patientId).nhsNumber);
            o->set("code", r.code);
            o->set("term", r.term);
            o->set("identifier", r.identifier);
            out->add(o);
        }
        return sendJson(response, 200, out);
    }
    if (path == "/_sim/slots" && method == "GET") {
        Array::Ptr out = new Array;
        for (const auto& id : book_.slotOrder) {
            const auto& s = book_.slots.at(id);
            Object::Ptr o = new Object;
            o->set("id", s.id);
            o->set("start", s.start);
            o->set("end", s.end);
            o->set("busy", s.busy);
            o->set("service_type", book_.schedules.at(s.scheduleId).serviceType);
            out->add(o);
        }
        return sendJson(response, 200, out);
    }
    if (path == "/_sim/log") {
        if (method == "DELETE") log_.clear();
        Array::Ptr out = new Array;
        for (const auto& e : log_) {
            Object::Ptr o = new Object;
            o->set("method", e.method);
            o->set("path", e.path);
            o->set("interaction", e.interaction);
            o->set("status", e.status);
            o->set("fault", e.fault);
            out->add(o);
        }
        return sendJson(response, 200, out);
    }
    if (path == "/_sim/steal" && method == "POST") {
        std::string slot;
        for (const auto& [k, v] : uri.getQueryParameters())
            if (k == "slot") slot = v;
        const bool taken = book_.steal(slot);
        Object::Ptr o = new Object;
        o->set("stolen", taken);
        return sendJson(response, taken ? 200 : 409, o);
    }
    if (path == "/_sim/next" && method == "POST") {
        const auto o = parseObject(body);
        if (o.isNull()) return clinhub::sim::send(response, 400, "text/plain", "a JSON object is required\n");
        canned_.push_back({o->optValue<int>("status", 200),
                           o->optValue<std::string>("content_type", "application/fhir+json"),
                           o->optValue<std::string>("body", ""), o->optValue<std::string>("method", "")});
        return sendJson(response, 200, o);
    }
    clinhub::sim::send(response, 404, "text/plain", "no such /_sim/ path\n");
}

} // namespace gpcsim

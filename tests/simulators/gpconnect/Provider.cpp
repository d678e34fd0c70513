#include "Provider.h"

#include "SimServer.h"
#include "Spine.h"

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include <iostream>

namespace gpcsim {

namespace {

using Poco::JSON::Array;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr const char* kBase = "urn:nhs:names:services:gpconnect:fhir:rest:";

std::string interaction(const std::string& name) { return kBase + name; }

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    size_t from = 0;
    while (from < path.size()) {
        const size_t at = path.find('/', from);
        const std::string part = path.substr(from, at == std::string::npos ? std::string::npos : at - from);
        if (!part.empty()) out.push_back(part);
        if (at == std::string::npos) break;
        from = at + 1;
    }
    return out;
}

Object::Ptr meta(const std::string& profile, const std::string& version = "1") {
    Object::Ptr m = new Object;
    m->set("versionId", version);
    Array::Ptr profiles = new Array;
    profiles->add(profile);
    m->set("profile", profiles);
    return m;
}

Object::Ptr reference(const std::string& ref) {
    Object::Ptr r = new Object;
    r->set("reference", ref);
    return r;
}

Array::Ptr strings(const std::string& one) {
    Array::Ptr a = new Array;
    if (!one.empty()) a->add(one);
    return a;
}

} // namespace

std::vector<std::string> Call::values(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : params)
        if (k == name) out.push_back(v);
    return out;
}

Provider::Provider(Book book, clinhub::sim::Faults& faults) : book_(std::move(book)), faults_(faults) {}

void Provider::handle(HTTPServerRequest& request, HTTPServerResponse& response) {
    Call c;
    c.method = request.getMethod();
    std::string target = request.getURI();
    // Through the Spine Security Proxy the provider's own URL follows the proxy's: /https://provider/fhir/...
    if (target.rfind("/http://", 0) == 0 || target.rfind("/https://", 0) == 0) {
        const size_t authority = target.find("://") + 3;
        const size_t path = target.find('/', authority);
        c.audience = target.substr(1, (path == std::string::npos ? target.size() : path) - 1);
        target = path == std::string::npos ? "/" : target.substr(path);
    } else {
        c.audience = "http://" + request.getHost();
    }
    LogEntry entry{c.method, target, request.get("Ssp-InteractionID", ""), 0};
    try {
        const Poco::URI uri(target);
        c.segments = split(uri.getPath());
        c.params = uri.getQueryParameters();
        c.body = clinhub::sim::readBody(request);
        std::lock_guard lock(mutex_);
        try {
            dispatch(c, request, response);
        } catch (const clinhub::sim::DropConnection&) {
            entry.status = 0;
            entry.fault = c.fault;
            log_.push_back(entry);
            throw;
        }
        entry.status = c.status;
        entry.fault = c.fault;
        log_.push_back(entry);
    } catch (const Poco::SyntaxException& e) {
        fail(c, response, {400, "BAD_REQUEST", "malformed request: " + e.displayText()});
    } catch (const clinhub::sim::DropConnection&) {
        throw;
    } catch (const std::exception& e) {
        // A simulator bug must not pass for a simulated fault: say so loudly.
        std::cerr << "gpconnect_sim: " << c.method << " " << target << ": " << e.what() << '\n';
        if (!response.sent())
            fail(c, response, {500, "INTERNAL_SERVER_ERROR", std::string("simulator bug: ") + e.what()});
    }
}

void Provider::dispatch(Call& c, HTTPServerRequest& request, HTTPServerResponse& response) {
    for (auto it = canned_.begin(); it != canned_.end(); ++it) {
        if (!it->method.empty() && it->method != c.method) continue;
        const Canned next = *it;
        canned_.erase(it);
        c.status = next.status;
        return clinhub::sim::send(response, next.status, next.contentType, next.body);
    }
    const auto& s = c.segments;
    Expected expected{{}, {}, c.audience};
    enum class Route { none, slots, patients, patientAppointments, createAppointment, appointment, observation };
    Route route = Route::none;
    if (s.size() == 1 && s[0] == "Slot" && c.method == "GET") {
        route = Route::slots;
        expected.interactions = {interaction("search:slot-1")};
        expected.scope = "organization/*.read";
    } else if (s.size() == 1 && s[0] == "Patient" && c.method == "GET") {
        route = Route::patients;
        expected.interactions = {interaction("search:patient-1")};
        expected.scope = "patient/*.read";
    } else if (s.size() == 3 && s[0] == "Patient" && s[2] == "Appointment" && c.method == "GET") {
        route = Route::patientAppointments;
        expected.interactions = {interaction("search:patient_appointments-1")};
        expected.scope = "patient/*.read";
    } else if (s.size() == 1 && s[0] == "Appointment" && c.method == "POST") {
        route = Route::createAppointment;
        expected.interactions = {interaction("create:appointment-1")};
        expected.scope = "patient/*.write";
    } else if (s.size() == 2 && s[0] == "Appointment" && c.method == "GET") {
        route = Route::appointment;
        expected.interactions = {interaction("read:appointment-1")};
        expected.scope = "patient/*.read";
    } else if (s.size() == 2 && s[0] == "Appointment" && c.method == "PUT") {
        route = Route::appointment;
        expected.interactions = {interaction("cancel:appointment-1"), interaction("update:appointment-1")};
        expected.scope = "patient/*.write";
    } else if (s.size() == 1 && s[0] == "Observation" && c.method == "POST") {
        route = Route::observation;
        expected.interactions = {book_.codedEntryInteraction};
        expected.scope = "patient/*.write";
    }
    if (route == Route::none)
        return fail(c, response, {400, "BAD_REQUEST", "no " + c.method + " interaction at this path"});
    if (const auto error = checkSpine(request, book_, expected)) {
        if (error->status == 401) response.set("WWW-Authenticate", "Bearer");
        return fail(c, response, *error);
    }
    if (faults_.error()) {
        c.fault = "error";
        return fail(c, response, {500, "INTERNAL_SERVER_ERROR", "simulated server error"});
    }
    switch (route) {
    case Route::slots: return searchSlots(c, response);
    case Route::patients: return searchPatients(c, response);
    case Route::patientAppointments: return patientAppointments(c, s[1], response);
    case Route::createAppointment: return createAppointment(c, response);
    case Route::appointment:
        if (c.method == "GET") return readAppointment(c, s[1], response);
        return updateAppointment(c, s[1], request.get("Ssp-InteractionID"), request.get("If-Match", ""), response);
    case Route::observation: return createObservation(c, request.get("If-None-Exist", ""), response);
    case Route::none: break;
    }
}

void Provider::reply(Call& c, HTTPServerResponse& response, int status, const std::string& body, bool committed) {
    if (committed) afterCommit(c, response);
    if (c.status != 0) return; // afterCommit answered already
    c.status = status;
    if (faults_.malformed()) {
        c.fault = "malformed";
        return sendFhir(response, status, body.substr(0, body.size() / 2));
    }
    sendFhir(response, status, body);
}

void Provider::fail(Call& c, HTTPServerResponse& response, const FhirError& error) {
    c.status = error.status;
    sendFhir(response, error.status, operationOutcome(error));
}

void Provider::afterCommit(Call& c, HTTPServerResponse& response) {
    if (!faults_.afterCommit()) return;
    if (afterCommits_++ % 2 == 0) {
        c.fault = "after-commit drop";
        throw clinhub::sim::DropConnection{};
    }
    c.fault = "after-commit error";
    fail(c, response, {500, "INTERNAL_SERVER_ERROR", "simulated failure after the change was saved"});
}

Object::Ptr Provider::slotResource(const SlotRecord& slot) const {
    const auto& schedule = book_.schedules.at(slot.scheduleId);
    Object::Ptr o = new Object;
    o->set("resourceType", "Slot");
    o->set("id", slot.id);
    o->set("meta", meta("https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Slot-1"));
    Object::Ptr channel = new Object;
    channel->set("url", "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2");
    channel->set("valueCode", schedule.deliveryChannel);
    Array::Ptr extensions = new Array;
    extensions->add(channel);
    o->set("extension", extensions);
    Object::Ptr type = new Object;
    type->set("text", schedule.serviceType);
    Array::Ptr types = new Array;
    types->add(type);
    o->set("serviceType", types);
    o->set("schedule", reference("Schedule/" + schedule.id));
    o->set("status", slot.busy ? "busy" : "free");
    o->set("start", instant(slot.start, book_.offsetMinutes));
    o->set("end", instant(slot.end, book_.offsetMinutes));
    return o;
}

Object::Ptr Provider::patientResource(const PatientRecord& p) const {
    Object::Ptr o = new Object;
    o->set("resourceType", "Patient");
    o->set("id", p.id);
    o->set("meta", meta("https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1"));
    Object::Ptr nhs = new Object;
    nhs->set("system", "https://fhir.nhs.uk/Id/nhs-number");
    nhs->set("value", p.nhsNumber);
    Array::Ptr ids = new Array;
    ids->add(nhs);
    o->set("identifier", ids);
    Object::Ptr name = new Object;
    name->set("use", "official");
    name->set("family", p.family);
    name->set("given", strings(p.given));
    name->set("prefix", strings(p.prefix));
    Array::Ptr names = new Array;
    names->add(name);
    o->set("name", names);
    o->set("birthDate", p.birthDate);
    Array::Ptr telecom = new Array;
    if (!p.mobile.empty()) {
        Object::Ptr mobile = new Object;
        mobile->set("system", "phone");
        mobile->set("value", p.mobile);
        mobile->set("use", "mobile");
        telecom->add(mobile);
    }
    o->set("telecom", telecom);
    return o;
}

Object::Ptr Provider::bundle(const std::vector<Object::Ptr>& resources, const std::string& base) const {
    Object::Ptr b = new Object;
    b->set("resourceType", "Bundle");
    b->set("type", "searchset");
    Array::Ptr entries = new Array;
    for (const auto& r : resources) {
        Object::Ptr e = new Object;
        e->set("fullUrl", base + "/" + stringAt(r, "resourceType") + "/" + stringAt(r, "id"));
        e->set("resource", r);
        entries->add(e);
    }
    b->set("total", static_cast<int>(resources.size()));
    if (!resources.empty()) b->set("entry", entries);
    return b;
}

} // namespace gpcsim

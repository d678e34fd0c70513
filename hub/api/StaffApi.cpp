#include "hub/api/StaffApi.h"

#include "hub/api/ApiSupport.h"
#include "hub/api/BatchApi.h"
#include "hub/api/OperatorApi.h"
#include "hub/api/UsersApi.h"
#include "hub/api/VaccinationApi.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>

namespace clinhub::api {
namespace {

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflows::FieldError;

constexpr int kDefaultSlotTypeDays = 42;
// Bounds what one slot-types call can ask of the appointment book.
constexpr int kMaxSlotTypeDays = 366;
constexpr auto kZone = kit::Zone::europeLondon;

constexpr const char* kNoLink = "no such link";

const std::string& kOrganisation = kOrganisationRoute;
const std::string kLinks = kOrganisation + "/links";
const std::string kLink = kLinks + "/{id}";
const std::string kMessages = kOrganisation + "/messages";
const std::string kMessageStates[] = {"queued", "sending", "sent", "failed"};
constexpr int kMaxMessages = 500;
constexpr int kMaxAuditEntries = 1000;

// ---- JSON shapes ------------------------------------------------------------------------------------------

Object::Ptr appointmentJson(const workflows::AppointmentRecord& record) {
    auto out = object();
    out->set("id", record.appointmentId);
    out->set("state", std::string(links::toString(record.state)));
    out->set("at", isoUtc(record.at));
    out->set("slot_id", record.slot.id);
    out->set("slot_type", record.slot.slotType);
    out->set("start", isoUtc(record.slot.start * 1'000'000));
    out->set("duration_minutes", record.slot.durationMinutes);
    out->set("clinician", record.slot.clinician);
    out->set("location", record.slot.location);
    out->set("telephone", record.slot.telephone);
    if (record.callFrom != 0) {
        auto window = object();
        window->set("from", isoUtc(record.callFrom * 1'000'000));
        window->set("to", isoUtc(record.callTo * 1'000'000));
        out->set("call_window", window);
    }
    return out;
}

Object::Ptr linkJson(const workflows::Link& link) {
    auto out = object();
    out->set("id", link.id);
    out->set("rule", link.rule);
    out->set("status", std::string(links::toString(link.state)));
    out->set("created_at", isoUtc(link.createdAt));
    out->set("expires_at", isoUtc(link.expiresAt));
    // No date of birth: it is what the patient proves who they are with, so it stays out of API replies.
    auto patient = object();
    patient->set("nhs_number", link.patient.nhsNumber);
    patient->set("mobile", link.patient.mobile);
    patient->set("name", link.patient.name);
    out->set("patient", patient);
    out->set("failed_dob_attempts", link.failedDobAttempts);
    Array::Ptr events = new Array;
    for (const auto& e : link.events) {
        auto event = object();
        event->set("at", isoUtc(e.at));
        event->set("event", e.event);
        event->set("detail", e.detail);
        events->add(event);
    }
    out->set("events", events);
    const auto* current = link.currentAppointment();
    out->set("appointment", current ? Poco::Dynamic::Var(appointmentJson(*current)) : Poco::Dynamic::Var());
    Array::Ptr history = new Array;
    for (const auto& a : link.appointments)
        history->add(appointmentJson(a));
    out->set("appointment_history", history);
    return out;
}

// A message as staff see it: where it stands and why, never its body (it may carry a link token).
Object::Ptr messageJson(const outbox::Message& m) {
    auto out = object();
    out->set("reference", m.reference);
    out->set("channel", outbox::toString(m.channel));
    out->set("state", m.state);
    out->set("attempts", m.attempts);
    out->set("connector", m.connector);
    out->set("provider_id", m.providerId);
    out->set("last_error", m.lastError);
    out->set("delivery", m.delivery.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(m.delivery));
    out->set("delivery_detail", m.deliveryDetail);
    out->set("created_at", isoUtc(m.createdAt));
    out->set("updated_at", isoUtc(m.updatedAt));
    return out;
}

// ---- Request pieces ---------------------------------------------------------------------------------------

std::chrono::sys_days today() { return kit::localDate(static_cast<int64_t>(std::time(nullptr)), kZone); }

// An optional YYYY-MM-DD query parameter.
std::optional<std::chrono::sys_days> dateQuery(const Request& request, const std::string& name,
                                               std::chrono::sys_days otherwise, std::vector<FieldError>& errors) {
    const auto text = request.query(name);
    if (!text) return otherwise;
    const auto date = kit::parseDate(*text);
    if (!date) {
        errors.push_back({name, name + " must be a date, YYYY-MM-DD"});
        return std::nullopt;
    }
    return std::chrono::sys_days(*date);
}

std::string dateText(std::chrono::sys_days day) { return kit::isoDate(day); }

// ---- Handlers ---------------------------------------------------------------------------------------------

class StaffApi {
public:
    StaffApi(workflows::SelfBook& selfBook, outbox::Outbox& outbox, audit::AuditLog& audit)
        : selfBook_(selfBook), outbox_(outbox), audit_(audit) {}

    // The organisation's audit trail, oldest first: by who acted, whose record, and the days from and to
    // (UK dates, both included).
    void auditTrail(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        audit::Filter filter{request.param("ods")};
        filter.actorId = request.query("user");
        if (const auto nhs = request.query("nhs_number")) {
            const auto checked = kit::checkNhsNumber(*nhs);
            if (!checked.ok()) errors.push_back({"nhs_number", checked.problem});
            filter.nhsNumber = checked.value;
        }
        const auto from = dateQuery(request, "from", std::chrono::sys_days{}, errors);
        const auto to = dateQuery(request, "to", std::chrono::sys_days{}, errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        if (request.query("from")) filter.from = kit::ukMidnight(dateText(*from)) * 1'000'000;
        if (request.query("to")) filter.to = kit::ukMidnight(dateText(*to + std::chrono::days(1))) * 1'000'000;
        filter.limit = kMaxAuditEntries;
        Array::Ptr list = new Array;
        for (const auto& e : audit_.find(filter)) {
            auto entry = object();
            entry->set("at", isoUtc(e.at));
            auto actor = object();
            actor->set("kind", e.actor.kind);
            actor->set("id", e.actor.id);
            actor->set("name", e.actor.name);
            actor->set("address", e.actor.address);
            entry->set("actor", actor);
            entry->set("action", e.action);
            entry->set("resource", e.resource);
            entry->set("nhs_number", e.nhsNumber);
            entry->set("outcome", std::string(audit::toString(e.outcome)));
            entry->set("detail", e.detail);
            list->add(entry);
        }
        auto body = object();
        body->set("entries", list);
        response.json(body);
    }

    void slotTypes(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const auto from = dateQuery(request, "from", today(), errors);
        const auto to =
            dateQuery(request, "to", (from ? *from : today()) + std::chrono::days(kDefaultSlotTypeDays), errors);
        if (from && to && *to < *from) errors.push_back({"to", "to must not be before from"});
        if (from && to && *to - *from > std::chrono::days(kMaxSlotTypeDays))
            errors.push_back({"to", "at most " + std::to_string(kMaxSlotTypeDays) + " days at a time"});
        if (!errors.empty()) return unprocessable(request, response, errors);

        // Whole days at the practice, `to` included.
        const TimeRange range{kit::toEpoch(*from, 0, kZone), kit::toEpoch(*to + std::chrono::days(1), 0, kZone)};
        std::vector<std::string> types;
        try {
            types = selfBook_.slotTypes(request.param("ods"), range);
        } catch (const workflows::NotFound&) {
            throw;
        } catch (const std::runtime_error&) {
            throw http::Error(502, "the appointment book did not answer; try again shortly");
        }
        auto body = object();
        body->set("from", dateText(*from));
        body->set("to", dateText(*to));
        Array::Ptr list = new Array;
        for (const auto& t : types)
            list->add(t);
        body->set("slot_types", list);
        response.json(body);
    }

    void createLink(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto rule = stringField(body, "rule", "rule", errors);
        Object::Ptr patient;
        if (body->has("patient") && !body->isNull("patient")) {
            patient = body->getObject("patient");
            if (!patient) errors.push_back({"patient", "patient must be an object"});
        }
        workflows::PatientDetails details{stringField(patient, "nhs_number", "patient.nhs_number", errors),
                                          stringField(patient, "date_of_birth", "patient.date_of_birth", errors),
                                          stringField(patient, "mobile", "patient.mobile", errors),
                                          stringField(patient, "name", "patient.name", errors)};
        const auto message = stringField(body, "message", "message", errors);
        const bool anyHour = boolField(body, "send_in_quiet_hours", errors).value_or(false);
        if (!errors.empty()) return unprocessable(request, response, errors);

        created(request, response, selfBook_.createLink(request.param("ods"), rule, details, by, message, anyHour));
    }

    // A new link for the patient of {id}, which expires if it could still be used.
    void resendLink(const audit::Context& by, Request& request, Response& response) {
        created(request, response, selfBook_.resend(request.param("ods"), request.param("id"), by));
    }

    static void created(Request& request, Response& response, const workflows::CreatedLink& created) {
        const auto& ods = request.param("ods");
        auto out = object();
        out->set("id", created.link.id);
        out->set("url", created.url);
        out->set("status", std::string(links::toString(created.link.state)));
        out->set("expires_at", isoUtc(created.link.expiresAt));
        out->set("sms_fragments", created.smsFragments);
        response.json(out, 201);
        response.header("Location", resourcePath(ods, "links", created.link.id));
    }

    // One patient's links (?nhs_number=), or the organisation's a page at a time, newest first, by state,
    // rule and the UK days they were sent (from and to, both included).
    void history(const audit::Context& by, Request& request, Response& response) {
        const auto nhsNumber = request.query("nhs_number");
        if (!nhsNumber) return list(request, response);
        if (nhsNumber->empty()) return unprocessable(request, response, {{"nhs_number", "nhs_number is empty"}});
        Array::Ptr links = new Array;
        for (const auto& link : selfBook_.history(request.param("ods"), *nhsNumber, by))
            links->add(linkJson(link));
        auto body = object();
        body->set("links", links);
        response.json(body);
    }

    void list(Request& request, Response& response) {
        std::vector<FieldError> errors;
        links::LinkFilter filter{request.param("ods")};
        if (const auto state = request.query("state")) {
            filter.state = links::linkStateFrom(*state);
            if (!filter.state) errors.push_back({"state", "state must be a link's status, e.g. sent or booked"});
        }
        filter.rule = request.query("rule").value_or("");
        const auto from = dateQuery(request, "from", std::chrono::sys_days{}, errors);
        const auto to = dateQuery(request, "to", std::chrono::sys_days{}, errors);
        filter.before = request.query("before").value_or("");
        if (const auto text = request.query("limit")) {
            filter.limit = 0;
            if (text->size() < 4 && !text->empty() && text->find_first_not_of("0123456789") == std::string::npos)
                filter.limit = std::stoi(*text);
            if (filter.limit < 1 || filter.limit > kMaxMessages)
                errors.push_back({"limit", "limit must be a number from 1 to " + std::to_string(kMaxMessages)});
        }
        if (!errors.empty()) return unprocessable(request, response, errors);
        if (request.query("from")) filter.from = kit::ukMidnight(dateText(*from)) * 1'000'000;
        if (request.query("to")) filter.to = kit::ukMidnight(dateText(*to + std::chrono::days(1))) * 1'000'000;
        const auto page = selfBook_.list(filter);
        Array::Ptr links = new Array;
        for (const auto& link : page.links) {
            auto out = object();
            out->set("id", link.id);
            out->set("rule", link.rule);
            out->set("status", std::string(links::toString(link.state)));
            out->set("created_at", isoUtc(link.createdAt));
            out->set("expires_at", isoUtc(link.expiresAt));
            auto patient = object();
            patient->set("nhs_number", link.nhsNumber);
            out->set("patient", patient);
            links->add(out);
        }
        auto body = object();
        body->set("links", links);
        body->set("next_before", page.next.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(page.next));
        response.json(body);
    }

    void getLink(const audit::Context& /*by*/, Request& request, Response& response) {
        response.json(linkJson(found(request)));
    }

    void expireLink(const audit::Context& by, Request& request, Response& response) {
        const auto& ods = request.param("ods");
        const auto& id = request.param("id");
        if (!selfBook_.expire(ods, id, by)) return conflict(response, found(request), "expired");
        response.json(linkJson(found(request)));
    }

    // The appointment the link holds, cancelled in the book (the patient phoned); 502 when the book refuses.
    void cancelAppointment(const audit::Context& by, Request& request, Response& response) {
        const auto outcome = selfBook_.cancelByStaff(request.param("ods"), request.param("id"), by);
        if (outcome.kind == workflows::BookOutcome::Kind::notAllowed)
            return conflict(response, found(request), "cancelled");
        if (outcome.kind != workflows::BookOutcome::Kind::cancelled)
            return response.problem(502, "the appointment book did not cancel it: " + outcome.message);
        response.json(linkJson(found(request)));
    }

    void deleteLink(const audit::Context& by, Request& request, Response& response) {
        if (!selfBook_.remove(request.param("ods"), request.param("id"), by))
            return conflict(response, found(request), "deleted");
        response.status(204);
    }

    // Counts by state, then the latest messages a page at a time (the dead letters with ?state=failed):
    // ?before= the next_before of the page before.
    void messages(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const std::string state = request.query("state").value_or("");
        if (!state.empty() &&
            std::find(std::begin(kMessageStates), std::end(kMessageStates), state) == std::end(kMessageStates))
            errors.push_back({"state", "state must be queued, sending, sent or failed"});
        const int limit = limitQuery(request, errors);
        std::optional<outbox::MessageCursor> before;
        if (const auto text = request.query("before")) {
            before = outbox::MessageCursor::parse(*text);
            if (!before) errors.push_back({"before", "before must be the next_before of the page before"});
        }
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto& ods = request.param("ods");
        auto counts = object();
        for (const auto& [name, count] : outbox_.countByState(ods))
            counts->set(name, count);
        const auto page = outbox_.page(ods, state, limit, before);
        Array::Ptr list = new Array;
        for (const auto& m : page.messages)
            list->add(messageJson(m));
        auto body = object();
        body->set("counts", counts);
        body->set("messages", list);
        body->set("next_before", page.next ? Poco::Dynamic::Var(page.next->text()) : Poco::Dynamic::Var());
        response.json(body);
    }

    void requeueMessage(const audit::Context& by, Request& request, Response& response) {
        const auto& reference = request.param("reference");
        switch (outbox_.requeue(request.param("ods"), reference, by)) {
        case outbox::Requeue::notFound: return response.problem(404, "no such message");
        case outbox::Requeue::notFailed:
            return response.problem(409, "only a failed message can be re-queued; this one is " +
                                             outbox_.find(reference).value_or(outbox::Message{}).state);
        case outbox::Requeue::forgotten:
            return response.problem(409, "this message's content was removed after the organisation's retention "
                                         "period; send the patient a new one");
        case outbox::Requeue::requeued: break;
        }
        response.json(messageJson(*outbox_.find(reference)));
    }

private:
    workflows::Link found(const Request& request) {
        auto link = selfBook_.find(request.param("ods"), request.param("id"));
        if (!link) throw workflows::NotFound(kNoLink);
        return *link;
    }

    static void conflict(Response& response, const workflows::Link& link, const std::string& wanted) {
        response.problem(409, "the link is " + std::string(links::toString(link.state)) + " and cannot be " + wanted);
    }

    workflows::SelfBook& selfBook_;
    outbox::Outbox& outbox_;
    audit::AuditLog& audit_;
};

const std::vector<Route<StaffApi>>& table() {
    static const std::vector<Route<StaffApi>> all{
        {{"GET", kOrganisation + "/slot-types", Role::viewer, "listSlotTypes"}, &StaffApi::slotTypes},
        {{"POST", kLinks, Role::staff, "createLink", true}, &StaffApi::createLink},
        {{"GET", kLinks, Role::viewer, "linkHistory"}, &StaffApi::history},
        {{"GET", kLink, Role::viewer, "getLink"}, &StaffApi::getLink},
        {{"DELETE", kLink, Role::staff, "deleteLink", true}, &StaffApi::deleteLink},
        {{"POST", kLink + "/expire", Role::staff, "expireLink", true}, &StaffApi::expireLink},
        {{"POST", kLink + "/resend", Role::staff, "resendLink", true}, &StaffApi::resendLink},
        {{"POST", kLink + "/cancel-appointment", Role::staff, "cancelAppointment", true}, &StaffApi::cancelAppointment},
        {{"GET", kMessages, Role::viewer, "listMessages"}, &StaffApi::messages},
        {{"POST", kMessages + "/{reference}/requeue", Role::staff, "requeueMessage", true}, &StaffApi::requeueMessage},
        {{"GET", kOrganisation + "/audit", Role::admin, "listAuditEntries"}, &StaffApi::auditTrail},
    };
    return all;
}

} // namespace

const std::vector<RouteName>& staffApiRoutes() {
    static const std::vector<RouteName> names = [] {
        auto out = namesOf(table());
        const auto& batches = batchApiRoutes();
        out.insert(out.end(), batches.begin(), batches.end());
        const auto& vaccination = vaccinationApiRoutes();
        out.insert(out.end(), vaccination.begin(), vaccination.end());
        const auto& users = usersApiRoutes();
        out.insert(out.end(), users.begin(), users.end());
        const auto& hubWide = operatorApiRoutes();
        out.insert(out.end(), hubWide.begin(), hubWide.end());
        return out;
    }();
    return names;
}

void addStaffApi(http::Router& router, workflows::SelfBook& selfBook, outbox::Outbox& outbox, staff::SignIn& signIn,
                 audit::AuditLog& audit) {
    addRoutes(router, signIn, audit, std::make_shared<StaffApi>(selfBook, outbox, audit), table());
}

} // namespace clinhub::api

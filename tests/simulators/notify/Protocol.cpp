#include "Protocol.h"

#include "Auth.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/UUIDGenerator.h>

#include <chrono>
#include <regex>
#include <set>
#include <sstream>

namespace notifysim {

namespace {

using clinhub::sim::readBody;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string text(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
}

void json(Poco::Net::HTTPServerResponse& response, int status, const Poco::Dynamic::Var& body) {
    clinhub::sim::send(response, status, "application/json", text(body));
}

void errors(Poco::Net::HTTPServerResponse& response, int status, const std::string& error,
            const std::vector<std::string>& messages) {
    Object::Ptr o = new Object;
    Array::Ptr list = new Array;
    for (const auto& m : messages) {
        Object::Ptr e = new Object;
        e->set("error", error);
        e->set("message", m);
        list->add(e);
    }
    o->set("errors", list);
    o->set("status_code", status);
    json(response, status, o);
}

void error(Poco::Net::HTTPServerResponse& response, int status, const std::string& error, const std::string& message) {
    errors(response, status, error, {message});
}

bool isUuid(const std::string& t) {
    static const std::regex uuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(t, uuid);
}

// Notify's rule, simplified: a UK mobile is 07 and nine more digits, however the prefix is written.
bool isUkMobile(std::string n) {
    std::string digits;
    for (char c : n)
        if (c != ' ' && c != '-' && c != '(' && c != ')') digits += c;
    for (const char* prefix : {"+44", "0044", "44", "0"})
        if (digits.rfind(prefix, 0) == 0) {
            digits = digits.substr(std::string(prefix).size());
            break;
        }
    if (digits.size() != 10 || digits[0] != '7') return false;
    return digits.find_first_not_of("0123456789") == std::string::npos;
}

bool isEmail(const std::string& e) {
    static const std::regex email(R"(^[^\s@]+@[^\s@]+\.[^\s@]+$)");
    return std::regex_match(e, email);
}

std::string rootOf(const Poco::Net::HTTPServerRequest& request) { return "http://" + request.getHost(); }

} // namespace

Protocol::Protocol(const Fixture& fixture, clinhub::sim::Faults& faults, Store& store, Receipts& receipts,
                   ProtocolOptions options, unsigned seed)
    : fixture_(fixture), faults_(faults), store_(store), receipts_(receipts), options_(options), random_(seed) {}

bool Protocol::roll(double rate) {
    if (rate <= 0) return false;
    std::lock_guard lock(randomMutex_);
    return std::uniform_real_distribution<>(0, 1)(random_) < rate;
}

void Protocol::serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    requests_++;
    const std::string& uri = request.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = request.getMethod();
    const bool post = method == "POST";
    const std::string base = "/v2/notifications";
    const bool known = (post && (path == base + "/sms" || path == base + "/email")) ||
                       (method == "GET" && (path == base || path.rfind(base + "/", 0) == 0));
    if (!known) return error(response, 404, "NotFound", "The requested URL was not found on the server.");
    if (faults_.error()) {
        serverErrors_++;
        return error(response, 500, "Exception", "Internal server error");
    }
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
        options_.clockSkewS;
    const auto auth = authenticate(request.get("Authorization", ""), fixture_, now);
    if (auth.status != 0) {
        authRefused_++;
        return error(response, auth.status, "AuthError", auth.message);
    }
    if (post) {
        if (roll(options_.rate429)) {
            tooMany_++;
            return error(response, 429, "TooManyRequestsError", "Exceeded send limits (250000) for today");
        }
        if (!store_.admit(auth.serviceId, options_.rateLimitPerMinute)) {
            rateLimited_++;
            return error(response, 429, "RateLimitError",
                         "Exceeded rate limit for key type LIVE of " + std::to_string(options_.rateLimitPerMinute) +
                             " requests per 60 seconds");
        }
        return send(request, response, auth.serviceId, path.substr(base.size() + 1));
    }
    if (path == base) return list(request, response);
    return one(request, response, path.substr(base.size() + 1));
}

void Protocol::send(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                    const std::string& serviceId, const std::string& type) {
    Object::Ptr body;
    try {
        body = Poco::JSON::Parser().parse(readBody(request)).extract<Object::Ptr>();
    } catch (...) {
    }
    if (!body) {
        invalid_++;
        return error(response, 400, "ValidationError", "Invalid JSON supplied in POST data");
    }
    const std::string toField = type == "sms" ? "phone_number" : "email_address";
    const std::set<std::string> allowed{toField, "template_id", "personalisation", "reference",
                                        type == "sms" ? "sms_sender_id" : "email_reply_to_id"};
    std::vector<std::string> problems;
    for (const auto& name : body->getNames())
        if (!allowed.count(name))
            problems.push_back("Additional properties are not allowed (" + name + " was unexpected)");
    for (const auto& name : {toField, std::string("template_id")})
        if (!body->has(name)) problems.push_back(name + " is a required property");
    const auto field = [&](const std::string& name) {
        const auto v = body->get(name);
        if (body->has(name) && !v.isString()) problems.push_back(name + " " + text(v) + " is not of type string");
        return v.isString() ? v.extract<std::string>() : std::string();
    };
    const std::string to = field(toField);
    const std::string templateId = field("template_id");
    if (body->has("reference")) field("reference");
    if (!templateId.empty() && !isUuid(templateId)) problems.push_back("template_id is not a valid UUID");
    if (!to.empty() && type == "sms" && !isUkMobile(to)) problems.push_back("phone_number Not a UK mobile number");
    if (!to.empty() && type == "email" && !isEmail(to)) problems.push_back("email_address Not a valid email address");
    std::map<std::string, std::string> personalisation;
    if (body->has("personalisation")) {
        const auto p = body->getObject("personalisation");
        if (!p)
            problems.push_back("personalisation " + text(body->get("personalisation")) + " is not of type object");
        else
            for (const auto& name : p->getNames())
                personalisation[name] = p->get(name).isString() ? p->getValue<std::string>(name) : text(p->get(name));
    }
    if (!problems.empty()) {
        invalid_++;
        return errors(response, 400, "ValidationError", problems);
    }
    const auto tpl = fixture_.templates.find(templateId);
    if (tpl == fixture_.templates.end()) {
        invalid_++;
        return error(response, 400, "BadRequestError", "Template not found");
    }
    if (tpl->second.type != type) {
        invalid_++;
        return error(response, 400, "BadRequestError",
                     tpl->second.type + " template is not suitable for " + type + " notification");
    }
    std::vector<std::string> missing;
    for (const auto& name : placeholders(tpl->second.subject + tpl->second.body))
        if (!personalisation.count(name)) missing.push_back(name);
    if (!missing.empty()) {
        std::string names;
        for (const auto& m : missing)
            names += (names.empty() ? "" : ", ") + m;
        invalid_++;
        return error(response, 400, "BadRequestError", "Missing personalisation: " + names);
    }

    Notification n;
    n.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    n.serviceId = serviceId;
    if (body->has("reference")) n.reference = body->getValue<std::string>("reference");
    n.type = type;
    n.to = to;
    n.templateId = templateId;
    n.templateVersion = tpl->second.version;
    n.personalisation = personalisation;
    n.body = render(tpl->second.body, personalisation);
    n.subject = render(tpl->second.subject, personalisation);
    n.createdAt = nowIso();
    if (type == "sms" && n.body.size() > 918) {
        invalid_++;
        return error(response, 400, "BadRequestError",
                     "Your message is too long. Text messages cannot be longer than 918 characters. Your message is " +
                         std::to_string(n.body.size()) + " characters long.");
    }
    store_.add(n);
    receipts_.schedule(n.id);
    accepted_++;
    // Notify took it, but the client never hears so: the case lookup-before-resend exists for.
    if (faults_.afterCommit()) throw clinhub::sim::DropConnection{};
    if (faults_.malformed()) return clinhub::sim::send(response, 201, "application/json", R"({"id": "tru)");

    const std::string root = rootOf(request);
    Object::Ptr out = new Object;
    out->set("id", n.id);
    out->set("reference", n.reference ? Poco::Dynamic::Var(*n.reference) : Poco::Dynamic::Var());
    Object::Ptr content = new Object;
    content->set("body", n.body);
    if (type == "sms") {
        content->set("from_number", "GOVUK");
    } else {
        content->set("subject", n.subject);
        content->set("from_email", "demo.surgery@notifications.service.gov.uk");
        content->set("one_click_unsubscribe_url", Poco::Dynamic::Var());
    }
    out->set("content", content);
    out->set("uri", root + "/v2/notifications/" + n.id);
    Object::Ptr t = new Object;
    t->set("id", templateId);
    t->set("version", n.templateVersion);
    t->set("uri", root + "/v2/template/" + templateId + "/version/" + std::to_string(n.templateVersion));
    out->set("template", t);
    out->set("scheduled_for", Poco::Dynamic::Var());
    json(response, 201, out);
}

void Protocol::list(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const Poco::Net::HTMLForm query(request); // a GET's form is its query string
    if (faults_.malformed()) return clinhub::sim::send(response, 200, "application/json", R"({"notifications": [{)");
    std::vector<Notification> found;
    if (query.has("reference")) {
        found = store_.byReference(query.get("reference"));
    } else {
        found = store_.all();
        std::reverse(found.begin(), found.end());
        if (found.size() > 250) found.resize(250); // Notify's page size
    }
    const std::string type = query.get("template_type", "");
    const std::string status = query.get("status", "");
    const std::string root = rootOf(request);
    Array::Ptr list = new Array;
    for (const auto& n : found)
        if ((type.empty() || n.type == type) && (status.empty() || n.status == status)) list->add(toJson(n, root));
    Object::Ptr out = new Object;
    out->set("notifications", list);
    Object::Ptr links = new Object;
    links->set("current", root + request.getURI());
    out->set("links", links);
    json(response, 200, out);
}

void Protocol::one(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                   const std::string& id) {
    if (!isUuid(id)) return error(response, 400, "ValidationError", "notification_id is not a valid UUID");
    if (faults_.malformed()) return clinhub::sim::send(response, 200, "application/json", R"({"id": )");
    const auto n = store_.byId(id);
    if (!n) return error(response, 404, "NoResultFound", "No result found");
    json(response, 200, toJson(*n, rootOf(request)));
}

void Protocol::inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const std::string& method = request.getMethod();
    if (path == "/_sim/notifications" && method == "DELETE") {
        store_.clear();
        return json(response, 200, Object::Ptr(new Object));
    }
    if (path == "/_sim/notifications") {
        Array::Ptr list = new Array;
        for (const auto& n : store_.all()) {
            Object::Ptr o = new Object;
            o->set("id", n.id);
            o->set("reference", n.reference ? Poco::Dynamic::Var(*n.reference) : Poco::Dynamic::Var());
            o->set("type", n.type);
            o->set("to", n.to);
            o->set("template_id", n.templateId);
            Object::Ptr p = new Object;
            for (const auto& [k, v] : n.personalisation)
                p->set(k, v);
            o->set("personalisation", p);
            o->set("body", n.body);
            o->set("subject", n.subject);
            o->set("status", n.status);
            list->add(o);
        }
        return json(response, 200, list);
    }
    if (path == "/_sim/notifications/count") {
        std::map<std::string, int> seen;
        const auto all = store_.all();
        for (const auto& n : all)
            if (n.reference) seen[*n.reference]++;
        int duplicated = 0;
        for (const auto& [reference, times] : seen)
            duplicated += times > 1 ? 1 : 0;
        Object::Ptr o = new Object;
        o->set("count", all.size());
        o->set("distinct_references", seen.size());
        o->set("duplicated_references", duplicated);
        return json(response, 200, o);
    }
    if (path == "/_sim/stats") {
        Object::Ptr o = new Object;
        o->set("requests", requests_.load());
        o->set("accepted", accepted_.load());
        o->set("auth_refused", authRefused_.load());
        o->set("rate_limited", rateLimited_.load());
        o->set("too_many_requests", tooMany_.load());
        o->set("server_errors", serverErrors_.load());
        o->set("invalid", invalid_.load());
        o->set("receipts_sent", receipts_.sent());
        o->set("receipts_failed", receipts_.failed());
        return json(response, 200, o);
    }
    error(response, 404, "NotFound", "no such inspection path");
}

} // namespace notifysim

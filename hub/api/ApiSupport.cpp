#include "hub/api/ApiSupport.h"

#include "hub/workflows/Tokens.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <optional>
#include <sstream>
#include <string_view>

namespace clinhub::api {
namespace {

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflows::FieldError;

std::optional<std::string> bearerKey(const Request& request) {
    const auto header = request.header("Authorization");
    if (!header) return std::nullopt;
    const auto space = header->find(' ');
    if (space == std::string::npos || Poco::icompare(header->substr(0, space), "Bearer") != 0) return std::nullopt;
    return Poco::trim(header->substr(space + 1));
}

audit::Actor actorOf(const staff::ApiKey& key, const Request& request) {
    if (key.userId.empty()) return {"key", key.id, key.name, request.client()};
    return {"user", key.userId, key.userName.empty() ? key.name : key.userName, request.client()};
}

// What a route acts on, for the audit log: its {id} (a link, a batch, a clinic, a member) or {reference}.
std::string resourceOf(const Request& request) {
    for (const auto& [name, value] : request.params())
        if (name == "id" || name == "reference" || name == "member") return value;
    return {};
}

std::optional<std::string> sessionCookie(Request& request) {
    Poco::Net::NameValueCollection cookies;
    request.poco().getCookies(cookies);
    std::string value = cookies.get(std::string(staff::Sessions::kCookie), "");
    if (value.empty()) return std::nullopt;
    return value;
}

bool changes(const Request& request) {
    const auto& method = request.method();
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// The operator's routes act for every organisation; the others in the one of their path.
bool hubWide(const RouteName& route) { return route.needs == Role::hubOperator; }

// The organisation an action is written to the audit log under: the path's, or every organisation.
std::string organisationOf(const Request& request) {
    for (const auto& [name, value] : request.params())
        if (name == "ods") return value;
    return staff::kEveryOrganisation;
}

// A signed-in browser as a caller: its user's role in the organisation of the path, or the operator's role.
// An operator on a practice route is let as far as the role check, which refuses them by name; anyone else
// without a role in the path's organisation gets the 404 of an unknown one. A change must carry the
// session's CSRF token, which another site's page cannot read: SameSite=Strict already keeps the cookie off
// its requests, and this holds where a browser does not.
std::optional<staff::ApiKey> sessionCaller(staff::SignIn& signIn, const std::string& cookie, const RouteName& route,
                                           Request& request, Response& response) {
    const auto who = signIn.who(cookie);
    if (!who) {
        response.problem(401, "the session has ended: sign in again");
        return std::nullopt;
    }
    const auto& roles = who->user.roles;
    auto held = roles.find(hubWide(route) ? staff::kEveryOrganisation : request.param("ods"));
    if (held == roles.end()) held = roles.find(staff::kEveryOrganisation);
    if (held == roles.end()) {
        if (hubWide(route))
            response.problem(403, "this needs the operator role; the user has no hub-wide role");
        else
            response.problem(404, kNoOrganisation);
        return std::nullopt;
    }
    const auto sent = request.header("X-CSRF-Token");
    if (changes(request) && !(sent && workflows::sameSecret(*sent, who->session.csrf))) {
        response.problem(403, "a change from a signed-in browser needs the session's CSRF token in X-CSRF-Token");
        return std::nullopt;
    }
    return staff::ApiKey{{}, held->first, who->user.name, held->second, who->user.id, who->user.name};
}

// The caller (an API key, or a signed-in browser's session as one), when it is let in; otherwise the refusal
// is written to `response` (and, for a known caller of this organisation whose role falls short, to the
// audit log).
std::optional<staff::ApiKey> authorised(staff::SignIn& signIn, audit::AuditLog& audit, const RouteName& route,
                                        Request& request, Response& response) {
    const auto presented = bearerKey(request);
    const auto cookie = presented ? std::nullopt : sessionCookie(request);
    std::optional<staff::ApiKey> key;
    if (cookie) {
        key = sessionCaller(signIn, *cookie, route, request, response);
        if (!key) return std::nullopt;
    } else {
        key = presented ? signIn.keys().authenticate(*presented) : std::nullopt;
        if (!key) {
            response.problem(401, presented ? "the API key is not valid" : "an API key is required");
            // RFC 6750: name the scheme, and say when a key was sent but refused.
            response.header("WWW-Authenticate", presented ? R"(Bearer realm="clinhub", error="invalid_token")"
                                                          : R"(Bearer realm="clinhub")");
            return std::nullopt;
        }
    }
    // A practice's key opens that practice only; the operator's key and routes are refused by role below.
    if (!hubWide(route) && key->organisation != staff::kEveryOrganisation &&
        key->organisation != request.param("ods")) {
        response.problem(404, kNoOrganisation);
        return std::nullopt;
    }
    if (!staff::grants(key->role, route.needs)) {
        const std::string why = "this needs the " + std::string(staff::toString(route.needs)) + " role; the " +
                                (cookie ? "user" : "API key") + " has the " + std::string(staff::toString(key->role)) +
                                " role";
        response.problem(403, why);
        audit.append({0,
                      actorOf(*key, request),
                      route.action,
                      key->organisation,
                      resourceOf(request),
                      {},
                      audit::Outcome::refused,
                      why});
        return std::nullopt;
    }
    return key;
}

// YYYY-MM-DDTHH:MM:SS, up to six digits of a second, then Z or ±HH:MM: checked by position, so Poco's lenient
// parser never sees a time without its offset.
bool rfc3339Shape(std::string_view text) {
    constexpr std::string_view kDateTime = "dddd-dd-ddTdd:dd:dd";
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (text.size() < kDateTime.size() + 1 || text.size() > kDateTime.size() + 7 + 6) return false;
    for (std::size_t i = 0; i < kDateTime.size(); ++i)
        if (kDateTime[i] == 'd' ? !digit(text[i]) : text[i] != kDateTime[i]) return false;
    auto rest = text.substr(kDateTime.size());
    if (rest.front() == '.') {
        std::size_t n = 1;
        while (n < rest.size() && digit(rest[n]))
            ++n;
        if (n == 1 || n > 7) return false;
        rest.remove_prefix(n);
    }
    if (rest == "Z") return true;
    return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && digit(rest[1]) && digit(rest[2]) &&
           rest[3] == ':' && digit(rest[4]) && digit(rest[5]);
}

} // namespace

std::string isoUtc(int64_t micros) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%SZ");
}

Object::Ptr object() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 500;

std::optional<int> wholeNumber(const std::string& text) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoi(text);
}

int limitQuery(const http::Request& request, std::vector<FieldError>& errors) {
    const auto text = request.query("limit");
    if (!text) return kDefaultPage;
    const auto limit = wholeNumber(*text).value_or(0);
    if (limit < 1 || limit > kMaxPage)
        errors.push_back({"limit", "limit must be a number from 1 to " + std::to_string(kMaxPage)});
    return limit;
}

// A time without an offset is refused: a practice means UK time, which is an hour off UTC half the year.
std::optional<int64_t> instantField(const Object::Ptr& from, const std::string& name, std::vector<FieldError>& errors) {
    const std::string text = stringField(from, name, name, errors);
    if (!errors.empty()) return std::nullopt;
    if (text.empty()) {
        errors.push_back({name, name + " is required: a date and time such as 2026-12-07T09:00:00Z"});
        return std::nullopt;
    }
    Poco::DateTime parsed;
    int zone = 0;
    if (!rfc3339Shape(text) ||
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed, zone)) {
        errors.push_back({name, name + " must be a date and time with its offset, such as 2026-12-07T09:00:00Z or "
                                       "2026-06-07T09:00:00+01:00"});
        return std::nullopt;
    }
    parsed.makeUTC(zone);
    return parsed.timestamp().epochMicroseconds();
}

void unprocessable(const Request& request, Response& response, const std::vector<FieldError>& errors) {
    auto body = object();
    body->set("type", "about:blank");
    body->set("title", Poco::Net::HTTPResponse::getReasonForStatus(Poco::Net::HTTPResponse::HTTP_UNPROCESSABLE_ENTITY));
    body->set("status", 422);
    body->set("detail",
              errors.size() == 1 ? "1 field is not valid" : std::to_string(errors.size()) + " fields are not valid");
    Array::Ptr list = new Array;
    for (const auto& e : errors) {
        auto item = object();
        item->set("field", e.field);
        item->set("message", e.message);
        list->add(item);
    }
    body->set("errors", list);
    body->set("request_id", request.requestId());
    std::ostringstream text;
    Poco::JSON::Stringifier::stringify(body, text);
    response.text(text.str(), 422, "application/problem+json");
}

std::optional<bool> boolField(const Object::Ptr& from, const std::string& name, std::vector<FieldError>& errors) {
    if (!from || !from->has(name) || from->isNull(name)) return std::nullopt;
    const auto v = from->get(name);
    if (!v.isBoolean()) {
        errors.push_back({name, name + " must be true or false"});
        return std::nullopt;
    }
    return v.extract<bool>();
}

std::string stringField(const Object::Ptr& from, const std::string& name, const std::string& field,
                        std::vector<FieldError>& errors) {
    if (!from || !from->has(name) || from->isNull(name)) return {};
    const auto value = from->get(name);
    if (!value.isString()) {
        errors.push_back({field, field + " must be a string"});
        return {};
    }
    return value.extract<std::string>();
}

std::optional<int> intField(const Object::Ptr& from, const std::string& name, std::vector<FieldError>& errors) {
    if (!from->has(name) || from->isNull(name)) return std::nullopt;
    const auto v = from->get(name);
    if (!v.isInteger()) {
        errors.push_back({name, name + " must be a whole number"});
        return std::nullopt;
    }
    return v.convert<int>();
}

std::string resourcePath(const std::string& ods, const std::string& collection, const std::string& id) {
    std::string encodedOds, encodedId;
    Poco::URI::encode(ods, "/?#", encodedOds);
    Poco::URI::encode(id, "/?#", encodedId);
    return "/api/v1/organisations/" + encodedOds + "/" + collection + "/" + encodedId;
}

http::Handler guarded(staff::SignIn& signIn, audit::AuditLog& audit, const RouteName& route, StaffHandler handler) {
    return [&signIn, &audit, route, handler = std::move(handler)](Request& request, Response& response) {
        response.header("Cache-Control", "no-store");
        const auto key = authorised(signIn, audit, route, request, response);
        if (!key) return;
        const audit::Context by{actorOf(*key, request), route.action};
        const auto organisation = organisationOf(request);
        // A change that does not happen is audited here, outside its rolled-back transaction.
        const auto failed = [&](const std::string& why) {
            if (route.needs == Role::viewer) return;
            audit.append(
                {0, by.actor, route.action, organisation, resourceOf(request), {}, audit::Outcome::failure, why});
        };
        try {
            handler(by, request, response);
        } catch (const workflows::InvalidRequest& e) {
            unprocessable(request, response, e.errors());
        } catch (const workflows::NotFound& e) {
            // The services' texts are fixed ("no such link"), never echoes of what was sent.
            response.problem(404, e.what());
        } catch (const std::exception&) {
            failed("HTTP 500");
            throw;
        }
        if (response.status() >= 400)
            failed("HTTP " + std::to_string(response.status()));
        else if (route.needs != Role::viewer && !route.auditedByWorkflow)
            audit.append(
                {0, by.actor, route.action, organisation, resourceOf(request), {}, audit::Outcome::success, {}});
    };
}

void fileRefused(const http::Request& request, http::Response& response, const batch::FileError& error) {
    // The file's own words stay out of this: the place and the kind of problem are enough to fix it.
    auto body = object();
    body->set("type", "about:blank");
    body->set("title", "Unprocessable Entity");
    body->set("status", 422);
    body->set("detail", error.what());
    body->set("row", error.row);
    body->set("line", error.line);
    body->set("request_id", request.requestId());
    std::ostringstream text;
    Poco::JSON::Stringifier::stringify(body, text);
    response.text(text.str(), 422, "application/problem+json");
}

} // namespace clinhub::api

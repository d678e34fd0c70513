#include "hub/console/Page.h"

#include "hub/web/Html.h"

#include "hub/log/Log.h"
#include "hub/staff/Sessions.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/URI.h>

#include <typeinfo>
#include <utility>

namespace clinhub::console {
namespace {

using http::Request;
using http::Response;

// The patient pages' policy, and this origin's script (the console's one file, never inline) with the checks
// it asks for: nothing else runs, loads or is posted to.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; font-src "
    "'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void secureHeaders(Response& response) {
    response.header("Content-Security-Policy", kContentSecurityPolicy);
    response.header("Referrer-Policy", "no-referrer");
    response.header("X-Frame-Options", "DENY");
    response.header("Cache-Control", "no-store");
}

std::string sessionCookie(Request& request) {
    Poco::Net::NameValueCollection cookies;
    request.poco().getCookies(cookies);
    return cookies.get(std::string(staff::Sessions::kCookie), "");
}

// A page outside any organisation's layout: before the organisation is known to be the user's.
void plainMessage(Response& response, const web::Assets& assets, int status, const std::string& heading,
                  const std::string& text) {
    Data paragraphs{Data::type::list};
    paragraphs.push_back(Data(text));
    Data data;
    data.set("heading", heading);
    data.set("paragraphs", paragraphs);
    secureHeaders(response);
    response.html(web::renderPage({heading, {}, assets.stylesheetUrl(), {}, false}, "message", data), status);
}

struct NavigationItem {
    Section section;
    const char* label;
    const char* path;
    Role needs;
};

constexpr NavigationItem kNavigation[] = {
    {Section::home, "Home", "", Role::viewer},
    {Section::send, "Send a link", "/links/new", Role::staff},
    {Section::patients, "Links", "/links", Role::viewer},
    {Section::batches, "Batches", "/batches", Role::viewer},
    {Section::campaigns, "Campaigns", "/campaigns", Role::viewer},
    {Section::messages, "Messages", "/messages", Role::viewer},
    {Section::rules, "Booking rules", "/rules", Role::viewer},
    {Section::users, "Users and keys", "/users", Role::admin},
};

std::string roleName(Role role) {
    switch (role) {
    case Role::viewer: return "Viewer";
    case Role::staff: return "Staff";
    case Role::admin: return "Admin";
    case Role::hubOperator: return "Hub operator";
    }
    return {};
}

bool isMultipart(const Request& request) {
    return request.header("Content-Type").value_or("").starts_with("multipart/form-data");
}

// What a change acts on, for the audit trail: the route's link, message or member.
std::string resourceOf(const Request& request) {
    for (const auto& [name, value] : request.params())
        if (name == "id" || name == "reference" || name == "member") return value;
    return {};
}

} // namespace

Page::Page(Request& request, Response& response, const staff::SignedIn& who, Role role,
           std::shared_ptr<const runtime::Runtime> runtime, const config::Organisation& organisation, audit::Context by,
           std::shared_ptr<const web::Assets> assets)
    : request(request), response(response), who(who), role(role), runtime(std::move(runtime)),
      organisation(organisation), by(std::move(by)), assets_(std::move(assets)) {}

std::string Page::path(std::string_view rest) const {
    std::string encoded;
    Poco::URI::encode(organisation.ods, "/?#%&=+", encoded);
    return "/staff/" + encoded + std::string(rest);
}

std::string Page::field(std::string_view name, std::size_t max) {
    auto value = request.formField(name).value_or("");
    if (value.size() > max) value.clear();
    return value;
}

void Page::render(int status, Section section, const std::string& title, std::string_view name, Data data,
                  bool hasError) {
    Data navigation{Data::type::list};
    for (const auto& item : kNavigation) {
        if (!can(item.needs)) continue;
        if (item.section == Section::campaigns && organisation.campaigns.empty()) continue;
        Data entry;
        entry.set("label", item.label);
        entry.set("href", path(item.path));
        entry.set("current", item.section == section);
        navigation.push_back(entry);
    }
    data.set("csrf", who.session.csrf);
    data.set("base", path());
    Data layout;
    layout.set("title", title);
    layout.set("hasError", hasError);
    layout.set("organisation", organisation.name.empty() ? organisation.ods : organisation.name);
    layout.set("ods", organisation.ods);
    layout.set("stylesheet", assets_->stylesheetUrl());
    layout.set("hasStylesheet", !assets_->stylesheetUrl().empty());
    setText(layout, "script", assets_->consoleScriptUrl());
    layout.set("home", path());
    layout.set("patients", path("/patients"));
    layout.set("userName", who.user.name);
    layout.set("roleName", roleName(role));
    layout.set("csrf", who.session.csrf);
    layout.set("navigation", navigation);
    layout.set("content", web::renderFragment(name, data));
    secureHeaders(response);
    response.html(web::renderFragment("console-layout", layout), status);
}

namespace {

class FilePart : public Poco::Net::PartHandler {
public:
    FilePart(const std::string& name, const std::function<void(std::istream&)>& read) : name_(name), read_(read) {}

    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        std::string disposition;
        Poco::Net::NameValueCollection parameters;
        Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition, parameters);
        if (parameters.get("name", "") != name_ || chosen_) return;
        chosen_ = !parameters.get("filename", "").empty();
        if (chosen_) read_(stream);
    }

    [[nodiscard]] bool chosen() const { return chosen_; }

private:
    const std::string& name_;
    const std::function<void(std::istream&)>& read_;
    bool chosen_ = false;
};

} // namespace

bool Page::file(const std::string& name, std::size_t maxBytes, const std::function<void(std::istream&)>& read) {
    // A little over the file's own limit, for the form around it.
    if (request.poco().hasContentLength() &&
        request.poco().getContentLength64() > static_cast<Poco::Int64>(maxBytes + 64 * 1024)) {
        message(413, "The file is too large",
                "The largest file is " + std::to_string(maxBytes / (1024 * 1024)) +
                    " MB. Split it into smaller files and upload each.");
        return false;
    }
    FilePart part(name, read);
    Poco::Net::HTMLForm form;
    form.setFieldLimit(8);
    form.load(request.poco(), request.bodyStream(), part);
    if (!part.chosen()) message(422, "Choose a file", "Go back and choose the file to upload.");
    return part.chosen();
}

void Page::message(int status, const std::string& heading, const std::string& text) {
    Data data;
    data.set("heading", heading);
    data.set("text", text);
    render(status, Section::home, heading, "console-message", data);
}

void Page::redirect(const std::string& location) {
    response.header("Cache-Control", "no-store");
    response.header("Location", location);
    response.text("See " + location + "\n", 303);
}

void PageRoutes::get(const std::string& pattern, Role needs, PageHandler handler) {
    add("GET", pattern, needs, {}, std::move(handler));
}

void PageRoutes::get(const std::string& pattern, Role needs, const std::string& action, PageHandler handler) {
    add("GET", pattern, needs, action, std::move(handler));
}

void PageRoutes::post(const std::string& pattern, Role needs, const std::string& action, PageHandler handler) {
    add("POST", pattern, needs, action, std::move(handler));
}

void PageRoutes::add(const std::string& method, const std::string& pattern, Role needs, const std::string& action,
                     PageHandler handler) {
    router_.add(
        method, "/staff/{ods}" + pattern,
        [services = services_, assets = assets_, needs, action, handler = std::move(handler)](Request& request,
                                                                                              Response& response) {
            const bool change = request.method() == "POST";
            const auto cookie = sessionCookie(request);
            const auto who = cookie.empty() ? std::nullopt : services.signIn.who(cookie);
            if (!who) {
                response.header("Cache-Control", "no-store");
                response.header("Location", "/staff/sign-in");
                return response.text("See /staff/sign-in\n", 303);
            }
            const auto runtime = services.current.get();
            const auto& organisations = runtime->config().organisations;
            const auto organisation = organisations.find(request.param("ods"));
            const auto& roles = who->user.roles;
            auto held = roles.find(request.param("ods"));
            if (held == roles.end()) held = roles.find(staff::kEveryOrganisation);
            if (organisation == organisations.end() || held == roles.end())
                return plainMessage(response, *assets, 404, "Page not found",
                                    "If you typed the web address, check it is correct.");
            // A file's form is read as it streams, after this: its token comes in the address (never logged;
            // the pages send no Referer).
            const auto sent = !change                ? std::nullopt
                              : isMultipart(request) ? request.query("csrf")
                                                     : request.formField("csrf");
            if (change && !(sent && workflows::sameSecret(*sent, who->session.csrf)))
                return plainMessage(response, *assets, 403, "This form has expired",
                                    "Go back, reload the page and try again.");
            const audit::Context by{{"user", who->user.id, who->user.name, request.client()}, action};
            const auto& ods = organisation->first;
            const auto audited = [&](audit::Outcome outcome, const std::string& why) {
                services.audit.append({0, by.actor, action, ods, resourceOf(request), {}, outcome, why});
            };
            if (!staff::grants(held->second, needs)) {
                const auto why = "this needs the " + std::string(staff::toString(needs)) + " role; the user has the " +
                                 std::string(staff::toString(held->second)) + " role";
                if (change) audited(audit::Outcome::refused, why);
                return plainMessage(response, *assets, 403, "You cannot do this",
                                    "This " + std::string(change ? "action" : "page") + " needs the " +
                                        std::string(staff::toString(needs)) + " role. You have the " +
                                        std::string(staff::toString(held->second)) + " role.");
            }
            Page page(request, response, *who, held->second, runtime, organisation->second, by, assets);
            try {
                handler(page);
            } catch (const workflows::NotFound&) {
                response.reset();
                page.message(404, "Page not found", "It may have been removed, or the address is wrong.");
            } catch (const workflows::InvalidRequest& e) {
                response.reset();
                page.message(422, "There is a problem",
                             e.errors().empty() ? std::string("Go back and check what you entered.")
                                                : e.errors().front().message);
            } catch (const http::Error& e) {
                response.reset();
                page.message(e.status(), "Sorry, there is a problem", e.what());
            } catch (const std::exception& e) {
                // The type only: what() of a store error can quote what it failed on.
                log::error("console_page_failed", {{"route", request.route()}, {"exception", typeid(e).name()}});
                response.reset();
                page.message(500, "Sorry, there is a problem with the service", "Try again later.");
            }
            if (change && response.status() >= 400)
                audited(audit::Outcome::failure, "HTTP " + std::to_string(response.status()));
        });
}

void setText(Data& data, const std::string& key, const std::string& text) {
    if (!text.empty()) data.set(key, text);
}

std::string whenText(int64_t micros) { return kit::ukWhenText(micros / 1'000'000); }

std::string quietHoursNote(const config::Organisation& organisation, int64_t micros) {
    const auto end = organisation.quietHours.endOf(micros / 1'000'000);
    if (!end) return {};
    return "That is in the practice's quiet hours (" + organisation.quietHours.text() +
           "), when no text is sent: they will go from " + kit::ukWhenText(*end) + ".";
}

std::string errorSummary(const std::vector<std::pair<std::string, std::string>>& errors) {
    Data list{Data::type::list};
    for (const auto& [field, message] : errors) {
        Data error;
        error.set("field", field);
        error.set("message", message);
        list.push_back(error);
    }
    Data data;
    data.set("errors", list);
    return web::renderFragment("error-summary", data);
}

std::optional<int64_t> scheduleTime(Page& page) {
    const auto date = kit::parseDate(page.field("date", 10));
    const auto minute = kit::parseTimeOfDay(page.field("time", 5));
    if (!date || !minute) {
        page.message(422, "Enter a date and time",
                     "Go back and enter the day as YYYY-MM-DD and the time as HH:MM, for example 09:30.");
        return std::nullopt;
    }
    return kit::toEpoch(std::chrono::sys_days(*date), *minute, kit::Zone::europeLondon) * 1'000'000;
}

std::string scheduleFields(const std::string& legend, const std::string& hint) {
    Data data;
    data.set("legend", legend);
    setText(data, "hint", hint);
    return web::renderFragment("console-schedule-fields", data);
}

std::string lineBreaks(const std::string& text) {
    std::string out;
    for (const char c : web::escapeHtml(text))
        out += c == '\n' ? std::string("<br>") : std::string(1, c);
    return out;
}

void addConsole(http::Router& router, const Services& services, const ConsoleOptions& options) {
    PageRoutes routes(router, services,
                      options.assets ? options.assets : std::make_shared<const web::Assets>(web::defaultAssetDir()));
    addHomePage(routes);
    addLinkPages(routes);
    addBatchPages(routes);
    addCampaignPages(routes);
    addUserPages(routes);
    addPatientPages(routes);
    addMessagePages(routes);
    addRulePages(routes);
}

} // namespace clinhub::console

// One request to a console page, once the guard has let it in: who is signed in, the organisation of the
// path and their role there, and the ways a page answers (rendered in the console's layout, or a redirect).
//
// PageRoutes is the guard. A route is a pattern under /staff/{ods}, the role it needs and, for a change, the
// action's name in the audit trail (the staff API operation's, so the trail reads the same whichever door
// was used). Without a session the browser is sent to sign in; an organisation the user holds no role in
// is a 404, as an unknown one; a change needs the session's CSRF token from the form and the role, or it is
// refused (403, and a role that falls short is audited); a change answered with an error is audited as a
// failure, as the API's are.
#pragma once

#include "hub/console/Console.h"
#include "hub/web/Pages.h"

#include "hub/config/Config.h"
#include "hub/http/Router.h"
#include "hub/staff/Role.h"
#include "hub/staff/SignIn.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace clinhub::console {

using staff::Role;
using web::Data;

// The console's sections, as its navigation lists them.
enum class Section { home, send, patients, batches, campaigns, messages, rules, users };

class Page {
public:
    Page(http::Request& request, http::Response& response, const staff::SignedIn& who, Role role,
         std::shared_ptr<const runtime::Runtime> runtime, const config::Organisation& organisation, audit::Context by,
         std::shared_ptr<const web::Assets> assets);

    http::Request& request;
    http::Response& response;
    const staff::SignedIn& who;
    const Role role;
    // The config as it stood when the request came in, held for the request's length.
    const std::shared_ptr<const runtime::Runtime> runtime;
    const config::Organisation& organisation;
    const audit::Context by;

    [[nodiscard]] const std::string& ods() const { return organisation.ods; }
    [[nodiscard]] bool can(Role needed) const { return staff::grants(role, needed); }
    // "/staff/{ods}" + rest, the ODS code percent-encoded.
    [[nodiscard]] std::string path(std::string_view rest = {}) const;

    // A form field, "" when absent; longer than `max` bytes is cut to nothing (a form never sends that much).
    std::string field(std::string_view name, std::size_t max = 200);

    // The page template `name` in the console's layout, its section current in the navigation.
    void render(int status, Section section, const std::string& title, std::string_view name, Data data,
                bool hasError = false);
    // Reads a multipart form (a file picker's), handing the file of field `name` to `read` as it arrives; false
    // when no file was chosen. Larger than `maxBytes` and a little: answered 413 here, and false. Throws what
    // `read` throws, and Poco::Exception for a form that is not whole.
    bool file(const std::string& name, std::size_t maxBytes, const std::function<void(std::istream&)>& read);
    // A heading and a sentence, e.g. for a refusal.
    void message(int status, const std::string& heading, const std::string& text);
    // 303 See Other: the answer to every change that worked, so a reload never posts it twice.
    void redirect(const std::string& location);

private:
    std::shared_ptr<const web::Assets> assets_;
};

using PageHandler = std::function<void(Page&)>;

class PageRoutes {
public:
    PageRoutes(http::Router& router, const Services& services, std::shared_ptr<const web::Assets> assets)
        : router_(router), services_(services), assets_(std::move(assets)) {}

    // `pattern` is under /staff/{ods}: "" for the organisation's home, "/links/{id}" for a link.
    void get(const std::string& pattern, Role needs, PageHandler handler);
    // A page whose looking is audited by its workflow (a patient's history), as `action`.
    void get(const std::string& pattern, Role needs, const std::string& action, PageHandler handler);
    // A change, audited as `action`.
    void post(const std::string& pattern, Role needs, const std::string& action, PageHandler handler);

    [[nodiscard]] const Services& services() const { return services_; }

private:
    void add(const std::string& method, const std::string& pattern, Role needs, const std::string& action,
             PageHandler handler);

    http::Router& router_;
    Services services_;
    std::shared_ptr<const web::Assets> assets_;
};

// The pages of each section add their routes.
void addHomePage(PageRoutes& routes);
void addLinkPages(PageRoutes& routes);
void addBatchPages(PageRoutes& routes);
void addCampaignPages(PageRoutes& routes);
void addUserPages(PageRoutes& routes);
void addPatientPages(PageRoutes& routes);
void addMessagePages(PageRoutes& routes);
void addRulePages(PageRoutes& routes);

// ---- Shared by the pages ----
// Sets text a template shows inside {{#key}}…{{/key}}: only when there is some, as mustache (kainjow) takes
// even an empty string for true.
void setText(Data& data, const std::string& key, const std::string& text);
// A UK date and time as staff read it: "Sunday 6 December 2026 at 9:30am"; microseconds since the epoch.
std::string whenText(int64_t micros);
// What staff are told of texts scheduled for `micros` (microseconds since the epoch): "" outside the
// organisation's quiet hours, else that they wait, and until when.
std::string quietHoursNote(const config::Organisation& organisation, int64_t micros);
// An error summary listing every field at fault, each linking to its field's id.
std::string errorSummary(const std::vector<std::pair<std::string, std::string>>& errors);
// A schedule form's UK day (`date`, YYYY-MM-DD) and time (`time`, HH:MM) as staff at the practice mean them
// (BST or GMT as the day has it), in microseconds since the epoch; nullopt, the page answered 422, when
// either is not one. Whether the time may be used is the workflow's (workflows/StartTime.h).
std::optional<int64_t> scheduleTime(Page& page);
// The day and time fields scheduleTime() reads, under `legend` and an optional hint, for a form to include.
std::string scheduleFields(const std::string& legend, const std::string& hint = {});
// Plain text as HTML with its line breaks kept, as a phone shows a text message.
std::string lineBreaks(const std::string& text);

} // namespace clinhub::console

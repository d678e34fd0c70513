#include "hub/web/StaffPages.h"

#include "hub/http/ClientLimit.h"
#include "hub/log/Log.h"
#include "hub/web/Assets.h"
#include "hub/web/Pages.h"
#include "hub/workflows/Tokens.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <memory>
#include <optional>

namespace clinhub::web {
namespace {

using staff::Sessions;
using staff::SignInResult;

constexpr const char* kContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; font-src "
                                               "'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr const char* kFormCookie = "clinhub_form";
constexpr std::size_t kMaxEmailField = 320;

// "/staff/A12345" for an organisation's console, its code percent-encoded.
std::string consolePath(const std::string& ods) {
    std::string encoded;
    Poco::URI::encode(ods, "/?#%&=+", encoded);
    return "/staff/" + encoded;
}

// Where a user goes once signed in: straight to their organisation's console when they have one, else to the
// page listing theirs.
std::string landing(const std::optional<staff::User>& user) {
    if (user && user->roles.size() == 1 && user->roles.begin()->first != staff::kEveryOrganisation)
        return consolePath(user->roles.begin()->first);
    return "/staff";
}

struct Exchange {
    http::Request& request;
    http::Response& response;
};

class StaffPages {
public:
    StaffPages(staff::SignIn& signIn, const StaffPagesOptions& options)
        : signIn_(signIn), assets_(options.assets ? options.assets : std::make_shared<const Assets>(defaultAssetDir())),
          secure_(options.secureCookies), sso_(options.singleSignOn),
          // Per address, on top of each account's own lockout: one address cannot walk through many accounts.
          attempts_(60, 10) {}

    void addRoutes(http::Router& router, const std::shared_ptr<StaffPages>& self, bool serveAssets) {
        if (serveAssets) addAssetRoutes(router, assets_);
        using Method = void (StaffPages::*)(Exchange&);
        auto route = [&](const char* method, const char* pattern, Method handler) {
            router.add(method, pattern, [self, handler](http::Request& request, http::Response& response) {
                self->serve(request, response, handler);
            });
        };
        route("GET", "/staff", &StaffPages::home);
        route("GET", "/staff/sign-in", &StaffPages::signInForm);
        route("POST", "/staff/sign-in", &StaffPages::signIn);
        route("POST", "/staff/sign-out", &StaffPages::signOut);
        route("POST", "/staff/sign-out-everywhere", &StaffPages::signOutEverywhere);
        route("GET", "/staff/sign-in/sso", &StaffPages::singleSignOn);
        route("GET", "/staff/sign-in/callback", &StaffPages::singleSignOnReturn);
        route("GET", "/staff/set-password/{token}", &StaffPages::setPasswordForm);
        route("POST", "/staff/set-password/{token}", &StaffPages::setPassword);
    }

private:
    // ---- Plumbing -------------------------------------------------------------------------------------

    void serve(http::Request& request, http::Response& response, void (StaffPages::*handler)(Exchange&)) {
        Exchange ex{request, response};
        try {
            (this->*handler)(ex);
        } catch (const http::Error& e) {
            response.reset();
            message(ex, e.status(), "Sorry, there is a problem with this page", "Go back and try again.");
        } catch (const std::exception& e) {
            // The type only: what() of a store error can quote what it failed on.
            log::error("staff_page_failed", {{"route", request.route()}, {"exception", typeid(e).name()}});
            response.reset();
            message(ex, 500, "Sorry, there is a problem with the service", "Try again later.");
        }
    }

    void send(Exchange& ex, int status, const std::string& title, std::string_view page, const Data& data,
              bool hasError = false) {
        const Frame frame{title, {}, assets_->stylesheetUrl(), {}, hasError};
        ex.response.header("Content-Security-Policy", kContentSecurityPolicy);
        ex.response.header("Referrer-Policy", "no-referrer");
        ex.response.header("X-Frame-Options", "DENY");
        ex.response.header("Cache-Control", "no-store");
        ex.response.html(renderPage(frame, page, data), status);
    }

    void message(Exchange& ex, int status, const std::string& heading, const std::string& text) {
        Data paragraphs{Data::type::list};
        paragraphs.push_back(Data(text));
        Data data;
        data.set("heading", heading);
        data.set("paragraphs", paragraphs);
        send(ex, status, heading, "message", data);
    }

    static void redirect(Exchange& ex, const std::string& location) {
        ex.response.header("Cache-Control", "no-store");
        ex.response.header("Location", location);
        ex.response.text("See " + location + "\n", 303);
    }

    std::string cookie(std::string_view name, const std::string& value, const std::string& path,
                       int64_t maxAgeSeconds) const {
        std::string text = std::string(name) + "=" + value + "; Path=" + path +
                           "; Max-Age=" + std::to_string(maxAgeSeconds) + "; HttpOnly; SameSite=Strict";
        if (secure_) text += "; Secure";
        return text;
    }

    static std::string cookieValue(Exchange& ex, std::string_view name) {
        Poco::Net::NameValueCollection cookies;
        ex.request.poco().getCookies(cookies);
        return cookies.get(std::string(name), "");
    }

    std::optional<staff::SignedIn> signedIn(Exchange& ex) {
        const auto id = cookieValue(ex, Sessions::kCookie);
        if (id.empty()) return std::nullopt;
        return signIn_.who(id);
    }

    // A form shown before anyone is signed in gets a fresh token, also set in a cookie for its path; the
    // post must bring both back.
    std::string formToken(Exchange& ex, const std::string& path) {
        auto token = workflows::randomToken(32);
        ex.response.header("Set-Cookie", cookie(kFormCookie, token, path, 3600));
        return token;
    }

    static bool formTokenMatches(Exchange& ex) {
        const auto sent = ex.request.formField("csrf");
        const auto kept = cookieValue(ex, kFormCookie);
        return sent && !kept.empty() && workflows::sameSecret(*sent, kept);
    }

    void expired(Exchange& ex, const std::string& back) {
        ex.response.header("Location", back);
        message(ex, 403, "This form has expired", "Go back, reload the page and try again.");
    }

    // ---- Pages ----------------------------------------------------------------------------------------

    void home(Exchange& ex) {
        const auto who = signedIn(ex);
        if (!who) return redirect(ex, "/staff/sign-in");
        Data roles{Data::type::list};
        for (const auto& [organisation, role] : who->user.roles) {
            Data row;
            row.set("organisation", organisation == staff::kEveryOrganisation ? "Every organisation" : organisation);
            row.set("role", std::string(staff::toString(role)));
            row.set("console", organisation == staff::kEveryOrganisation ? std::string() : consolePath(organisation));
            roles.push_back(row);
        }
        Data data;
        data.set("name", who->user.name);
        data.set("email", who->user.email);
        data.set("roles", roles);
        data.set("csrf", who->session.csrf);
        send(ex, 200, "Signed in as " + who->user.name, "staff-home", data);
    }

    void renderSignIn(Exchange& ex, int status, const std::string& email, const std::string& error,
                      const std::string& notice = {}) {
        Data data;
        data.set("csrf", formToken(ex, "/staff/sign-in"));
        data.set("email", email);
        data.set("hasError", !error.empty());
        data.set("error", error);
        data.set("errorSummary", error.empty() ? std::string() : errorSummary("email", error));
        data.set("notice", notice);
        data.set("hasSso", sso_.has_value());
        data.set("ssoName", sso_ ? sso_->name : std::string());
        send(ex, status, "Sign in", "staff-sign-in", data, !error.empty());
    }

    void signInForm(Exchange& ex) {
        if (signedIn(ex)) return redirect(ex, "/staff");
        const auto done = ex.request.query("done");
        renderSignIn(ex, 200, {}, {},
                     done == std::optional<std::string>("password") ? "Your password is set. Sign in with it now."
                     : done == std::optional<std::string>("out")    ? "You have signed out."
                                                                    : std::string());
    }

    void signIn(Exchange& ex) {
        if (!formTokenMatches(ex)) return expired(ex, "/staff/sign-in");
        auto email = ex.request.formField("email").value_or("");
        const auto password = ex.request.formField("password").value_or("");
        if (email.size() > kMaxEmailField) email.clear();
        if (email.empty() || password.empty())
            return renderSignIn(ex, 422, email, "Enter your email address and password");
        if (const auto wait = attempts_.take(ex.request.client()); wait.count() > 0) {
            ex.response.header("Retry-After", std::to_string(wait.count()));
            return renderSignIn(ex, 429, email, "There have been too many attempts from your network. Try again later");
        }
        const auto result = signIn_.withPassword(email, password, ex.request.client());
        switch (result.kind) {
        case SignInResult::Kind::refused:
            return renderSignIn(ex, 422, email, "Enter a correct email address and password");
        case SignInResult::Kind::locked: {
            const auto minutes =
                std::max<int64_t>(1, (result.lockedUntil - store::nowMicros() + 59'999'999) / 60'000'000);
            return renderSignIn(ex, 422, email,
                                "This account is locked after too many wrong passwords. Try again in " +
                                    std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes"));
        }
        case SignInResult::Kind::signedIn: break;
        }
        startSession(ex, result.session);
        redirect(ex, landing(result.user));
    }

    void startSession(Exchange& ex, const staff::NewSession& session) const {
        // Until the browser closes (no Max-Age): the store's timeouts end the session, not the cookie's.
        std::string text = std::string(Sessions::kCookie) + "=" + session.id + "; Path=/; HttpOnly; SameSite=Strict";
        if (secure_) text += "; Secure";
        ex.response.header("Set-Cookie", text);
    }

    // ---- Single sign-on -------------------------------------------------------------------------------

    void singleSignOn(Exchange& ex) {
        if (!sso_) return message(ex, 404, "Page not found", "Sign in with your email address and password.");
        const auto start = sso_->client->begin();
        if (!start.ok()) {
            log::warning("sso_unavailable", {{"problem", start.error}});
            return message(ex, 503, "Sign in with " + sso_->name + " is not working now",
                           "Try again in a few minutes, or sign in with your email address and password.");
        }
        const staff::SignInStart remembered{workflows::randomToken(32), start.pending.state, start.pending.nonce,
                                            start.pending.codeVerifier};
        signIn_.sessions().remember(remembered);
        // Lax, not Strict: the provider's redirect back is a navigation from its site, on which a browser
        // sends no Strict cookie. It opens nothing by itself, and is good for one return within ten minutes.
        std::string text = std::string(Sessions::kStartCookie) + "=" + remembered.id +
                           "; Path=/staff/sign-in/callback; Max-Age=600; HttpOnly; SameSite=Lax";
        if (secure_) text += "; Secure";
        ex.response.header("Set-Cookie", text);
        redirect(ex, start.url);
    }

    // `audited`: the trail has it already, under the user's organisations.
    void singleSignOnRefused(Exchange& ex, const std::string& why, bool audited = false) {
        log::warning("sso_refused", {{"problem", why}});
        if (!audited) signIn_.refused("oidc", why, ex.request.client());
        message(ex, 401, "Sign in with " + (sso_ ? sso_->name : std::string("single sign-on")) + " did not work",
                "Go back to the sign-in page and try again. If it keeps happening, tell an admin of your "
                "organisation.");
    }

    void singleSignOnReturn(Exchange& ex) {
        if (!sso_) return message(ex, 404, "Page not found", "Sign in with your email address and password.");
        const auto started = signIn_.sessions().recall(cookieValue(ex, Sessions::kStartCookie));
        if (!started) return singleSignOnRefused(ex, "no sign-in under way for this browser, or it was used");
        if (const auto error = ex.request.query("error"))
            return singleSignOnRefused(ex, "the provider says " + error->substr(0, 100));
        const auto result = sso_->client->finish({started->state, started->nonce, started->codeVerifier},
                                                 ex.request.query("code").value_or(""),
                                                 ex.request.query("state").value_or(""), ex.request.query("iss"));
        if (!result.ok()) return singleSignOnRefused(ex, result.error);
        auto user = userFor(*result.claims);
        if (!user) return singleSignOnRefused(ex, "no user has the email the provider gave");
        const auto signedIn = signIn_.withIdentity(*user, "oidc", ex.request.client());
        if (signedIn.kind != SignInResult::Kind::signedIn) return singleSignOnRefused(ex, "the user is disabled", true);
        startSession(ex, signedIn.session);
        // A page, not a redirect: after a navigation that began on the provider's site a browser would not
        // send the new SameSite=Strict cookie with the redirect, and /staff would ask to sign in again.
        Data data;
        data.set("heading", "You are signed in");
        data.set("paragraphs", Data{Data::type::list});
        data.set("hasButton", true);
        data.set("buttonText", "Continue");
        data.set("buttonHref", landing(signedIn.user));
        send(ex, 200, "You are signed in", "message", data);
    }

    // The user the provider's claim names; a new one when the config lets the provider make users.
    std::optional<staff::User> userFor(const staff::StaffClaims& claims) {
        std::string email;
        for (const auto& value : claims.strings(sso_->claim)) {
            if (!staff::emailProblem(value).empty()) continue;
            if (email.empty()) email = value;
            if (auto user = signIn_.users().byEmail(value)) return user;
        }
        if (email.empty() || !sso_->newUserRole) return std::nullopt;
        const auto made =
            signIn_.users().create(claims.name.empty() ? email.substr(0, email.find('@')) : claims.name, email);
        signIn_.users().grant(made.id, sso_->newUserOrganisation, *sso_->newUserRole);
        return signIn_.users().byId(made.id);
    }

    void signOut(Exchange& ex) {
        const auto who = signedIn(ex);
        if (who) {
            const auto sent = ex.request.formField("csrf");
            if (!sent || !workflows::sameSecret(*sent, who->session.csrf)) return expired(ex, "/staff");
            signIn_.signOut(cookieValue(ex, Sessions::kCookie), ex.request.client());
        }
        ex.response.header("Set-Cookie", cookie(Sessions::kCookie, "", "/", 0));
        redirect(ex, "/staff/sign-in?done=out");
    }

    void signOutEverywhere(Exchange& ex) {
        const auto who = signedIn(ex);
        if (!who) return redirect(ex, "/staff/sign-in");
        const auto sent = ex.request.formField("csrf");
        if (!sent || !workflows::sameSecret(*sent, who->session.csrf)) return expired(ex, "/staff");
        signIn_.signOutEverywhere(*who, ex.request.client());
        ex.response.header("Set-Cookie", cookie(Sessions::kCookie, "", "/", 0));
        redirect(ex, "/staff/sign-in?done=out");
    }

    // The link's user, or the page saying the link cannot be used.
    std::optional<staff::User> linkUser(Exchange& ex) {
        const auto& token = ex.request.param("token");
        const auto userId = token.size() <= 64 ? signIn_.passwords().userOfLink(token) : std::nullopt;
        auto user = userId ? signIn_.users().byId(*userId) : std::nullopt;
        if (!user || !user->active) {
            message(ex, 404, "This link cannot be used",
                    "It has been used already, or it has expired. Ask an admin of your organisation for a new one.");
            return std::nullopt;
        }
        return user;
    }

    void renderSetPassword(Exchange& ex, int status, const staff::User& user, const std::string& error) {
        const auto path = "/staff/set-password/" + ex.request.param("token");
        Data data;
        data.set("action", path);
        data.set("csrf", formToken(ex, path));
        data.set("email", user.email);
        data.set("hasError", !error.empty());
        data.set("error", error);
        data.set("errorSummary", error.empty() ? std::string() : errorSummary("password", error));
        send(ex, status, "Set your password", "staff-set-password", data, !error.empty());
    }

    void setPasswordForm(Exchange& ex) {
        if (const auto user = linkUser(ex)) renderSetPassword(ex, 200, *user, {});
    }

    void setPassword(Exchange& ex) {
        const auto user = linkUser(ex);
        if (!user) return;
        if (!formTokenMatches(ex)) return expired(ex, "/staff/set-password/" + ex.request.param("token"));
        const auto password = ex.request.formField("password").value_or("");
        if (auto problem = staff::Passwords::problem(password, user->email); !problem.empty()) {
            problem[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(problem[0])));
            return renderSetPassword(ex, 422, *user, problem);
        }
        if (ex.request.formField("confirm").value_or("") != password)
            return renderSetPassword(ex, 422, *user, "The two passwords are not the same");
        try {
            signIn_.passwords().setWithLink(ex.request.param("token"), password);
        } catch (const staff::UserError&) {
            return message(ex, 404, "This link cannot be used",
                           "It has been used already, or it has expired. Ask an admin of your organisation for a "
                           "new one.");
        }
        redirect(ex, "/staff/sign-in?done=password");
    }

    staff::SignIn& signIn_;
    std::shared_ptr<const Assets> assets_;
    bool secure_;
    std::optional<SingleSignOn> sso_;
    http::ClientLimit attempts_;
};

} // namespace

void addStaffPages(http::Router& router, staff::SignIn& signIn, const StaffPagesOptions& options) {
    auto pages = std::make_shared<StaffPages>(signIn, options);
    pages->addRoutes(router, pages, options.serveAssets);
}

} // namespace clinhub::web

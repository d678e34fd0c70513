// The pages by which staff sign in and out, and set their password from an invitation: /staff/sign-in,
// /staff (who is signed in, and sign out here or everywhere), /staff/set-password/{token}, and single
// sign-on through an OpenID Connect provider when the config names one.
//
// Server-rendered in the NHS.UK style, without JavaScript, under the same strict Content-Security-Policy
// as the patient pages. The session cookie is HttpOnly and SameSite=Strict; forms that change something
// carry a CSRF token: the session's once signed in, and before that a random one also set in a cookie
// for the form's path (a sign-in page of another site cannot sign someone in as its author).
//
// Single sign-on is the authorisation code flow with PKCE: /staff/sign-in/sso remembers the sign-in in the
// store (state, nonce, verifier) under a cookie of its own and sends the browser to the provider, whose
// redirect to /staff/sign-in/callback is redeemed once; the ID token's email claim names the user.
#pragma once

#include "hub/web/Assets.h"

#include "hub/http/Router.h"
#include "hub/staff/OidcClient.h"
#include "hub/staff/SignIn.h"

#include <memory>
#include <optional>
#include <string>

namespace clinhub::web {

// Sign-in through an OpenID Connect provider (NHS CIS2, or any other), beside local passwords.
struct SingleSignOn {
    std::shared_ptr<staff::OidcClient> client;
    std::string name = "single sign-on"; // on the button: "Sign in with NHS CIS2"
    std::string claim = "email";         // the ID token's claim holding the user's email (a string or a list)
    // Someone the provider vouches for who is no user yet: refused, unless this gives them a role.
    std::optional<staff::Role> newUserRole;
    std::string newUserOrganisation;
};

struct StaffPagesOptions {
    std::shared_ptr<const Assets> assets; // as PagesOptions::assets
    bool secureCookies = false;           // as PagesOptions::secureCookies
    bool serveAssets = false; // on a router of their own (hub.admin_listen), the pages serve /assets/... too
    std::optional<SingleSignOn> singleSignOn;
};

// `signIn` must outlive the router.
void addStaffPages(http::Router& router, staff::SignIn& signIn, const StaffPagesOptions& options);

} // namespace clinhub::web

// The pages by which staff sign in and out, and set their password from an invitation: /staff/sign-in,
// /staff (who is signed in, and sign out here or everywhere), /staff/set-password/{token}, and single
// sign-on through an OpenID Connect provider when the config names one.
//
// Server-rendered in the NHS.UK style, without JavaScript, under the same strict Content-Security-Policy
// as the patient pages. The session cookie is HttpOnly and SameSite=Strict; forms that change something
// carry a CSRF token: the session's once signed in, and before that a random one also set in a cookie
// for the form's path (a sign-in page of another site cannot sign someone in as its author).
#pragma once

#include "hub/http/Router.h"
#include "hub/staff/SignIn.h"

#include <string>

namespace clinhub::web {

struct StaffPagesOptions {
    std::string assetDir;       // as PagesOptions::assetDir
    bool secureCookies = false; // as PagesOptions::secureCookies
    bool serveAssets = false;   // on a router of their own (hub.admin_listen), the pages serve /assets/... too
};

// `signIn` must outlive the router.
void addStaffPages(http::Router& router, staff::SignIn& signIn, const StaffPagesOptions& options);

} // namespace clinhub::web

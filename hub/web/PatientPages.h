// The pages a patient sees after tapping the link in their text message: /b/{token}, the date of birth
// check, free slots, review, confirmation, their appointment, decline; and NHS.UK frontend's CSS and
// images at /assets/....
//
// Server-rendered HTML in the NHS.UK style that needs no JavaScript. Nothing about the patient is shown
// until their date of birth is checked; after that a session cookie bound to the link (path /b/{token})
// carries them through, and every form carries the session's CSRF token. Every page is sent with a
// strict Content-Security-Policy, no referrer (the token is in the URL) and no caching.
#pragma once

#include "hub/web/Assets.h"

#include "hub/http/Router.h"
#include "hub/runtime/Runtime.h"

#include <string>

namespace clinhub::workflows {
class SelfBook;
} // namespace clinhub::workflows

namespace clinhub::web {

struct PagesOptions {
    // NHS.UK frontend's files, shared with the staff pages; nullptr for the source tree's node_modules copy.
    std::shared_ptr<const Assets> assets;
    // Mark the session cookie Secure: set unless the hub is a local demo over plain http.
    bool secureCookies = false;
    // Per client address (http::ClientLimit), an hour; more is answered 429 with Retry-After. 0: no limit.
    int dateOfBirthChecksPerHour = 0;
    int bookingsPerHour = 0;
};

// Adds GET /b/{token} and the pages under it, and GET /assets/.... `selfBook`, `store` (where patient
// sessions are kept) and `runtime` must outlive the router.
void addPatientPages(http::Router& router, workflows::SelfBook& selfBook, store::Store& store,
                     runtime::Current& runtime, const PagesOptions& options);

} // namespace clinhub::web

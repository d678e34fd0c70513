// The staff console: the pages a practice's or vaccination team's staff use every day, under
// /staff/{ods}/..., for the organisation in the path: the day's numbers, sending a patient a link, a
// patient's links and what became of them, the organisation's booking rules, its messages.
//
// Server-rendered in the NHS.UK style and complete without JavaScript, under the patient pages' strict
// Content-Security-Policy. A signed-in user's session opens the organisations they hold a role in; every
// form carries the session's CSRF token; a role that falls short sees no button for the change and is
// refused it anyway (403, audited). The pages call the same workflows as the staff API, with the same
// action names in the audit trail, so nothing a page does follows a rule of its own.
#pragma once

#include "hub/web/Assets.h"

#include "hub/audit/AuditLog.h"
#include "hub/http/Router.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/SignIn.h"
#include "hub/workflows/BatchSelfBook.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"
#include "hub/workflows/SelfBook.h"

#include <memory>

namespace clinhub::console {

// What the pages act through; each must outlive the router.
struct Services {
    store::Store& store;
    runtime::Current& current;
    staff::SignIn& signIn;
    audit::AuditLog& audit;
    outbox::Outbox& outbox;
    workflows::SelfBook& selfBook;
    workflows::BatchSelfBook& batches;
    workflows::Clinics& clinics;
    workflows::Cohorts& cohorts;
    workflows::CommunityClinics& community;
};

struct ConsoleOptions {
    std::shared_ptr<const web::Assets> assets; // the stylesheet the pages link to
};

void addConsole(http::Router& router, const Services& services, const ConsoleOptions& options);

} // namespace clinhub::console

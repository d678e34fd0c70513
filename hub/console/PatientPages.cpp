// A patient, found by NHS number: every link the organisation sent them, newest first, with its state, what
// it booked and where its text message stands. Looking is audited, as the staff API's history is.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

namespace clinhub::console {

void addPatientPages(PageRoutes& routes) {
    auto& selfBook = routes.services().selfBook;
    auto& outbox = routes.services().outbox;
    routes.get("/patients", Role::viewer, "linkHistory", [&selfBook, &outbox](Page& page) {
        auto asked = page.request.query("nhs_number").value_or("");
        if (asked.size() > 20) asked.clear();
        Data data;
        data.set("action", page.path("/patients"));
        data.set("nhsNumber", asked);
        data.set("asked", !asked.empty());
        if (asked.empty()) return page.render(200, Section::patients, "Find a patient", "console-patients", data);
        const auto checked = kit::checkNhsNumber(asked);
        if (!checked.ok()) {
            Data error;
            error.set("message", sentence(checked.problem));
            data.set("nhsNumberError", error);
            data.set("errorSummary", errorSummary({{"nhs-number", sentence(checked.problem)}}));
            return page.render(422, Section::patients, "Find a patient", "console-patients", data, true);
        }
        Data links{Data::type::list};
        bool found = false;
        for (const auto& link : selfBook.history(page.ods(), checked.value, page.by)) {
            const auto rule = page.organisation.rules.find(link.rule);
            Data row;
            row.set("href", page.path("/links/" + link.id));
            row.set("ruleTitle", rule == page.organisation.rules.end() ? link.rule : rule->second.title);
            row.set("state", stateText(link.state));
            row.set("stateTag", stateTag(link.state));
            row.set("sent", whenText(link.createdAt));
            if (const auto* booked = link.currentAppointment())
                row.set("appointment", kit::ukWhenText(booked->slot.start) +
                                           (booked->slot.location.empty() ? "" : ", " + booked->slot.location));
            if (!link.inviteReference.empty())
                if (const auto invite = outbox.find(link.inviteReference)) row.set("invite", messageStateText(*invite));
            links.push_back(row);
            found = true;
        }
        data.set("found", found);
        data.set("links", links);
        data.set("nhsNumberText", nhsNumberText(checked.value));
        data.set("canSend", page.can(Role::staff));
        data.set("sendHref", page.path("/links/new?nhs_number=" + checked.value));
        page.render(200, Section::patients, "NHS number " + nhsNumberText(checked.value), "console-patients", data);
    });
}

} // namespace clinhub::console

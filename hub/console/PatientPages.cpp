// A patient, found by NHS number: every link the organisation sent them, newest first, with its state, what
// it booked and where its text message stands. Looking is audited, as the staff API's history is.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

namespace clinhub::console {

namespace {

constexpr int kLinksShown = 50;
// The states a list can be filtered by, as staff name them, in the order a link lives them.
constexpr links::LinkState kListStates[] = {
    links::LinkState::sent,        links::LinkState::accessed, links::LinkState::booked,
    links::LinkState::rescheduled, links::LinkState::declined, links::LinkState::expired,
    links::LinkState::failed,      links::LinkState::locked,   links::LinkState::deleted};

// The organisation's links, newest first, a page at a time, filtered by state, rule and the days sent.
void linksPage(workflows::SelfBook& selfBook, Page& page) {
    const auto query = [&](const char* name, std::size_t max) {
        auto value = page.request.query(name).value_or("");
        return value.size() > max ? std::string() : value;
    };
    links::LinkFilter filter{page.ods()};
    const auto state = query("state", 20);
    filter.state = links::linkStateFrom(state);
    filter.rule = query("rule", 100);
    const auto from = query("from", 10);
    const auto to = query("to", 10);
    std::vector<std::pair<std::string, std::string>> errors;
    if (!from.empty() && !kit::parseDate(from)) errors.emplace_back("from", "Enter the first day as YYYY-MM-DD");
    if (!to.empty() && !kit::parseDate(to)) errors.emplace_back("to", "Enter the last day as YYYY-MM-DD");
    if (!from.empty() && errors.empty()) filter.from = kit::ukMidnight(from) * 1'000'000;
    // Up to the end of the last day, UK time.
    if (!to.empty() && errors.empty())
        filter.to = kit::ukMidnight(kit::isoDate(std::chrono::sys_days(*kit::parseDate(to)) + std::chrono::days(1))) *
                    1'000'000;
    filter.before = query("before", 64);
    filter.limit = kLinksShown;
    Data rows{Data::type::list};
    workflows::LinkPage found;
    if (errors.empty()) {
        try {
            found = selfBook.list(filter);
        } catch (const workflows::InvalidRequest&) {
            filter.before.clear(); // an address kept from a list since gone: start again from the newest
            found = selfBook.list(filter);
        }
    }
    for (const auto& link : found.links) {
        const auto rule = page.organisation.rules.find(link.rule);
        Data row;
        row.set("href", page.path("/links/" + link.id));
        row.set("ruleTitle", rule == page.organisation.rules.end() ? link.rule : rule->second.title);
        row.set("nhsNumber", nhsNumberText(link.nhsNumber));
        row.set("state", stateText(link.state));
        row.set("stateTag", stateTag(link.state));
        row.set("sent", whenText(link.createdAt));
        rows.push_back(row);
    }
    Data states{Data::type::list};
    for (const auto s : kListStates) {
        Data option;
        option.set("value", std::string(links::toString(s)));
        option.set("label", stateText(s));
        option.set("selected", filter.state == s);
        states.push_back(option);
    }
    Data rules{Data::type::list};
    for (const auto& [id, rule] : page.organisation.rules) {
        Data option;
        option.set("value", id);
        option.set("label", rule.title.empty() ? id : rule.title);
        option.set("selected", id == filter.rule);
        rules.push_back(option);
    }
    Data data;
    data.set("action", page.path("/links"));
    data.set("states", states);
    data.set("rules", rules);
    data.set("from", from);
    data.set("to", to);
    data.set("links", rows);
    data.set("any", !found.links.empty());
    data.set("shown", std::to_string(kLinksShown));
    for (const auto& [field, message] : errors) {
        Data error;
        error.set("message", message);
        data.set(field + "Error", error);
    }
    data.set("errorSummary", errors.empty() ? std::string() : errorSummary(errors));
    if (!found.next.empty())
        data.set("nextHref", page.path("/links?state=" + state + "&rule=" + filter.rule + "&from=" + from +
                                       "&to=" + to + "&before=" + found.next));
    page.render(errors.empty() ? 200 : 422, Section::patients, "Links", "console-links", data, !errors.empty());
}

} // namespace

void addPatientPages(PageRoutes& routes) {
    routes.get("/links", Role::viewer,
               [&selfBook = routes.services().selfBook](Page& page) { linksPage(selfBook, page); });
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

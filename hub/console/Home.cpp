// The organisation's home: what happened to its links today, and its messages that wait or failed.
#include "hub/console/Page.h"

#include <clinhub/kit/UkTime.hpp>

#include <ctime>

namespace clinhub::console {
namespace {

// The day's link events as staff name them, in the order a link lives them.
struct Count {
    const char* event;
    const char* label;
};
constexpr Count kToday[] = {
    {"sent", "Links sent"},         {"accessed", "Opened"},   {"booked", "Booked"},
    {"rescheduled", "Rescheduled"}, {"declined", "Declined"}, {"expired", "Expired"},
};

int64_t valueOr0(const std::map<std::string, int64_t>& counts, const std::string& key) {
    const auto found = counts.find(key);
    return found == counts.end() ? 0 : found->second;
}

} // namespace

void addHomePage(PageRoutes& routes) {
    const auto services = routes.services();
    routes.get("", Role::viewer, [services](Page& page) {
        const auto today = kit::ukMidnight(kit::isoDate(kit::localDate(std::time(nullptr), kit::Zone::europeLondon)));
        const auto activity = services.selfBook.activitySince(page.ods(), today * 1'000'000);
        Data links{Data::type::list};
        for (const auto& count : kToday) {
            Data row;
            row.set("label", count.label);
            row.set("count", std::to_string(valueOr0(activity, count.event)));
            links.push_back(row);
        }
        const auto messages = services.outbox.countByState(page.ods());
        Data data;
        data.set("today", kit::ukDayText(today));
        data.set("links", links);
        data.set("queued", std::to_string(valueOr0(messages, "queued") + valueOr0(messages, "sending")));
        const auto failed = valueOr0(messages, "failed");
        data.set("failed", std::to_string(failed));
        data.set("hasFailed", failed > 0);
        data.set("failedHref", page.path("/messages?state=failed"));
        data.set("canSend", page.can(Role::staff));
        data.set("sendHref", page.path("/links/new"));
        page.render(200, Section::home, "Home", "console-home", data);
    });
}

} // namespace clinhub::console

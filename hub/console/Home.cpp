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

constexpr int kBatchesShown = 10;
constexpr int kClinicsShown = 3; // per campaign

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
        Data batches{Data::type::list};
        bool anyBatches = false;
        for (const auto& b : services.batches.inProgress(page.ods(), kBatchesShown)) {
            const auto rule = page.organisation.rules.find(b.terms.rule);
            Data row;
            row.set("href", page.path("/batches/" + b.id));
            row.set("title", rule == page.organisation.rules.end() ? b.terms.rule : rule->second.title);
            row.set("state", b.state == "sending"
                                 ? std::to_string(b.minted) + " of " + std::to_string(b.canSend) + " links made"
                             : b.state == "scheduled"
                                 ? "to send to " + std::to_string(b.canSend) + " on " + whenText(b.scheduledFor)
                             : b.state == "uploading" ? std::string("list being checked")
                                                      : "ready to send to " + std::to_string(b.canSend));
            batches.push_back(row);
            anyBatches = true;
        }
        data.set("batches", batches);
        data.set("anyBatches", anyBatches);
        Data clinics{Data::type::list};
        bool anyClinics = false;
        for (const auto& [id, campaign] : page.organisation.campaigns) {
            int shown = 0;
            for (const auto& c : services.clinics.list(page.ods(), id, false)) {
                if (c.placesLeft() <= 0 || ++shown > kClinicsShown) continue;
                Data row;
                row.set("href", page.path("/campaigns/" + id));
                row.set("when", kit::ukWhenText(c.startsAt));
                row.set("location", c.location);
                row.set("places", std::to_string(c.placesLeft()));
                clinics.push_back(row);
                anyClinics = true;
            }
        }
        data.set("clinics", clinics);
        data.set("anyClinics", anyClinics);
        data.set("canSend", page.can(Role::staff));
        data.set("sendHref", page.path("/links/new"));
        page.render(200, Section::home, "Home", "console-home", data);
    });
}

} // namespace clinhub::console

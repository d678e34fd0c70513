// The organisation's outbox as staff see it: counts by state, the messages of one state newest first (the
// failed ones with their reason and a button to try again), never a message's text: it carries a link.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include <algorithm>
#include <array>

namespace clinhub::console {
namespace {

struct State {
    const char* state;
    const char* label;
};
constexpr std::array<State, 4> kStates{
    {{"failed", "Failed"}, {"queued", "Waiting"}, {"sending", "Sending"}, {"sent", "Sent"}}};
constexpr int kShown = 50;
// "Send all failed messages again" takes this many of the newest at a time, as it did when a page showed them.
constexpr int kRequeuedAtOnce = 200;

std::string shownState(Page& page) {
    auto asked = page.request.query("state").value_or("failed");
    for (const auto& s : kStates)
        if (asked == s.state) return asked;
    return "failed";
}

} // namespace

void addMessagePages(PageRoutes& routes) {
    auto& outbox = routes.services().outbox;
    routes.get("/messages", Role::viewer, [&outbox](Page& page) {
        const auto state = shownState(page);
        const auto counts = outbox.countByState(page.ods());
        Data tabs{Data::type::list};
        for (const auto& s : kStates) {
            const auto found = counts.find(s.state);
            Data tab;
            tab.set("label", s.label);
            tab.set("count", std::to_string(found == counts.end() ? 0 : found->second));
            tab.set("href", page.path(std::string("/messages?state=") + s.state));
            tab.set("current", state == s.state);
            tabs.push_back(tab);
        }
        // A cursor that cannot be read starts again from the newest, as a page without one does.
        const auto before = outbox::MessageCursor::parse(page.request.query("before").value_or(""));
        const auto found = outbox.page(page.ods(), state, kShown, before);
        Data rows{Data::type::list};
        bool any = false;
        for (const auto& m : found.messages) {
            Data row;
            row.set("reference", m.reference);
            row.set("channel", channelText(m.channel));
            row.set("updated", whenText(m.updatedAt));
            row.set("attempts", std::to_string(m.attempts));
            row.set("status", messageStateText(m));
            row.set("requeueAction", page.path("/messages/" + m.reference + "/requeue"));
            row.set("canRequeue", m.state == "failed" && page.can(Role::staff));
            rows.push_back(row);
            any = true;
        }
        const auto label =
            std::find_if(kStates.begin(), kStates.end(), [&](const State& s) { return state == s.state; });
        Data data;
        data.set("tabs", tabs);
        data.set("messages", rows);
        data.set("any", any);
        data.set("stateLabel", lowerCase(label->label));
        data.set("failed", state == "failed");
        data.set("canRequeueAll", any && state == "failed" && page.can(Role::staff));
        data.set("requeueAllAction", page.path("/messages/requeue-failed"));
        data.set("shown", std::to_string(kShown));
        data.set("later", before.has_value());
        if (before) data.set("newestHref", page.path(std::string("/messages?state=") + state));
        if (found.next)
            data.set("nextHref", page.path(std::string("/messages?state=") + state + "&before=" + found.next->text()));
        const auto done = page.request.query("done").value_or("");
        setText(data, "notice",
                done == "requeued" ? "The message will be sent again"
                : done == "all"    ? "The failed messages will be sent again"
                                   : "");
        page.render(200, Section::messages, "Messages", "console-messages", data);
    });
    routes.post("/messages/{reference}/requeue", Role::staff, "requeueMessage", [&outbox](Page& page) {
        switch (outbox.requeue(page.ods(), page.request.param("reference"), page.by)) {
        case outbox::Requeue::notFound: throw workflows::NotFound("no such message");
        case outbox::Requeue::notFailed:
            return page.message(409, "This message cannot be sent again", "Only a failed message can be sent again.");
        case outbox::Requeue::forgotten:
            return page.message(409, "This message cannot be sent again",
                                "Its content was removed after the retention period. Send the patient a new link.");
        case outbox::Requeue::requeued: break;
        }
        page.redirect(page.path("/messages?state=failed&done=requeued"));
    });
    // Each one audited as requeueMessage, as if pressed one by one; those whose content is gone stay failed.
    routes.post("/messages/requeue-failed", Role::staff, "requeueMessage", [&outbox](Page& page) {
        for (const auto& m : outbox.list(page.ods(), "failed", kRequeuedAtOnce))
            outbox.requeue(page.ods(), m.reference, page.by);
        page.redirect(page.path("/messages?state=failed&done=all"));
    });
}

} // namespace clinhub::console

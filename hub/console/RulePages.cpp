// The organisation's booking rules as its YAML sets them, read-only: what each link books, for how long it
// works, what the patient may do with it, the texts they are sent and the codes written to their record, so
// staff choose a rule by what it does and never need its id.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include "hub/workflows/CallWindows.h"
#include "hub/workflows/Messages.h"

namespace clinhub::console {
namespace {

std::string codeText(const std::optional<config::Code>& code) {
    if (!code) return "None";
    return code->term.empty() ? code->code : code->term + " (" + code->code + ")";
}

std::string daysText(int days) { return std::to_string(days) + (days == 1 ? " day" : " days"); }

// Face to face, or by telephone in the windows patients choose from, with the notice the rule asks.
std::string modeText(const config::Rule& rule) {
    if (rule.mode == config::AppointmentMode::faceToFace) return "Face to face";
    std::string text = "By telephone, never on the day";
    if (rule.minNoticeHours > 0)
        text += " nor within " + std::to_string(rule.minNoticeHours) + (rule.minNoticeHours == 1 ? " hour" : " hours");
    text += ". Patients choose when we call:";
    for (std::size_t i = 0; i < rule.windows.size(); ++i)
        text += (i == 0 ? " " : "; ") + workflows::windowText(rule.windows[i]);
    return text;
}

Data textRow(const config::Rule& rule, const char* name, const char* label, const std::string& text) {
    Data row;
    row.set("label", label);
    row.set("text", text);
    row.set("default", rule.templates.find(name) == rule.templates.end());
    return row;
}

} // namespace

void addRulePages(PageRoutes& routes) {
    routes.get("/rules", Role::viewer, [](Page& page) {
        Data rules{Data::type::list};
        for (const auto& [id, rule] : page.organisation.rules) {
            Data r;
            r.set("id", id);
            r.set("title", rule.title.empty() ? id : rule.title);
            r.set("slotTypes", joined(rule.slotTypes));
            r.set("mode", modeText(rule));
            r.set("horizon", daysText(rule.horizonDays));
            r.set("expiry", daysText(rule.linkExpiryDays));
            r.set("decline", rule.allowDecline ? "Yes" : "No");
            r.set("reschedule", rule.allowReschedule ? "Yes" : "No");
            r.set("inviteCode", codeText(rule.inviteCode));
            r.set("bookedCode", codeText(rule.bookedCode));
            r.set("declineCode", codeText(rule.declineCode));
            Data texts{Data::type::list};
            texts.push_back(textRow(rule, "invite_sms", "Invite", workflows::messages::inviteSms(rule)));
            texts.push_back(
                textRow(rule, "confirmation_sms", "Booking confirmed", workflows::messages::confirmationSms(rule)));
            for (const auto& [name, text] : rule.templates)
                if (name != "invite_sms" && name != "confirmation_sms") {
                    Data row;
                    row.set("label", name);
                    row.set("text", text);
                    row.set("default", false);
                    texts.push_back(row);
                }
            r.set("texts", texts);
            r.set("canSend", page.can(Role::staff));
            r.set("sendHref", page.path("/links/new?rule=" + id));
            rules.push_back(r);
        }
        Data data;
        data.set("rules", rules);
        page.render(200, Section::rules, "Booking rules", "console-rules", data);
    });
}

} // namespace clinhub::console

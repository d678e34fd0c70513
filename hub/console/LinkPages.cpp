// Sending one patient a link (choose the rule by its title, enter the patient, preview the SMS, send), and a
// link's own page: its state, what it books, its history, its appointments and its invite's delivery, with
// "Expire link" and "Send again".
#include "hub/console/Page.h"
#include "hub/console/Wording.h"
#include "hub/workflows/InviteText.h"
#include "hub/workflows/Messages.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cctype>
#include <ctime>

namespace clinhub::console {
namespace {

using workflows::FieldError;
using workflows::InvalidRequest;
using workflows::PatientDetails;

// The form's fields, by the workflow's names for them, and the id of each on the page.
struct FormField {
    const char* workflow;
    const char* id;
};
constexpr FormField kFields[] = {{"rule", "rule"},
                                 {"message", "message"},
                                 {"patient.nhs_number", "nhs-number"},
                                 {"patient.date_of_birth", "date-of-birth"},
                                 {"patient.mobile", "mobile"},
                                 {"patient.name", "name"}};

std::string fieldId(const std::string& workflowName) {
    for (const auto& f : kFields)
        if (workflowName == f.workflow) return f.id;
    return "rule";
}

struct LinkForm {
    std::string rule;
    PatientDetails patient;
    std::string message;  // "" for the rule's own invite
    bool anyHour = false; // sent now even in quiet hours: the patient is waiting for it

    static LinkForm read(Page& page) {
        return {page.field("rule"),
                {page.field("nhs_number"), page.field("date_of_birth"), page.field("mobile"), page.field("name")},
                page.field("message", 4096),
                page.field("any_hour") == "yes"};
    }
    void fill(Data& data) const {
        data.set("message", message);
        data.set("nhsNumber", patient.nhsNumber);
        data.set("dateOfBirth", patient.dateOfBirth);
        data.set("mobile", patient.mobile);
        data.set("name", patient.name);
    }
};

void renderForm(Page& page, int status, const LinkForm& form, const std::vector<FieldError>& errors) {
    Data rules{Data::type::list};
    for (const auto& [id, rule] : page.organisation.rules) {
        Data option;
        option.set("id", id);
        option.set("title", rule.title.empty() ? id : rule.title);
        option.set("selected", id == form.rule);
        rules.push_back(option);
    }
    Data data;
    data.set("rules", rules);
    data.set("action", page.path("/links/new"));
    data.set("checkAction", page.path("/links/check"));
    form.fill(data);
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& f : kFields) {
        const std::string id = f.id;
        for (const auto& e : errors)
            if (fieldId(e.field) == id) {
                summary.emplace_back(id, sentence(e.message));
                Data error;
                error.set("message", sentence(e.message));
                data.set(camelCase(id) + "Error", error);
                break;
            }
    }
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
    page.render(status, Section::send, "Send a booking link", "console-send-link", data, !errors.empty());
}

void newLinkForm(Page& page) {
    LinkForm form;
    form.rule = page.request.query("rule").value_or("");
    form.patient.nhsNumber = page.request.query("nhs_number").value_or("");
    if (form.patient.nhsNumber.size() > 20) form.patient.nhsNumber.clear();
    renderForm(page, 200, form, {});
}

// One post, three steps: "preview" checks the details and shows the SMS, "change" goes back to the form with
// them, "send" sends.
void postNewLink(workflows::SelfBook& selfBook, Page& page) {
    const auto form = LinkForm::read(page);
    const auto step = page.field("step");
    if (step == "change") return renderForm(page, 200, form, {});
    try {
        if (step == "send") {
            const auto created =
                selfBook.createLink(page.ods(), form.rule, form.patient, page.by, form.message, form.anyHour);
            return page.redirect(page.path("/links/" + created.link.id + "?done=sent"));
        }
        const auto preview = selfBook.previewLink(page.ods(), form.rule, form.patient, form.message);
        const auto& rule = page.organisation.rules.at(form.rule);
        Data data;
        data.set("action", page.path("/links/new"));
        data.set("rule", form.rule);
        data.set("ruleTitle", rule.title.empty() ? form.rule : rule.title);
        form.fill(data);
        data.set("nhsNumberText", nhsNumberText(preview.patient.nhsNumber));
        data.set("dateOfBirthText", kit::ukDayText(kit::ukMidnight(preview.patient.dateOfBirth)));
        data.set("mobileText", preview.patient.mobile);
        data.set("invite", lineBreaks(preview.invite));
        data.set("fragments", countOf(preview.smsFragments, "text message", "text messages"));
        data.set("expiryDays", std::to_string(rule.linkExpiryDays));
        // In quiet hours the text waits for their end, unless staff send it to a patient who is waiting for it.
        if (const auto end = page.organisation.quietHours.endOf(std::time(nullptr))) {
            Data quiet;
            quiet.set("hours", page.organisation.quietHours.text());
            quiet.set("end", kit::ukTimeText(*end));
            quiet.set("anyHour", form.anyHour);
            data.set("quiet", quiet);
        }
        page.render(200, Section::send, "Check the link before you send it", "console-send-preview", data);
    } catch (const InvalidRequest& e) {
        renderForm(page, 422, form, e.errors());
    }
}

// The form checked as it is filled in (the console's script asks as staff leave each field): the post's own
// check, answered as JSON: each field at fault by its id on the page, and how long the text message is.
// Nothing changes, so nothing is audited. The batch form asks too, with a rule and a text only.
void checkLinkForm(workflows::SelfBook& selfBook, Page& page) {
    const auto form = LinkForm::read(page);
    Poco::JSON::Array::Ptr errors = new Poco::JSON::Array;
    try {
        (void)selfBook.previewLink(page.ods(), form.rule, form.patient, form.message);
    } catch (const InvalidRequest& e) {
        for (const auto& error : e.errors()) {
            Poco::JSON::Object::Ptr field = new Poco::JSON::Object;
            field->set("field", fieldId(error.field));
            field->set("message", sentence(error.message));
            errors->add(field);
        }
    }
    Poco::JSON::Object::Ptr result = new Poco::JSON::Object;
    result->set("errors", errors);
    const auto rule = page.organisation.rules.find(form.rule);
    if (rule != page.organisation.rules.end()) {
        const auto text = workflows::checkInviteText(
            *page.runtime, page.ods(), rule->second,
            form.message.empty() ? workflows::messages::inviteSms(rule->second) : form.message,
            form.patient.name.empty() ? std::nullopt : std::optional(form.patient.name));
        if (text.fragments > 0)
            result->set("length", (form.message.empty() ? "The rule's own text: " : "") +
                                      countOf(text.fragments, "text message", "text messages") + " (" +
                                      countOf(text.characters, "character", "characters") + ")");
    }
    page.response.json(Poco::Dynamic::Var(result));
}

void linkPage(workflows::SelfBook& selfBook, outbox::Outbox& outbox, Page& page) {
    const auto link = selfBook.find(page.ods(), page.request.param("id"));
    if (!link) throw workflows::NotFound("no such link");
    const auto rule = page.organisation.rules.find(link->rule);
    Data data;
    data.set("id", link->id);
    data.set("state", stateText(link->state));
    data.set("stateTag", stateTag(link->state));
    data.set("ruleTitle", rule == page.organisation.rules.end() ? link->rule : rule->second.title);
    setText(data, "slotTypes", rule == page.organisation.rules.end() ? std::string() : joined(rule->second.slotTypes));
    data.set("forgotten", link->patient.nhsNumber.empty());
    data.set("nhsNumber", nhsNumberText(link->patient.nhsNumber));
    data.set("patientHref", page.path("/patients?nhs_number=" + link->patient.nhsNumber));
    setText(data, "name", link->patient.name);
    data.set("mobile", link->patient.mobile);
    data.set("created", whenText(link->createdAt));
    data.set("expires", whenText(link->expiresAt));
    setText(data, "batch", link->batch ? link->batch->batchId : std::string());
    if (!link->inviteReference.empty()) {
        const auto invite = outbox.find(link->inviteReference);
        data.set("invite", invite ? messageStateText(*invite) : std::string("not known"));
    }
    Data events{Data::type::list};
    for (const auto& e : link->events) {
        Data event;
        event.set("at", whenText(e.at));
        event.set("what", eventText(e.event));
        setText(event, "detail", e.detail.starts_with("invite ") ? std::string() : e.detail);
        events.push_back(event);
    }
    data.set("events", events);
    Data appointments{Data::type::list};
    for (const auto& a : link->appointments) {
        Data appointment;
        // A telephone window: the slot's time in the book, and the window the patient was promised a call in.
        appointment.set("when", a.callFrom == 0
                                    ? kit::ukWhenText(a.slot.start)
                                    : kit::ukWhenText(a.slot.start) + "; the patient chose a call between " +
                                          kit::ukTimeText(a.callFrom) + " and " + kit::ukTimeText(a.callTo));
        appointment.set("slotType", a.slot.slotType);
        setText(appointment, "clinician", a.slot.clinician);
        appointment.set("location", a.slot.location);
        appointment.set("state", a.state == links::AppointmentState::booked ? "Booked" : "Moved to a new time");
        appointments.push_back(appointment);
    }
    data.set("appointments", appointments);
    Data messages{Data::type::list};
    for (const auto& m : outbox.aboutLink(page.ods(), link->id)) {
        Data message;
        message.set("queued", whenText(m.createdAt));
        message.set("what", messageWhatText(m, m.reference == link->inviteReference));
        message.set("state", messageStateText(m));
        messages.push_back(message);
    }
    data.set("hasMessages", !messages.is_empty_list());
    data.set("messages", messages);
    data.set("hasAppointments", !link->appointments.empty());
    const bool canChange = page.can(Role::staff);
    data.set("canExpire", canChange && links::moves::expireByStaff.allows(link->state));
    data.set("canResend", canChange && !link->patient.nhsNumber.empty());
    data.set("expireAction", page.path("/links/" + link->id + "/expire"));
    data.set("resendAction", page.path("/links/" + link->id + "/resend"));
    data.set("canCancel", canChange && links::booked(link->state));
    data.set("cancelAction", page.path("/links/" + link->id + "/cancel-appointment"));
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "sent"        ? "Link sent"
            : done == "expired"   ? "Link expired"
            : done == "resent"    ? "A new link was sent and the old one expired"
            : done == "cancelled" ? "Appointment cancelled: the patient is sent a text to say so"
                                  : "");
    page.render(200, Section::patients, "Link " + link->id, "console-link", data);
}

} // namespace

void addLinkPages(PageRoutes& routes) {
    auto& selfBook = routes.services().selfBook;
    auto& outbox = routes.services().outbox;
    routes.get("/links/new", Role::staff, newLinkForm);
    routes.post("/links/new", Role::staff, "createLink", [&selfBook](Page& page) { postNewLink(selfBook, page); });
    routes.post("/links/check", Role::staff, "previewLink", [&selfBook](Page& page) { checkLinkForm(selfBook, page); });
    routes.get("/links/{id}", Role::viewer, [&selfBook, &outbox](Page& page) { linkPage(selfBook, outbox, page); });
    routes.post("/links/{id}/expire", Role::staff, "expireLink", [&selfBook](Page& page) {
        const auto& id = page.request.param("id");
        if (!selfBook.expire(page.ods(), id, page.by)) {
            const auto link = selfBook.find(page.ods(), id);
            if (!link) throw workflows::NotFound("no such link");
            return page.message(409, "This link cannot be expired",
                                "It is " + lowerCase(stateText(link->state)) + ", so it no longer books anything.");
        }
        page.redirect(page.path("/links/" + id + "?done=expired"));
    });
    routes.post("/links/{id}/cancel-appointment", Role::staff, "cancelAppointment", [&selfBook](Page& page) {
        const auto& id = page.request.param("id");
        const auto outcome = selfBook.cancelByStaff(page.ods(), id, page.by);
        if (outcome.kind == workflows::BookOutcome::Kind::notAllowed)
            return page.message(409, "This appointment cannot be cancelled", sentence(outcome.message));
        if (outcome.kind != workflows::BookOutcome::Kind::cancelled)
            return page.message(502, "The appointment book did not cancel the appointment",
                                "Nothing was changed. " + sentence(outcome.message));
        page.redirect(page.path("/links/" + id + "?done=cancelled"));
    });
    routes.post("/links/{id}/resend", Role::staff, "resendLink", [&selfBook](Page& page) {
        const auto created = selfBook.resend(page.ods(), page.request.param("id"), page.by);
        page.redirect(page.path("/links/" + created.link.id + "?done=resent"));
    });
}

} // namespace clinhub::console

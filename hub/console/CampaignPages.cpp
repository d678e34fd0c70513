// A vaccination campaign as accuBook and Mavis have it: its clinics upcoming and completed (add one, publish or
// hide it, change its day, times, dose, vaccine type or places), its cohort uploaded and labelled from the
// national records, the members by status with the dose-1 week sub-filter, the invite previewed (who, why the
// others are left out, the text for this send) then sent or scheduled, one member's activity log with booking
// on their behalf (patient-facing or user-facing options, which add hidden clinics), consent asked for or
// taken by phone, a child invited to a community clinic or added to today's session, booking reminders, and
// the children a school session missed.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"
#include "hub/web/Pages.h"

#include "hub/batch/CsvReader.h"
#include "hub/domain/Vaccination.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"
#include "hub/workflows/StartTime.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <functional>

namespace clinhub::console {
namespace {

using workflows::FieldError;
using workflows::InvalidRequest;
using workflows::Member;

constexpr std::size_t kMembersShown = 200;
constexpr int kCompletedShown = 100;

std::string encoded(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "/?#%&=+ ", out);
    return out;
}

const config::Campaign& campaignOf(const Page& page) {
    const auto found = page.organisation.campaigns.find(page.request.param("campaign"));
    if (found == page.organisation.campaigns.end()) throw workflows::NotFound("no such campaign");
    return found->second;
}

std::string campaignPath(const Page& page, const std::string& rest = {}) {
    return page.path("/campaigns/" + encoded(page.request.param("campaign")) + rest);
}

std::string campaignTitle(const Page& page, const config::Campaign& campaign) {
    const auto rule = page.organisation.rules.find(campaign.rule);
    return rule == page.organisation.rules.end() || rule->second.title.empty() ? campaign.id : rule->second.title;
}

// "awaiting_2nd_invite" → "Awaiting 2nd invite".
std::string statusText(const std::string& status) {
    std::string out = status;
    for (auto& c : out)
        if (c == '_') c = ' ';
    return sentence(out);
}

Data clinicRow(const Page& page, const workflows::Clinic& c) {
    Data row;
    row.set("id", c.id);
    row.set("when",
            kit::ukDayText(c.startsAt) + ", " + kit::ukTimeText(c.startsAt) + " to " + kit::ukTimeText(c.endsAt));
    row.set("location", c.location);
    row.set("dose", c.dose == "both" ? std::string("1st and 2nd") : c.dose == "first" ? "1st" : "2nd");
    row.set("vaccine", c.vaccine.term);
    row.set("places", std::to_string(c.placesLeft()) + " of " + std::to_string(c.capacity));
    row.set("capacity", std::to_string(c.capacity));
    row.set("published", c.published);
    row.set("kind", !c.schoolUrn.empty() ? "School session" : c.community ? "Community clinic" : "Clinic");
    row.set("school", !c.schoolUrn.empty());
    row.set("booked", std::to_string(c.booked));
    row.set("updateAction", campaignPath(page, "/clinics/" + c.id));
    row.set("editHref", campaignPath(page, "/clinics/" + c.id));
    row.set("missedAction", campaignPath(page, "/clinics/" + c.id + "/missed"));
    return row;
}

Data memberRow(const Page& page, const Member& m) {
    Data row;
    row.set("href", campaignPath(page, "/members/" + m.id));
    row.set("nhsNumber", nhsNumberText(m.patient.nhsNumber));
    row.set("name", m.patient.name);
    row.set("status", statusText(m.status));
    row.set("dose1", m.dose1On.empty() ? std::string("None") : kit::ukDayText(kit::ukMidnight(m.dose1On)));
    row.set("mobile", m.patient.mobile.empty() ? std::string("None") : m.patient.mobile);
    return row;
}

Data membersData(const Page& page, const std::vector<Member>& members) {
    Data list{Data::type::list};
    for (std::size_t i = 0; i < members.size() && i < kMembersShown; ++i)
        list.push_back(memberRow(page, members[i]));
    return list;
}

// Who an invite or invitation leaves out, and why.
Data skippedData(const Page& page, const std::vector<std::pair<Member, std::string>>& skipped) {
    Data list{Data::type::list};
    for (const auto& [m, why] : skipped) {
        auto row = memberRow(page, m);
        row.set("reason", sentence(why));
        list.push_back(row);
    }
    return list;
}

// ---- The campaign: clinics and the cohort ---------------------------------------------------------------

std::string doseText(const std::string& dose) {
    return dose == "both" ? std::string("1st and 2nd doses") : dose == "second" ? "2nd dose" : "1st dose";
}

// The fields of a clinic (workflows::NewClinic's), as the add and change forms show them with their errors;
// the error summary goes in data.
void clinicFields(Data& data, const config::Campaign& campaign, const workflows::NewClinic& c,
                  const std::string& capacity, const std::vector<FieldError>& errors) {
    Data fields;
    fields.set("formDate", c.date);
    fields.set("formStart", c.start);
    fields.set("formEnd", c.end);
    fields.set("formLocation", c.location);
    fields.set("formVaccineCode", c.vaccine.code);
    fields.set("formVaccineTerm", c.vaccine.term);
    fields.set("formCapacity", capacity);
    Data doses{Data::type::list};
    for (const char* dose : {"first", "second", "both"}) {
        if (campaign.doses < 2 && std::string_view(dose) != "first" && c.dose != dose) continue;
        Data option;
        option.set("value", dose);
        option.set("label", doseText(dose));
        option.set("selected", c.dose == dose);
        doses.push_back(option);
    }
    fields.set("doseOptions", doses);
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& e : errors) {
        const auto id = "clinic-" + std::string(e.field.substr(0, e.field.find('.')));
        summary.emplace_back(id, sentence(e.message));
        Data error;
        error.set("message", sentence(e.message));
        fields.set(camelCase(id) + "Error", error);
        data.set(camelCase(id) + "Error", error);
    }
    data.set("clinicFields", web::renderFragment("console-clinic-fields", fields));
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
}

// The places a form gives: -1, which the workflow refuses, for anything but a number.
int capacityOf(const std::string& text) {
    return !text.empty() && text.size() < 6 && text.find_first_not_of("0123456789") == std::string::npos
               ? std::stoi(text)
               : -1;
}

// What the campaign page says of the automatic community invitations (Mavis: 3 weeks before the first clinic).
std::string communityText(const config::Campaign& campaign, const std::vector<workflows::Clinic>& upcoming) {
    const auto first = std::find_if(upcoming.begin(), upcoming.end(),
                                    [](const workflows::Clinic& c) { return c.community && c.published; });
    if (first == upcoming.end()) return {};
    const auto from = kit::ukDayText(first->startsAt);
    if (campaign.communityInviteDays <= 0)
        return "Home-schooled children and those whose school is unknown are not invited automatically: invite "
               "each child from their page. The first community clinic is on " +
               from + ".";
    return "Parents of home-schooled children and of children whose school is unknown are invited automatically " +
           std::to_string(campaign.communityInviteDays) + " days before the first community clinic, on " + from + ".";
}

// Who a scheduled invite round is for, as the members page filters them.
std::string roundText(const workflows::ScheduledInvite& round) {
    if (!round.request.memberIds.empty())
        return std::to_string(round.request.memberIds.size()) + " chosen members, dose " +
               std::to_string(round.request.dose);
    std::string out = statusText(round.request.status);
    if (!round.request.dose1Week.empty())
        out += ", 1st dose in the week of " + kit::ukDayText(kit::ukMidnight(round.request.dose1Week));
    return out;
}

void campaignPage(workflows::Clinics& clinics, workflows::Cohorts& cohorts, Page& page, int status = 200,
                  const std::vector<FieldError>& errors = {}, Data form = {}) {
    const auto& campaign = campaignOf(page);
    const auto upcoming = clinics.list(page.ods(), campaign.id, false);
    Data rows{Data::type::list};
    for (const auto& c : upcoming)
        rows.push_back(clinicRow(page, c));
    Data data = std::move(form);
    if (data.get("clinicFields") == nullptr) {
        workflows::NewClinic blank;
        blank.dose = "first";
        clinicFields(data, campaign, blank, {}, errors);
    }
    data.set("title", campaignTitle(page, campaign));
    data.set("clinics", rows);
    data.set("anyClinics", !upcoming.empty());
    data.set("completedHref", campaignPath(page, "/completed-clinics"));
    const bool staff = page.can(Role::staff);
    data.set("canChange", staff);
    data.set("createAction", campaignPath(page, "/clinics"));
    data.set("cohortAction", campaignPath(page, "/cohort?csrf=" + page.who.session.csrf));
    data.set("membersHref", campaignPath(page, "/members"));
    setText(data, "community", communityText(campaign, upcoming));
    data.set("remindersAction", campaignPath(page, "/reminders"));
    Data scheduled{Data::type::list};
    const auto rounds = cohorts.scheduledInvites(page.ods(), campaign.id);
    for (const auto& round : rounds) {
        Data row;
        row.set("at", whenText(round.at));
        row.set("who", roundText(round));
        setText(row, "quiet", quietHoursNote(page.organisation, round.at));
        row.set("custom", !round.request.message.empty());
        row.set("cancelAction", campaignPath(page, "/scheduled-invites/" + round.id + "/cancel"));
        scheduled.push_back(row);
    }
    data.set("scheduled", scheduled);
    data.set("anyScheduled", !rounds.empty());
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "clinic"        ? "Clinic added"
            : done == "changed"     ? "Clinic changed"
            : done == "scheduled"   ? "The invites are scheduled"
            : done == "unscheduled" ? "The scheduled invites are cancelled"
            : done == "sent"        ? "The invitations are being sent"
                                    : "");
    page.render(status, Section::campaigns, campaignTitle(page, campaign), "console-campaign", data, !errors.empty());
}

workflows::NewClinic clinicForm(Page& page) {
    workflows::NewClinic c;
    c.dose = page.field("dose");
    c.vaccine = {page.field("vaccine_code"), page.field("vaccine_term")};
    c.location = page.field("location");
    c.date = page.field("date");
    c.start = page.field("start");
    c.end = page.field("end");
    c.capacity = capacityOf(page.field("capacity"));
    return c;
}

void createClinic(workflows::Clinics& clinics, workflows::Cohorts& cohorts, Page& page) {
    const auto& campaign = campaignOf(page);
    auto c = clinicForm(page);
    c.published = page.field("published") == "yes";
    c.community = page.field("community") == "yes";
    c.schoolUrn = page.field("school_urn");
    try {
        clinics.create(page.ods(), campaign.id, c, page.by);
        page.redirect(campaignPath(page, "?done=clinic"));
    } catch (const InvalidRequest& e) {
        Data form;
        form.set("formSchool_urn", page.field("school_urn"));
        form.set("formPublished", c.published);
        form.set("formCommunity", c.community);
        clinicFields(form, campaign, c, page.field("capacity"), e.errors());
        campaignPage(clinics, cohorts, page, 422, e.errors(), form);
    }
}

// ---- One clinic: change it; the completed ones ----------------------------------------------------------

void editClinicPage(workflows::Clinics& clinics, Page& page, int status = 200,
                    const workflows::NewClinic* entered = nullptr, const std::string& capacity = {},
                    const std::vector<FieldError>& errors = {}) {
    const auto& campaign = campaignOf(page);
    const auto found = clinics.find(page.ods(), campaign.id, page.request.param("id"));
    if (!found) throw workflows::NotFound("no such clinic");
    const auto& c = *found;
    const auto now = entered ? *entered : c.asEntered();
    Data data;
    clinicFields(data, campaign, now, entered ? capacity : std::to_string(c.capacity), errors);
    data.set("title", campaignTitle(page, campaign));
    data.set("when", kit::ukWhenText(c.startsAt));
    data.set("location", c.location);
    data.set("bookedText",
             c.booked == 1 ? std::string("1 place is booked") : std::to_string(c.booked) + " places are booked");
    data.set("anyBooked", c.booked > 0);
    data.set("action", campaignPath(page, "/clinics/" + c.id));
    data.set("backHref", campaignPath(page));
    page.render(status, Section::campaigns, "Change the clinic", "console-clinic-edit", data, !errors.empty());
}

// The change form's post, or a button's (publish, hide); each goes through the workflow's one update.
void updateClinic(workflows::Clinics& clinics, Page& page) {
    const auto change = page.field("change");
    workflows::ClinicChange update;
    if (change == "publish" || change == "hide") update.published = change == "publish";
    if (change == "capacity") update.capacity = capacityOf(page.field("capacity"));
    const auto entered = clinicForm(page);
    if (change == "edit")
        update = {std::nullopt,     entered.capacity, entered.dose,  entered.vaccine,
                  entered.location, entered.date,     entered.start, entered.end};
    try {
        clinics.update(page.ods(), campaignOf(page).id, page.request.param("id"), update, page.by);
    } catch (const InvalidRequest& e) {
        if (change != "edit") throw;
        return editClinicPage(clinics, page, 422, &entered, page.field("capacity"), e.errors());
    }
    page.redirect(campaignPath(page, "?done=changed"));
}

void completedClinicsPage(workflows::Clinics& clinics, Page& page) {
    const auto& campaign = campaignOf(page);
    const auto completed = clinics.completed(page.ods(), campaign.id, kCompletedShown);
    Data rows{Data::type::list};
    for (const auto& c : completed)
        rows.push_back(clinicRow(page, c));
    Data data;
    data.set("title", campaignTitle(page, campaign));
    data.set("clinics", rows);
    data.set("anyClinics", !completed.empty());
    data.set("canChange", page.can(Role::staff));
    data.set("backHref", campaignPath(page));
    page.render(200, Section::campaigns, "Completed clinics", "console-clinics-completed", data);
}

void uploadCohort(workflows::Cohorts& cohorts, Page& page) {
    const auto& campaign = campaignOf(page);
    workflows::CohortUpload result;
    try {
        const auto maxBytes = static_cast<std::size_t>(page.runtime->config().http.maxUploadMegabytes) * 1024 * 1024;
        if (!page.file("cohort", maxBytes,
                       [&](std::istream& csv) { result = cohorts.upload(page.ods(), campaign.id, csv, page.by); }))
            return;
    } catch (const batch::FileError& e) {
        return page.message(422, "The cohort file cannot be used", sentence(e.what()));
    } catch (const Poco::Exception&) {
        return page.message(400, "The file did not arrive whole", "Go back and choose the file again.");
    }
    Data statuses{Data::type::list};
    for (const auto& [status, count] : result.byStatus) {
        Data row;
        row.set("label", statusText(status));
        row.set("count", std::to_string(count));
        statuses.push_back(row);
    }
    Data rejected{Data::type::list};
    for (const auto& r : result.rejected) {
        Data row;
        row.set("row", std::to_string(r.row));
        row.set("reason", sentence(r.reason));
        rejected.push_back(row);
    }
    Data data;
    data.set("title", campaignTitle(page, campaign));
    data.set("accepted", std::to_string(result.accepted));
    data.set("statuses", statuses);
    data.set("rejected", rejected);
    data.set("anyRejected", !result.rejected.empty());
    data.set("membersHref", campaignPath(page, "/members"));
    page.render(200, Section::campaigns, "Cohort uploaded", "console-cohort-uploaded", data);
}

// ---- Members and invites --------------------------------------------------------------------------------

// The members page's filters, as the query has them.
struct Filters {
    std::string status;
    std::string week;
    int dose = 1;
};

Filters filtersOf(Page& page) {
    Filters f{page.request.query("status").value_or(""), page.request.query("week").value_or("")};
    if (f.status.size() > 40) f.status.clear();
    if (f.week.size() > 10) f.week.clear();
    f.dose = f.status.find("2nd") != std::string::npos ? 2 : 1;
    return f;
}

void membersPage(workflows::Cohorts& cohorts, Page& page) {
    // Fifty at a time by key, as the links page; a page ends with a link to the next, the filters kept.
    constexpr int kMembersPerPage = 50;
    const auto& campaign = campaignOf(page);
    const auto f = filtersOf(page);
    auto after = page.request.query("after").value_or("");
    if (after.size() > 64) after.clear();
    workflows::CohortListing listing;
    try {
        listing = cohorts.list(page.ods(), campaign.id, f.status, f.week, after, kMembersPerPage);
    } catch (const InvalidRequest& e) {
        // A member gone from the campaign (or a cursor made up) starts again from the first page.
        if (after.empty() || e.errors().size() != 1 || e.errors().front().field != "after") throw;
        after.clear();
        listing = cohorts.list(page.ods(), campaign.id, f.status, f.week, after, kMembersPerPage);
    }
    Data statuses{Data::type::list};
    for (const auto& [status, count] : listing.counts) {
        Data row;
        row.set("label", statusText(status));
        row.set("count", std::to_string(count));
        row.set("href", campaignPath(page, "/members?status=" + status));
        row.set("current", status == f.status);
        statuses.push_back(row);
    }
    Data weeks{Data::type::list};
    for (const auto& [week, count] : listing.weeks) {
        Data row;
        row.set("label", "Week of " + kit::ukDayText(kit::ukMidnight(week)));
        row.set("count", std::to_string(count));
        row.set("href", campaignPath(page, "/members?status=awaiting_2nd_invite&week=" + week));
        row.set("current", week == f.week);
        weeks.push_back(row);
    }
    Data data;
    data.set("title", campaignTitle(page, campaign));
    data.set("statuses", statuses);
    data.set("allHref", campaignPath(page, "/members"));
    data.set("weeks", weeks);
    data.set("showWeeks", f.status == domain::cohort::awaiting2ndInvite);
    data.set("members", membersData(page, listing.members));
    data.set("selected", std::to_string(listing.selected));
    data.set("anyMembers", !listing.members.empty());
    data.set("shown", std::to_string(kMembersPerPage));
    const auto filtered = "/members?status=" + encoded(f.status) + "&week=" + encoded(f.week);
    if (!listing.next.empty()) data.set("nextHref", campaignPath(page, filtered + "&after=" + encoded(listing.next)));
    if (!after.empty()) data.set("firstHref", campaignPath(page, filtered));
    data.set("statusLabel", f.status.empty() ? std::string("All members") : statusText(f.status));
    // Bulk invites need a status, and a week for second doses, as accuBook requires; the workflow says which
    // statuses an invite may go to.
    const bool invitable = !f.status.empty() && (f.status != domain::cohort::awaiting2ndInvite || !f.week.empty());
    data.set("canInvite", page.can(Role::staff) && invitable && !listing.members.empty());
    data.set("needsWeek", page.can(Role::staff) && f.status == domain::cohort::awaiting2ndInvite && f.week.empty());
    data.set("inviteHref", campaignPath(page, "/invite?status=" + f.status + "&week=" + f.week));
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice", done == "invited" ? "The invites are being sent" : "");
    page.render(200, Section::campaigns, "Members", "console-members", data);
}

workflows::InviteRequest inviteRequest(const Filters& f, bool send, const std::string& message = {}) {
    workflows::InviteRequest r;
    r.dose = f.dose;
    r.status = f.status;
    r.dose1Week = f.week;
    r.send = send;
    r.message = message;
    return r;
}

// A form's filters and text, as the preview sends them back.
Filters filtersFrom(Page& page) {
    Filters f{page.field("status"), page.field("week")};
    f.dose = page.field("dose") == "2" ? 2 : 1;
    return f;
}

constexpr std::size_t kMaxText = 4096;

// Runs a preview with the text staff gave. When the workflow finds fault with that text alone, the preview
// runs again with the campaign's own text, and the faults come back for the page to show at the text.
template <typename Plan>
Plan withText(const std::function<Plan(const std::string&)>& preview, const std::string& text,
              std::vector<FieldError>& textErrors) {
    try {
        return preview(text);
    } catch (const InvalidRequest& e) {
        const bool onlyText = !text.empty() && std::all_of(e.errors().begin(), e.errors().end(),
                                                           [](const FieldError& f) { return f.field == "message"; });
        if (!onlyText) throw;
        textErrors = e.errors();
        return preview({});
    }
}

// The text for this send, checked: an example as the patient gets it and its length, or its faults.
void smsText(Data& data, const workflows::InviteText& checked, const std::string& entered,
             const std::vector<FieldError>& errors) {
    Data text;
    text.set("text", errors.empty() ? checked.text : entered);
    if (errors.empty()) {
        setText(text, "example", lineBreaks(checked.example));
        text.set("length", std::to_string(checked.characters) + " characters: " + std::to_string(checked.fragments) +
                               (checked.fragments == 1 ? " text message" : " text messages") + " for each patient");
    }
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& e : errors) {
        summary.emplace_back("message", sentence(e.message));
        Data error;
        error.set("message", sentence(e.message));
        text.set("messageError", error);
    }
    data.set("smsText", web::renderFragment("console-sms-text", text));
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
    data.set("textChecked", errors.empty());
    data.set("checkedText", checked.text);
}

void invitePreview(workflows::Cohorts& cohorts, Page& page, const Filters& f, const std::string& message) {
    const auto& campaign = campaignOf(page);
    std::vector<FieldError> textErrors;
    const auto plan = withText<workflows::InvitePlan>(
        [&](const std::string& text) {
            return cohorts.invite(page.ods(), campaign.id, inviteRequest(f, false, text), page.by);
        },
        message, textErrors);
    Data data;
    smsText(data, plan.message, message, textErrors);
    data.set("title", campaignTitle(page, campaign));
    data.set("invite", membersData(page, plan.invite));
    data.set("inviteCount", std::to_string(plan.invite.size()));
    data.set("sendLabel", plan.invite.size() == 1 ? std::string("Send 1 invite")
                                                  : "Send " + std::to_string(plan.invite.size()) + " invites");
    data.set("anyInvite", !plan.invite.empty());
    data.set("manual", membersData(page, plan.manual));
    data.set("anyManual", !plan.manual.empty());
    data.set("skipped", skippedData(page, plan.skipped));
    data.set("anySkipped", !plan.skipped.empty());
    data.set("sendAction", campaignPath(page, "/invite"));
    data.set("scheduleAction", campaignPath(page, "/scheduled-invites"));
    data.set("scheduleFields",
             scheduleFields("Or send them later (UK time)",
                            "Who is invited is worked out then, with the text as last checked here."));
    data.set("status", f.status);
    data.set("week", f.week);
    data.set("dose", std::to_string(f.dose));
    data.set("backHref", campaignPath(page, "/members?status=" + f.status + "&week=" + f.week));
    page.render(textErrors.empty() ? 200 : 422, Section::campaigns, "Check the invite", "console-invite", data,
                !textErrors.empty());
}

void sendInvites(workflows::Cohorts& cohorts, Page& page) {
    const auto f = filtersFrom(page);
    const auto message = page.field("message", kMaxText);
    if (page.field("step") == "check") return invitePreview(cohorts, page, f, message);
    try {
        cohorts.invite(page.ods(), campaignOf(page).id, inviteRequest(f, true, message), page.by);
    } catch (const InvalidRequest& e) {
        if (message.empty() || e.errors().empty() || e.errors().front().field != "message") throw;
        return invitePreview(cohorts, page, f, message);
    }
    page.redirect(campaignPath(page, "/members?status=" + f.status + "&done=invited"));
}

void scheduleInvites(workflows::Cohorts& cohorts, Page& page) {
    const auto at = scheduleTime(page);
    if (!at) return;
    const auto f = filtersFrom(page);
    try {
        cohorts.scheduleInvite(page.ods(), campaignOf(page).id, inviteRequest(f, true, page.field("message", kMaxText)),
                               *at, page.by);
    } catch (const InvalidRequest& e) {
        return page.message(422, "The invites cannot be scheduled then",
                            e.errors().empty() ? std::string() : sentence(e.errors().front().message));
    }
    page.redirect(campaignPath(page, "?done=scheduled#scheduled-invites"));
}

// ---- One member -----------------------------------------------------------------------------------------

using NoClinics = std::vector<workflows::Clinic>;

// The clinics a member's page offers (to book, to join as a walk-in), each with its form's `action` as `key`.
Data offered(const Page& page, const std::vector<workflows::Clinic>& clinics, const std::string& key,
             const std::string& action) {
    Data list{Data::type::list};
    for (const auto& c : clinics) {
        auto row = clinicRow(page, c);
        row.set(key, action);
        list.push_back(row);
    }
    return list;
}

void memberPage(workflows::Cohorts& cohorts, workflows::CommunityClinics& community, Page& page) {
    const auto& campaign = campaignOf(page);
    const auto m = cohorts.find(page.ods(), campaign.id, page.request.param("member"));
    if (!m) throw workflows::NotFound("no such member");
    const bool userFacing = page.request.query("options").value_or("patient") == "user";
    Data data = memberRow(page, *m);
    data.set("title", campaignTitle(page, campaign));
    setText(data, "email", m->email);
    setText(data, "school", m->schoolUrn);
    data.set("consent", m->consent.empty() ? std::string("No response") : sentence(m->consent));
    Data events{Data::type::list};
    for (const auto& e : m->events) {
        Data event;
        event.set("at", whenText(e.at));
        event.set("what", statusText(e.event));
        setText(event, "detail", e.detail);
        events.push_back(event);
    }
    data.set("events", events);
    const bool staff = page.can(Role::staff);
    data.set("canChange", staff);
    data.set("userFacing", userFacing);
    data.set("patientOptionsHref", campaignPath(page, "/members/" + m->id));
    data.set("userOptionsHref", campaignPath(page, "/members/" + m->id + "?options=user"));
    const auto options =
        offered(page, staff ? cohorts.bookingOptions(page.ods(), campaign.id, m->id, userFacing) : NoClinics{},
                "bookAction", campaignPath(page, "/members/" + m->id + "/bookings"));
    data.set("options", options);
    data.set("anyOptions", options.is_non_empty_list());
    data.set("optionsName", userFacing ? "user" : "patient");
    data.set("child", !m->schoolUrn.empty());
    const auto walkIn =
        offered(page, staff && !m->schoolUrn.empty() ? community.walkInSessions(page.ods(), campaign.id) : NoClinics{},
                "walkInAction", campaignPath(page, "/members/" + m->id + "/walk-in"));
    data.set("walkIn", walkIn);
    data.set("anyWalkIn", walkIn.is_non_empty_list());
    data.set("inviteTomorrowAction", campaignPath(page, "/members/" + m->id + "/community-invite"));
    data.set("consentAction", campaignPath(page, "/members/" + m->id + "/consent"));
    data.set("consentRequestAction", campaignPath(page, "/members/" + m->id + "/consent-requests"));
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "booked"     ? "Booked"
            : done == "consent"  ? "Consent recorded"
            : done == "asked"    ? "Consent requested by email"
            : done == "tomorrow" ? "Invited: the invitation goes to the parent tomorrow"
            : done == "walk-in"  ? "Added to today's session"
                                 : "");
    page.render(200, Section::campaigns, "Member " + nhsNumberText(m->patient.nhsNumber), "console-member", data);
}

// A community send (the children who missed a school session, booking reminders): who it reaches and the text,
// which staff may change and check, then sent.
struct CommunitySend {
    std::string heading;
    std::string lead; // after the count: what they are sent
    std::string action;
    std::function<workflows::CommunityPlan(bool send, const std::string& message)> run;
};

void communitySend(Page& page, const CommunitySend& what) {
    const auto& campaign = campaignOf(page);
    const auto message = page.field("message", kMaxText);
    std::vector<FieldError> textErrors;
    if (page.field("step") == "send") {
        try {
            what.run(true, message);
            return page.redirect(campaignPath(page, "?done=sent"));
        } catch (const InvalidRequest& e) {
            if (message.empty() || e.errors().empty() || e.errors().front().field != "message") throw;
        }
    }
    const auto plan = withText<workflows::CommunityPlan>([&](const std::string& text) { return what.run(false, text); },
                                                         message, textErrors);
    Data data;
    smsText(data, plan.message, message, textErrors);
    data.set("title", campaignTitle(page, campaign));
    data.set("heading", what.heading);
    const auto clinicDate = plan.clinicDate.empty() ? std::string("the next community clinic")
                                                    : kit::ukDayText(kit::ukMidnight(plan.clinicDate));
    data.set("lead", what.lead + " " + clinicDate + ", by text message and email to their parent.");
    data.set("reach", membersData(page, plan.reach));
    data.set("reachCount", std::to_string(plan.reach.size()));
    data.set("sendLabel", plan.reach.size() == 1 ? std::string("Send 1 message")
                                                 : "Send " + std::to_string(plan.reach.size()) + " messages");
    data.set("anyReach", !plan.reach.empty());
    data.set("skipped", skippedData(page, plan.skipped));
    data.set("anySkipped", !plan.skipped.empty());
    data.set("sendAction", what.action);
    data.set("backHref", campaignPath(page));
    page.render(textErrors.empty() ? 200 : 422, Section::campaigns, what.heading, "console-community-send", data,
                !textErrors.empty());
}

} // namespace

void addCampaignPages(PageRoutes& routes) {
    const auto services = routes.services();
    auto& clinics = services.clinics;
    auto& cohorts = services.cohorts;
    auto& community = services.community;
    routes.get("/campaigns", Role::viewer, [](Page& page) {
        Data list{Data::type::list};
        for (const auto& [id, campaign] : page.organisation.campaigns) {
            Data row;
            row.set("href", page.path("/campaigns/" + encoded(id)));
            row.set("title", campaignTitle(page, campaign));
            row.set("doses", campaign.doses == 1 ? std::string("1 dose") : std::to_string(campaign.doses) + " doses");
            list.push_back(row);
        }
        Data data;
        data.set("campaigns", list);
        data.set("any", !page.organisation.campaigns.empty());
        page.render(200, Section::campaigns, "Vaccination campaigns", "console-campaigns", data);
    });
    routes.get("/campaigns/{campaign}", Role::viewer,
               [&clinics, &cohorts](Page& page) { campaignPage(clinics, cohorts, page); });
    routes.get("/campaigns/{campaign}/completed-clinics", Role::viewer,
               [&clinics](Page& page) { completedClinicsPage(clinics, page); });
    routes.post("/campaigns/{campaign}/clinics", Role::staff, "createClinic",
                [&clinics, &cohorts](Page& page) { createClinic(clinics, cohorts, page); });
    routes.get("/campaigns/{campaign}/clinics/{id}", Role::staff,
               [&clinics](Page& page) { editClinicPage(clinics, page); });
    routes.post("/campaigns/{campaign}/clinics/{id}", Role::staff, "updateClinic",
                [&clinics](Page& page) { updateClinic(clinics, page); });
    // The school session's children are shown before they are sent to, so the preview is audited too.
    routes.post("/campaigns/{campaign}/clinics/{id}/missed", Role::staff, "missedSessionInvitations",
                [&community](Page& page) {
                    const auto session = page.request.param("id");
                    communitySend(page, {"Children who missed the session", "will be invited to book",
                                         campaignPath(page, "/clinics/" + session + "/missed"),
                                         [&](bool send, const std::string& message) {
                                             return community.missedSchoolSession(page.ods(), campaignOf(page).id,
                                                                                  session, send, page.by, message);
                                         }});
                });
    routes.post("/campaigns/{campaign}/reminders", Role::staff, "bookingReminders", [&community](Page& page) {
        communitySend(page, {"Booking reminders", "will be reminded to book", campaignPath(page, "/reminders"),
                             [&](bool send, const std::string& message) {
                                 return community.bookingReminders(page.ods(), campaignOf(page).id, send, page.by,
                                                                   message);
                             }});
    });
    routes.post("/campaigns/{campaign}/cohort", Role::staff, "uploadCohort",
                [&cohorts](Page& page) { uploadCohort(cohorts, page); });
    routes.get("/campaigns/{campaign}/members", Role::viewer, [&cohorts](Page& page) { membersPage(cohorts, page); });
    // The preview shows patients, so looking is audited, as the workflow does for the API's preview.
    routes.get("/campaigns/{campaign}/invite", Role::staff, "inviteMembers", [&cohorts](Page& page) {
        auto message = page.request.query("message").value_or("");
        if (message.size() > kMaxText) message.clear();
        invitePreview(cohorts, page, filtersOf(page), message);
    });
    routes.post("/campaigns/{campaign}/invite", Role::staff, "inviteMembers",
                [&cohorts](Page& page) { sendInvites(cohorts, page); });
    routes.post("/campaigns/{campaign}/scheduled-invites", Role::staff, "scheduleInvites",
                [&cohorts](Page& page) { scheduleInvites(cohorts, page); });
    routes.post("/campaigns/{campaign}/scheduled-invites/{id}/cancel", Role::staff, "cancelScheduledInvites",
                [&cohorts](Page& page) {
                    try {
                        cohorts.cancelScheduledInvite(page.ods(), campaignOf(page).id, page.request.param("id"),
                                                      page.by);
                    } catch (const workflows::ScheduleConflict& e) {
                        return page.message(409, "The invites cannot be cancelled", sentence(e.what()));
                    }
                    page.redirect(campaignPath(page, "?done=unscheduled"));
                });
    routes.get("/campaigns/{campaign}/members/{member}", Role::viewer,
               [&cohorts, &community](Page& page) { memberPage(cohorts, community, page); });
    routes.post("/campaigns/{campaign}/members/{member}/community-invite", Role::staff, "inviteChildTomorrow",
                [&community](Page& page) {
                    const auto& member = page.request.param("member");
                    community.inviteTomorrow(page.ods(), campaignOf(page).id, member, page.by);
                    page.redirect(campaignPath(page, "/members/" + member + "?done=tomorrow"));
                });
    routes.post("/campaigns/{campaign}/members/{member}/walk-in", Role::staff, "addWalkIn", [&community](Page& page) {
        const auto& member = page.request.param("member");
        community.addWalkIn(page.ods(), campaignOf(page).id, member, page.field("clinic"), page.by);
        page.redirect(campaignPath(page, "/members/" + member + "?done=walk-in"));
    });
    routes.post("/campaigns/{campaign}/members/{member}/bookings", Role::staff, "bookMember", [&cohorts](Page& page) {
        const auto& member = page.request.param("member");
        cohorts.bookForMember(page.ods(), campaignOf(page).id, member, page.field("clinic"),
                              page.field("options") == "user", page.by);
        page.redirect(campaignPath(page, "/members/" + member + "?done=booked"));
    });
    routes.post("/campaigns/{campaign}/members/{member}/consent", Role::staff, "recordConsent",
                [&community](Page& page) {
                    const auto& member = page.request.param("member");
                    community.recordConsent(page.ods(), campaignOf(page).id, member, page.field("response"),
                                            page.field("notes", 1000), page.by);
                    page.redirect(campaignPath(page, "/members/" + member + "?done=consent"));
                });
    routes.post("/campaigns/{campaign}/members/{member}/consent-requests", Role::staff, "requestConsent",
                [&community](Page& page) {
                    const auto& member = page.request.param("member");
                    community.requestConsent(page.ods(), campaignOf(page).id, member, page.by);
                    page.redirect(campaignPath(page, "/members/" + member + "?done=asked"));
                });
}

} // namespace clinhub::console

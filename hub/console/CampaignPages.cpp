// A vaccination campaign as accuBook and Mavis have it: its clinics (add one, publish or hide it, change its
// capacity), its cohort uploaded and labelled from the national records, the members by status with the
// dose-1 week sub-filter, the invite previewed (who, and why the others are left out) then sent, one member's
// activity log with booking on their behalf (patient-facing or user-facing options, which add hidden
// clinics), consent asked for or taken by phone, and the children a school session missed.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include "hub/batch/CsvReader.h"
#include "hub/domain/Vaccination.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace clinhub::console {
namespace {

using workflows::FieldError;
using workflows::InvalidRequest;
using workflows::Member;

constexpr std::size_t kMembersShown = 200;

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
    row.set("updateAction", campaignPath(page, "/clinics/" + c.id));
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

void campaignPage(workflows::Clinics& clinics, Page& page, int status = 200, const std::vector<FieldError>& errors = {},
                  Data form = {}) {
    const auto& campaign = campaignOf(page);
    Data rows{Data::type::list};
    bool any = false;
    for (const auto& c : clinics.list(page.ods(), campaign.id, false)) {
        rows.push_back(clinicRow(page, c));
        any = true;
    }
    Data data = std::move(form);
    data.set("title", campaignTitle(page, campaign));
    data.set("clinics", rows);
    data.set("anyClinics", any);
    data.set("canChange", page.can(Role::staff));
    data.set("createAction", campaignPath(page, "/clinics"));
    data.set("cohortAction", campaignPath(page, "/cohort?csrf=" + page.who.session.csrf));
    data.set("membersHref", campaignPath(page, "/members"));
    data.set("twoDoses", campaign.doses > 1);
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& e : errors) {
        const auto id = "clinic-" + std::string(e.field.substr(0, e.field.find('.')));
        summary.emplace_back(id, sentence(e.message));
        Data error;
        error.set("message", sentence(e.message));
        data.set(camelCase(id) + "Error", error);
    }
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice", done == "clinic" ? "Clinic added" : done == "changed" ? "Clinic changed" : "");
    page.render(status, Section::campaigns, campaignTitle(page, campaign), "console-campaign", data, !errors.empty());
}

void createClinic(workflows::Clinics& clinics, Page& page) {
    const auto& campaign = campaignOf(page);
    workflows::NewClinic c;
    c.dose = page.field("dose");
    c.vaccine = {page.field("vaccine_code"), page.field("vaccine_term")};
    c.location = page.field("location");
    c.date = page.field("date");
    c.start = page.field("start");
    c.end = page.field("end");
    const auto capacity = page.field("capacity");
    c.capacity =
        capacity.size() < 6 && !capacity.empty() && capacity.find_first_not_of("0123456789") == std::string::npos
            ? std::stoi(capacity)
            : -1;
    c.published = page.field("published") == "yes";
    c.community = page.field("community") == "yes";
    c.schoolUrn = page.field("school_urn");
    try {
        clinics.create(page.ods(), campaign.id, c, page.by);
        page.redirect(campaignPath(page, "?done=clinic"));
    } catch (const InvalidRequest& e) {
        Data form;
        for (const char* name : {"dose", "location", "date", "start", "end", "capacity", "school_urn"})
            form.set(camelCase(std::string("form-") + name), page.field(name));
        form.set("formVaccineCode", c.vaccine.code);
        form.set("formVaccineTerm", c.vaccine.term);
        form.set("formPublished", c.published);
        form.set("formCommunity", c.community);
        campaignPage(clinics, page, 422, e.errors(), form);
    }
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

workflows::InviteRequest inviteRequest(const Filters& f, bool send) {
    workflows::InviteRequest r;
    r.dose = f.dose;
    r.status = f.status;
    r.dose1Week = f.week;
    r.send = send;
    return r;
}

void invitePreview(workflows::Cohorts& cohorts, Page& page) {
    const auto& campaign = campaignOf(page);
    const auto f = filtersOf(page);
    const auto plan = cohorts.invite(page.ods(), campaign.id, inviteRequest(f, false), page.by);
    Data data;
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
    data.set("status", f.status);
    data.set("week", f.week);
    data.set("dose", std::to_string(f.dose));
    data.set("backHref", campaignPath(page, "/members?status=" + f.status + "&week=" + f.week));
    page.render(200, Section::campaigns, "Check the invite", "console-invite", data);
}

// ---- One member -----------------------------------------------------------------------------------------

void memberPage(workflows::Cohorts& cohorts, Page& page) {
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
    Data options{Data::type::list};
    bool anyOptions = false;
    if (staff)
        for (const auto& c : cohorts.bookingOptions(page.ods(), campaign.id, m->id, userFacing)) {
            auto row = clinicRow(page, c);
            row.set("bookAction", campaignPath(page, "/members/" + m->id + "/bookings"));
            options.push_back(row);
            anyOptions = true;
        }
    data.set("options", options);
    data.set("anyOptions", anyOptions);
    data.set("optionsName", userFacing ? "user" : "patient");
    data.set("child", !m->schoolUrn.empty());
    data.set("consentAction", campaignPath(page, "/members/" + m->id + "/consent"));
    data.set("consentRequestAction", campaignPath(page, "/members/" + m->id + "/consent-requests"));
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "booked"    ? "Booked"
            : done == "consent" ? "Consent recorded"
            : done == "asked"   ? "Consent requested by email"
                                : "");
    page.render(200, Section::campaigns, "Member " + nhsNumberText(m->patient.nhsNumber), "console-member", data);
}

// The children of a school session not vaccinated there: who would be invited to a community clinic, then sent.
void missedSession(workflows::CommunityClinics& community, Page& page) {
    const auto& campaign = campaignOf(page);
    const bool send = page.field("step") == "send";
    const auto plan = community.missedSchoolSession(page.ods(), campaign.id, page.request.param("id"), send, page.by);
    if (send) return page.redirect(campaignPath(page, "?done=changed"));
    Data data;
    data.set("title", campaignTitle(page, campaign));
    data.set("clinicDate", plan.clinicDate.empty() ? std::string("the next community clinic")
                                                   : kit::ukDayText(kit::ukMidnight(plan.clinicDate)));
    data.set("reach", membersData(page, plan.reach));
    data.set("reachCount", std::to_string(plan.reach.size()));
    data.set("sendLabel", plan.reach.size() == 1 ? std::string("Send 1 invitation")
                                                 : "Send " + std::to_string(plan.reach.size()) + " invitations");
    data.set("anyReach", !plan.reach.empty());
    data.set("skipped", skippedData(page, plan.skipped));
    data.set("anySkipped", !plan.skipped.empty());
    data.set("sendAction", campaignPath(page, "/clinics/" + page.request.param("id") + "/missed"));
    data.set("backHref", campaignPath(page));
    page.render(200, Section::campaigns, "Children who missed the session", "console-missed", data);
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
    routes.get("/campaigns/{campaign}", Role::viewer, [&clinics](Page& page) { campaignPage(clinics, page); });
    routes.post("/campaigns/{campaign}/clinics", Role::staff, "createClinic",
                [&clinics](Page& page) { createClinic(clinics, page); });
    routes.post("/campaigns/{campaign}/clinics/{id}", Role::staff, "updateClinic", [&clinics](Page& page) {
        const auto change = page.field("change");
        std::optional<bool> published;
        std::optional<int> capacity;
        if (change == "publish" || change == "hide") published = change == "publish";
        if (change == "capacity") {
            const auto text = page.field("capacity");
            capacity = !text.empty() && text.size() < 6 && text.find_first_not_of("0123456789") == std::string::npos
                           ? std::stoi(text)
                           : -1;
        }
        clinics.update(page.ods(), campaignOf(page).id, page.request.param("id"), published, capacity, page.by);
        page.redirect(campaignPath(page, "?done=changed"));
    });
    routes.post("/campaigns/{campaign}/clinics/{id}/missed", Role::staff, "missedSessionInvitations",
                [&community](Page& page) { missedSession(community, page); });
    routes.post("/campaigns/{campaign}/cohort", Role::staff, "uploadCohort",
                [&cohorts](Page& page) { uploadCohort(cohorts, page); });
    routes.get("/campaigns/{campaign}/members", Role::viewer, [&cohorts](Page& page) { membersPage(cohorts, page); });
    // The preview shows patients, so looking is audited, as the workflow does for the API's preview.
    routes.get("/campaigns/{campaign}/invite", Role::staff, "inviteMembers",
               [&cohorts](Page& page) { invitePreview(cohorts, page); });
    routes.post("/campaigns/{campaign}/invite", Role::staff, "inviteMembers", [&cohorts](Page& page) {
        Filters f{page.field("status"), page.field("week")};
        f.dose = page.field("dose") == "2" ? 2 : 1;
        cohorts.invite(page.ods(), campaignOf(page).id, inviteRequest(f, true), page.by);
        page.redirect(campaignPath(page, "/members?status=" + f.status + "&done=invited"));
    });
    routes.get("/campaigns/{campaign}/members/{member}", Role::viewer,
               [&cohorts](Page& page) { memberPage(cohorts, page); });
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

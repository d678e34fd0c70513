// The vaccination campaign pages over real HTTP, signed in: the cohort uploaded through the file picker and
// labelled, clinics added (one hidden), upcoming and completed, one changed; members listed fifty at a time;
// a 2nd-dose invite round filtered by the week of the 1st dose, previewed with its own text, sent or scheduled
// and cancelled; a manual booking into the hidden clinic with the user-facing options; a child invited to a
// community clinic, added as a walk-in, and the booking reminders; a viewer who changes nothing.
#include "hub/cohorts/MemberRepository.h"
#include "hub/console/Console.h"
#include "hub/domain/Vaccination.h"
#include "hub/outbox/Outbox.h"
#include "hub/workflows/BatchSelfBook.h"
#include "tests/TestNhsNumbers.h"
#include "tests/api/VaccinationFixture.h"
#include "tests/web/Browser.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace clinhub::test {
namespace {

using browser::Browser;
using staff::Role;

class CampaignPages : public VaccinationApi {
protected:
    void addRoutes(http::Router& router) override {
        outbox = std::make_unique<outbox::Outbox>(*store);
        batches = std::make_unique<workflows::BatchSelfBook>(*store, *current, *selfBook);
        console::addConsole(
            router, {*store, *current, *signIn, *audit, *outbox, *selfBook, *batches, *clinics, *cohorts, *community},
            {std::make_shared<const web::Assets>(dir.file("no-assets"))});
    }

    Browser signedIn(Role role) {
        const auto user = signIn->users().create("Nia Nurse", "nia" + std::to_string(++users) + "@riverside.example");
        signIn->users().grant(user.id, "V12345", role);
        const auto session = signIn->withIdentity(*signIn->users().byId(user.id), "test", "127.0.0.1").session;
        csrf = session.csrf;
        Browser b(server->port());
        b.forceCookie("clinhub_staff", session.id);
        return b;
    }

    browser::Reply addClinic(Browser& b, bool published) {
        std::vector<std::pair<std::string, std::string>> form{{"csrf", csrf},
                                                              {"dose", "second"},
                                                              {"vaccine_code", "39114911000001105"},
                                                              {"vaccine_term", "Comirnaty"},
                                                              {"location", published ? "Riverside Hall" : "Back Room"},
                                                              {"date", "2026-12-08"},
                                                              {"start", "09:00"},
                                                              {"end", "12:00"},
                                                              {"capacity", "10"}};
        if (published) form.emplace_back("published", "yes");
        return b.post(kPages + "/clinics", form);
    }

    std::vector<std::string> succeeded() {
        std::vector<std::string> actions;
        for (const auto& e : audit->find({"V12345", std::nullopt, std::nullopt, std::nullopt, std::nullopt, 200}))
            if (e.outcome == audit::Outcome::success) actions.push_back(e.action);
        return actions;
    }

    static bool has(const std::vector<std::string>& actions, const std::string& action) {
        return std::find(actions.begin(), actions.end(), action) != actions.end();
    }

    const std::string kPages = "/staff/V12345/campaigns/covid";
    const std::string kFluPages = "/staff/V12345/campaigns/flu";
    std::unique_ptr<outbox::Outbox> outbox;
    std::unique_ptr<workflows::BatchSelfBook> batches;
    std::string csrf;
    int users = 0;
};

TEST_F(CampaignPages, ASecondDoseRoundIsFilteredByWeekPreviewedSentAndOneMemberBookedIntoAHiddenClinic) {
    auto b = signedIn(Role::staff);
    const auto uploaded = b.upload(kPages + "/cohort?csrf=" + csrf, "cohort", "cohort.csv", kCohort);
    ASSERT_EQ(uploaded.status, 200) << uploaded.body;
    EXPECT_TRUE(uploaded.says("6 members added or updated"));
    EXPECT_TRUE(uploaded.says("Awaiting 2nd invite"));
    EXPECT_TRUE(uploaded.says("Row 8:")) << "the wrong check digit's row";

    ASSERT_EQ(addClinic(b, true).status, 303);
    ASSERT_EQ(addClinic(b, false).status, 303);
    const auto campaign = b.get(kPages);
    ASSERT_EQ(campaign.status, 200) << campaign.body;
    EXPECT_TRUE(campaign.says("Riverside Hall"));
    EXPECT_TRUE(campaign.says("No, hidden"));
    EXPECT_TRUE(b.get("/staff/V12345").says("Riverside Hall: 10 places left")) << "the home page's next clinics";
    const auto bad = b.post(kPages + "/clinics", {{"csrf", csrf}, {"dose", "second"}, {"date", "not a date"}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_TRUE(bad.says("href=\"#clinic-date\""));

    const auto awaiting = b.get(kPages + "/members?status=awaiting_2nd_invite");
    ASSERT_EQ(awaiting.status, 200);
    EXPECT_TRUE(awaiting.says("Week of Monday 5 October 2026"));
    EXPECT_TRUE(awaiting.says("Choose a week of the 1st dose")) << "bulk 2nd-dose invites need a week";
    EXPECT_FALSE(awaiting.says("Check who will be invited"));
    const auto week = b.get(kPages + "/members?status=awaiting_2nd_invite&week=2026-10-05");
    EXPECT_TRUE(week.says("Check who will be invited"));

    const auto preview = b.get(kPages + "/invite?status=awaiting_2nd_invite&week=2026-10-05");
    ASSERT_EQ(preview.status, 200) << preview.body;
    EXPECT_TRUE(preview.says("Due Today"));
    EXPECT_TRUE(preview.says("To book by hand")) << "No Mobile has no mobile to text";
    EXPECT_TRUE(preview.says("Left out"));
    EXPECT_EQ(status("9995260182"), "awaiting_2nd_invite") << "a preview sends nothing";
    std::smatch count;
    ASSERT_TRUE(std::regex_search(preview.body, count, std::regex("Send (\\d+) invite")));
    const auto sent = b.post(
        kPages + "/invite", {{"csrf", csrf}, {"status", "awaiting_2nd_invite"}, {"week", "2026-10-05"}, {"dose", "2"}});
    ASSERT_EQ(sent.status, 303) << sent.body;
    EXPECT_EQ(status("9995260182"), "awaiting_response_2nd");

    const auto noMobile = memberId("9990000018");
    const auto patientView = b.get(kPages + "/members/" + noMobile);
    ASSERT_EQ(patientView.status, 200) << patientView.body;
    EXPECT_FALSE(patientView.says("Back Room")) << "patients never see a hidden clinic";
    const auto userView = b.get(kPages + "/members/" + noMobile + "?options=user");
    EXPECT_TRUE(userView.says("Back Room"));
    std::smatch hiddenClinic;
    ASSERT_TRUE(std::regex_search(
        userView.body, hiddenClinic,
        std::regex("name=\"clinic\" value=\"([^\"]+)\"[^B]*?name=\"options\" value=\"user\"[\\s\\S]*?Back Room")));
    const auto booked = b.post(kPages + "/members/" + noMobile + "/bookings",
                               {{"csrf", csrf}, {"clinic", hiddenClinic[1].str()}, {"options", "user"}});
    ASSERT_EQ(booked.status, 303) << booked.body;
    const auto after = b.get(booked.header("Location"));
    EXPECT_TRUE(after.says("Booked 2nd"));
    EXPECT_TRUE(after.says(">Booked<")) << "the activity log";
    std::vector<std::string> actions;
    for (const auto& e : audit->find({"V12345", std::nullopt, std::nullopt, std::nullopt, std::nullopt, 100}))
        if (e.outcome == audit::Outcome::success) actions.push_back(e.action);
    for (const char* action : {"uploadCohort", "createClinic", "inviteMembers", "bookMember"})
        EXPECT_NE(std::find(actions.begin(), actions.end(), action), actions.end()) << action;
}

TEST_F(CampaignPages, ClinicsAreUpcomingOrCompletedAndOneIsChangedAsTheApiChecksIt) {
    const auto held = clinic(kPfizer, "2026-11-20");
    const auto id = clinic(kPfizer, "2026-12-08");
    auto b = signedIn(Role::staff);
    const auto campaign = b.get(kPages);
    ASSERT_EQ(campaign.status, 200) << campaign.body;
    EXPECT_TRUE(campaign.says("Tuesday 8 December 2026"));
    EXPECT_FALSE(campaign.says("Friday 20 November 2026")) << "a completed clinic is not upcoming";
    EXPECT_TRUE(campaign.says(kPages + "/clinics/" + id + "\">Change"));
    const auto completed = b.get(kPages + "/completed-clinics");
    ASSERT_EQ(completed.status, 200) << completed.body;
    EXPECT_TRUE(completed.says("Friday 20 November 2026"));
    EXPECT_FALSE(completed.says("Tuesday 8 December 2026"));

    const auto edit = b.get(kPages + "/clinics/" + id);
    ASSERT_EQ(edit.status, 200) << edit.body;
    EXPECT_TRUE(edit.says("value=\"2026-12-08\""));
    EXPECT_TRUE(edit.says("value=\"09:00\""));
    EXPECT_TRUE(edit.says("value=\"second\" selected"));
    std::vector<std::pair<std::string, std::string>> form{{"csrf", csrf},
                                                          {"change", "edit"},
                                                          {"date", "2026-11-30"},
                                                          {"start", "10:00"},
                                                          {"end", "09:30"},
                                                          {"location", "Riverside Hall"},
                                                          {"dose", "both"},
                                                          {"vaccine_code", "39114911000001105"},
                                                          {"vaccine_term", "Comirnaty"},
                                                          {"capacity", "lots"}};
    const auto bad = b.post(kPages + "/clinics/" + id, form);
    ASSERT_EQ(bad.status, 422) << bad.body;
    for (const char* field : {"clinic-date", "clinic-end", "clinic-capacity"})
        EXPECT_TRUE(bad.says(std::string("href=\"#") + field + "\"")) << field;
    EXPECT_TRUE(bad.says("Has passed"));
    EXPECT_TRUE(bad.says("value=\"lots\"")) << "what was entered stays";

    form[2].second = "2026-12-09";
    form[4].second = "13:00";
    form[9].second = "20";
    const auto changed = b.post(kPages + "/clinics/" + id, form);
    ASSERT_EQ(changed.status, 303) << changed.body;
    const auto after = b.get(changed.header("Location"));
    EXPECT_TRUE(after.says("Clinic changed"));
    EXPECT_TRUE(after.says("Wednesday 9 December 2026, 10am to 1pm"));
    EXPECT_TRUE(after.says("1st and 2nd"));
    EXPECT_TRUE(after.says("20 of 20"));
    EXPECT_TRUE(has(succeeded(), "updateClinic"));

    // The API's PATCH is the same change, checked by the same workflow.
    EXPECT_EQ(call("PATCH", kCampaign + "/clinics/" + id, R"({"end": "09:00"})").status, 422);
    const auto moved = call("PATCH", kCampaign + "/clinics/" + id, R"({"start": "11:00", "location": "Annexe"})");
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(moved.json()->getValue<std::string>("location"), "Annexe");
    EXPECT_EQ(moved.json()->getValue<std::string>("when"), "Wednesday 9 December 2026 at 11am");
    EXPECT_EQ(b.get(kPages + "/clinics/" + held).status, 200) << "a completed clinic can still be looked at";
}

TEST_F(CampaignPages, AnInviteRoundHasItsOwnTextCheckedThenIsScheduledAndCancelled) {
    upload();
    auto b = signedIn(Role::staff);
    ASSERT_EQ(addClinic(b, true).status, 303);
    const std::string filters = "status=awaiting_2nd_invite&week=2026-10-05";
    const auto preview = b.get(kPages + "/invite?" + filters);
    ASSERT_EQ(preview.status, 200) << preview.body;
    EXPECT_TRUE(preview.says("id=\"sms-length\""));
    EXPECT_TRUE(preview.says("Schedule the invites"));

    const auto noLink = b.get(kPages + "/invite?" + filters + "&message=Book%20now");
    ASSERT_EQ(noLink.status, 422) << noLink.body;
    EXPECT_TRUE(noLink.says("href=\"#message\""));
    EXPECT_TRUE(noLink.says(">Book now</textarea>"));
    EXPECT_FALSE(noLink.says("Schedule the invites")) << "nothing goes with a text that fails its check";

    const std::string text = "{{practice}}: {{name}}, book your 2nd COVID-19 jab: {{url}}";
    // The preview's form: its filters, the text, and the button pressed.
    const auto form = [&](const std::string& step) {
        return std::vector<std::pair<std::string, std::string>>{
            {"csrf", csrf}, {"status", "awaiting_2nd_invite"}, {"week", "2026-10-05"}, {"dose", "2"}, {"message", text},
            {"step", step}};
    };
    const auto checked = b.post(kPages + "/invite", form("check"));
    ASSERT_EQ(checked.status, 200) << checked.body;
    EXPECT_TRUE(checked.says("book your 2nd COVID-19 jab: https://"));
    EXPECT_EQ(status("9995260182"), "awaiting_2nd_invite") << "checking the text sends nothing";

    auto round = form("");
    round.emplace_back("date", "2026-12-02");
    round.emplace_back("time", "9.30");
    EXPECT_EQ(b.post(kPages + "/scheduled-invites", round).status, 422) << "not a time";
    round[7].second = "09:30";
    round[6].second = "2026-11-30";
    const auto past = b.post(kPages + "/scheduled-invites", round);
    EXPECT_EQ(past.status, 422);
    EXPECT_TRUE(past.says("The time has passed"));
    round[6].second = "2026-12-02";
    const auto scheduled = b.post(kPages + "/scheduled-invites", round);
    ASSERT_EQ(scheduled.status, 303) << scheduled.body;
    const auto campaign = b.get(scheduled.header("Location"));
    EXPECT_TRUE(campaign.says("The invites are scheduled"));
    EXPECT_TRUE(campaign.says("Wednesday 2 December 2026 at 9:30am: Awaiting 2nd invite, 1st dose in the week of "
                              "Monday 5 October 2026, with its own text"));
    const auto rounds = cohorts->scheduledInvites("V12345", "covid");
    ASSERT_EQ(rounds.size(), 1U);
    EXPECT_EQ(rounds.front().request.message, text);
    const auto cancelled = b.post(kPages + "/scheduled-invites/" + rounds.front().id + "/cancel", {{"csrf", csrf}});
    ASSERT_EQ(cancelled.status, 303) << cancelled.body;
    EXPECT_FALSE(b.get(kPages).says("id=\"scheduled-invites\""));
    EXPECT_EQ(b.post(kPages + "/scheduled-invites/" + rounds.front().id + "/cancel", {{"csrf", csrf}}).status, 409);

    const auto sent = b.post(kPages + "/invite", form("send"));
    ASSERT_EQ(sent.status, 303) << sent.body;
    EXPECT_EQ(status("9995260182"), "awaiting_response_2nd");
    const auto actions = succeeded();
    for (const char* action : {"scheduleInvites", "cancelScheduledInvites", "inviteMembers"})
        EXPECT_TRUE(has(actions, action)) << action;
}

TEST_F(CampaignPages, AChildIsInvitedToAClinicOrAddedAsAWalkInAndRemindersAreCheckedThenSent) {
    ASSERT_EQ(call("PUT", kFlu + "/cohort", kChildren, "text/csv").status, 200);
    // Today's session began at 8am: the reminders are for the next one, to children invited to today's.
    const auto today = communityClinic("2026-12-01", {}, "08:00");
    communityClinic("2026-12-15");
    const auto session = communityClinic("2026-11-25", "100001");
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 2);
    auto b = signedIn(Role::staff);
    const auto campaign = b.get(kFluPages);
    ASSERT_EQ(campaign.status, 200) << campaign.body;
    EXPECT_TRUE(campaign.says("invited automatically 21 days before the first community clinic, on Tuesday 1 "
                              "December 2026"));
    EXPECT_TRUE(campaign.says("Send booking reminders"));
    const auto completed = b.get(kFluPages + "/completed-clinics");
    EXPECT_TRUE(completed.says(kFluPages + "/clinics/" + session + "/missed")) << "a completed school session";

    const auto home = kFluPages + "/members/" + memberId("9993000000", kFlu);
    const auto child = b.get(home);
    ASSERT_EQ(child.status, 200) << child.body;
    EXPECT_TRUE(child.says("Invite to a community clinic"));
    EXPECT_TRUE(child.says("name=\"clinic\" value=\"" + today + "\"")) << "today's session";
    const auto invited = b.post(home + "/community-invite", {{"csrf", csrf}});
    ASSERT_EQ(invited.status, 303) << invited.body;
    EXPECT_TRUE(b.get(invited.header("Location")).says("the invitation goes to the parent tomorrow"));
    const auto walkIn = b.post(home + "/walk-in", {{"csrf", csrf}, {"clinic", today}});
    ASSERT_EQ(walkIn.status, 303) << walkIn.body;
    const auto added = b.get(walkIn.header("Location"));
    EXPECT_TRUE(added.says("Added to today")) << added.body;
    EXPECT_TRUE(added.says("Booked 1st"));
    EXPECT_EQ(b.post(home + "/walk-in", {{"csrf", csrf}, {"clinic", today}}).status, 422) << "already booked";

    const auto reminders = b.post(kFluPages + "/reminders", {{"csrf", csrf}, {"step", "preview"}});
    ASSERT_EQ(reminders.status, 200) << reminders.body;
    EXPECT_TRUE(reminders.says("Booking reminders"));
    EXPECT_TRUE(reminders.says("still needs a flu jab")) << "the campaign's reminder text";
    EXPECT_TRUE(reminders.says("Unknown School"));
    const auto noLink =
        b.post(kFluPages + "/reminders", {{"csrf", csrf}, {"step", "send"}, {"message", "Come to the clinic"}});
    EXPECT_EQ(noLink.status, 422);
    EXPECT_TRUE(noLink.says("href=\"#message\""));
    const auto sent = b.post(kFluPages + "/reminders", {{"csrf", csrf}, {"step", "send"}});
    ASSERT_EQ(sent.status, 303) << sent.body;
    const auto missed = b.post(kFluPages + "/clinics/" + session + "/missed", {{"csrf", csrf}, {"step", "preview"}});
    ASSERT_EQ(missed.status, 200) << missed.body;
    EXPECT_TRUE(missed.says("Missed School"));
    const auto actions = succeeded();
    for (const char* action : {"inviteChildTomorrow", "addWalkIn", "bookingReminders", "missedSessionInvitations"})
        EXPECT_TRUE(has(actions, action)) << action;
}

// The member ids a members page links to, in order.
std::vector<std::string> memberLinks(const std::string& body) {
    std::vector<std::string> ids;
    const std::regex link("/members/(mbr_[^\"?]+)\"");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), link); it != std::sregex_iterator(); ++it)
        ids.push_back((*it)[1].str());
    return ids;
}

// 53 awaiting a 2nd invite, dose 1 on one day: fifty on the first page, three on the next, the status and
// week kept, each member once.
TEST_F(CampaignPages, MembersAreListedFiftyAtATimeWithTheirFiltersKept) {
    upload(); // four awaiting a 2nd invite, dose 1 in the week of 5 October
    TestNhsNumbers numbers;
    store->write([&](store::Session& s) {
        cohorts::MemberRepository members(s);
        for (int i = 0; i < 49; ++i) {
            auto nhs = numbers.next();
            while (kCohort.find(nhs) != std::string::npos)
                nhs = numbers.next(); // already a member
            const auto id = members.add("V12345", "covid", {{nhs, "1950-01-01", "", "Test Patient"}, "", ""},
                                        domain::cohort::pendingCheck, kToday);
            members.markChecked(id, std::string(domain::cohort::awaiting2ndInvite), 1, "2026-10-06",
                                {"39114911000001105", "Comirnaty"}, 1, kToday);
        }
    });
    auto b = signedIn(Role::staff);
    const auto first = b.get(kPages + "/members?status=awaiting_2nd_invite&week=2026-10-05");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_TRUE(first.says("Awaiting 2nd invite: 53")) << "the count is of every page";
    const auto onFirst = memberLinks(first.body);
    EXPECT_EQ(onFirst.size(), 50U);
    const auto next = first.href("next-members");
    ASSERT_FALSE(next.empty()) << first.body;
    EXPECT_NE(next.find("status=awaiting_2nd_invite"), std::string::npos);
    EXPECT_NE(next.find("week=2026-10-05"), std::string::npos);
    EXPECT_TRUE(first.href("first-members").empty());

    const auto second = b.get(next);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_TRUE(second.says("Awaiting 2nd invite: 53"));
    const auto onSecond = memberLinks(second.body);
    EXPECT_EQ(onSecond.size(), 3U);
    EXPECT_TRUE(second.href("next-members").empty()) << "the last page";
    EXPECT_FALSE(second.href("first-members").empty());
    std::set<std::string> all(onFirst.begin(), onFirst.end());
    all.insert(onSecond.begin(), onSecond.end());
    EXPECT_EQ(all.size(), 53U) << "none on both pages";
    EXPECT_TRUE(second.says("Check who will be invited")) << "the invite still takes the whole week";

    const auto unknown = b.get(kPages + "/members?status=awaiting_2nd_invite&week=2026-10-05&after=mbr_nobody");
    ASSERT_EQ(unknown.status, 200) << "a cursor that is no member starts again";
    EXPECT_EQ(memberLinks(unknown.body), onFirst);
}

TEST_F(CampaignPages, AViewerReadsTheCampaignButChangesNothing) {
    upload();
    auto b = signedIn(Role::viewer);
    const auto campaign = b.get(kPages);
    ASSERT_EQ(campaign.status, 200);
    EXPECT_FALSE(campaign.says("Add a clinic"));
    EXPECT_FALSE(campaign.says("Upload the cohort"));
    EXPECT_EQ(b.get(kPages + "/invite?status=awaiting_2nd_invite&week=2026-10-05").status, 403);
    EXPECT_EQ(addClinic(b, true).status, 403);
    EXPECT_TRUE(b.get("/staff/V12345").says(">Campaigns</a>"));

    const auto id = clinic(kPfizer, "2026-12-08");
    const auto session = communityClinic("2026-11-25", "100001");
    communityClinic("2026-12-01");
    ASSERT_EQ(call("PUT", kFlu + "/cohort", kChildren, "text/csv").status, 200);
    EXPECT_FALSE(b.get(kPages).says(">Change<")) << "no way to change a clinic";
    EXPECT_EQ(b.get(kPages + "/clinics/" + id).status, 403);
    EXPECT_EQ(b.post(kPages + "/clinics/" + id, {{"csrf", csrf}, {"change", "edit"}, {"capacity", "5"}}).status, 403);
    const auto flu = b.get(kFluPages);
    EXPECT_TRUE(flu.says("Community clinics"));
    EXPECT_FALSE(flu.says("Send booking reminders"));
    EXPECT_EQ(b.post(kFluPages + "/reminders", {{"csrf", csrf}, {"step", "send"}}).status, 403);
    const auto completed = b.get(kFluPages + "/completed-clinics");
    ASSERT_EQ(completed.status, 200);
    EXPECT_FALSE(completed.says("Send clinic invitations"));
    const auto child = b.get(kFluPages + "/members/" + memberId("9993000000", kFlu));
    ASSERT_EQ(child.status, 200);
    EXPECT_FALSE(child.says("Invite to a community clinic"));
    EXPECT_FALSE(child.says("Record consent"));
    EXPECT_EQ(
        b.post(kFluPages + "/members/" + memberId("9993000000", kFlu) + "/community-invite", {{"csrf", csrf}}).status,
        403);
    EXPECT_EQ(b.post(kPages + "/scheduled-invites", {{"csrf", csrf}, {"date", "2026-12-02"}, {"time", "09:30"}}).status,
              403);
    EXPECT_EQ(b.post(kFluPages + "/clinics/" + session + "/missed", {{"csrf", csrf}}).status, 403);
}

} // namespace
} // namespace clinhub::test

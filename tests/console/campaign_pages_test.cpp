// The vaccination campaign pages over real HTTP, signed in: the cohort uploaded through the file picker and
// labelled, clinics added (one hidden), a 2nd-dose invite round filtered by the week of the 1st dose, previewed
// and sent, a manual booking into the hidden clinic with the user-facing options, and consent taken by phone.
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

    const std::string kPages = "/staff/V12345/campaigns/covid";
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
}

} // namespace
} // namespace clinhub::test

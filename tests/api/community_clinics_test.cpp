// Community clinics (Mavis rules) through the staff API and the scheduled jobs, with a clock the tests move:
// automatic invitations 21 days (not 22) before the first community clinic, the children who missed a
// completed school session, one child invited for tomorrow or added as a walk-in, booking reminders at
// most once per child per clinic date, and consent asked for or taken by phone.
#include "tests/api/VaccinationFixture.h"

#include <algorithm>

namespace clinhub::test {
namespace {

class CommunityClinics : public VaccinationApi {
protected:
    void SetUp() override {
        VaccinationApi::SetUp();
        const auto reply = call("PUT", kFlu + "/cohort", kChildren, "text/csv");
        ASSERT_EQ(reply.status, 200) << reply.body;
    }

    std::string child(const std::string& nhs) {
        const auto members = call("GET", kFlu + "/members").json()->getArray("members");
        for (std::size_t i = 0; i < members->size(); ++i)
            if (members->getObject(i)->getValue<std::string>("nhs_number") == nhs)
                return kFlu + "/members/" + members->getObject(i)->getValue<std::string>("id");
        ADD_FAILURE() << "no child " << nhs;
        return {};
    }

    std::vector<std::string> activity(const std::string& member) {
        std::vector<std::string> out;
        const auto events = call("GET", member).json()->getArray("activity");
        for (std::size_t i = 0; events && i < events->size(); ++i)
            out.push_back(events->getObject(i)->getValue<std::string>("event"));
        return out;
    }

    // The SMS payloads queued to one mobile, oldest first.
    std::vector<std::string> smsTo(const std::string& mobile) {
        std::vector<std::string> out;
        for (const auto& m : queuedMessages(*store, "sms"))
            if (m.payloadJson.find("\"to\":\"" + mobile + "\"") != std::string::npos) out.push_back(m.payloadJson);
        return out;
    }

    // Messages queued to one address (a mobile in E.164, or an email address).
    int messagesTo(const std::string& to) {
        const std::string pattern = "\"to\":\"" + to + "\"";
        int n = 0;
        for (const auto& m : queuedMessages(*store))
            n += m.payloadJson.find(pattern) != std::string::npos ? 1 : 0;
        return n;
    }
};

TEST_F(CommunityClinics, HomeSchooledAndUnknownSchoolAreInvitedTwentyOneDaysBeforeTheFirstClinicNotTwentyTwo) {
    communityClinic("2026-12-23"); // 22 days ahead
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 0) << "22 days before";
    now += kDay; // 21 days before
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 2);
    EXPECT_EQ(messagesTo("+447700900201"), 1) << "the home-schooled child's parent, by SMS";
    EXPECT_EQ(messagesTo("parent.u@example.test"), 1) << "the unknown-school child's parent, by email";
    EXPECT_EQ(activity(child("9993000043")).back(), "checked") << "no contactable parent: nothing sent";
    EXPECT_EQ(messagesTo("+447700900203"), 0) << "a child with a school waits for its session";
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 0) << "running the job again sends nothing twice";
    EXPECT_EQ(messagesTo("+447700900201"), 1);
}

TEST_F(CommunityClinics, ATeamThatSwitchedAutomaticInvitationsOffSendsNone) {
    const std::string off = "/api/v1/organisations/V12345/campaigns/flu-staff-only";
    ASSERT_EQ(call("PUT", off + "/cohort", kChildren, "text/csv").status, 200);
    ASSERT_EQ(
        call("POST", off + "/clinics",
             R"({"dose": "both", "vaccine": {"code": "43208811000001106", "term": "Fluenz"}, "location": "Hall", )"
             R"("date": "2026-12-10", "start": "09:00", "end": "12:00", "capacity": 5, "published": true, )"
             R"("community": true})")
            .status,
        201);
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 0);
    EXPECT_EQ(messagesTo("+447700900201"), 0);
}

TEST_F(CommunityClinics, ChildrenWhoMissedACompletedSchoolSessionAreCountedFirstThenInvited) {
    const auto session = communityClinic("2026-12-08", "100001");
    EXPECT_EQ(call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", "{}").status, 422)
        << "the session has not happened yet";
    now += 8 * kDay;
    communityClinic("2026-12-20");
    const auto summary = call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", "{}");
    ASSERT_EQ(summary.status, 200) << summary.body;
    EXPECT_EQ(summary.json()->getValue<int>("count"), 1);
    EXPECT_EQ(summary.json()->getArray("skipped")->getObject(0)->getValue<std::string>("reason"), "already vaccinated");
    EXPECT_EQ(messagesTo("+447700900203"), 0) << "the summary sends nothing";
    EXPECT_EQ(call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", R"({"send": true})").status, 202);
    EXPECT_EQ(messagesTo("+447700900203"), 1);
    EXPECT_EQ(messagesTo("parent.m@example.test"), 1);
    const auto again = call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", R"({"send": true})").json();
    EXPECT_EQ(again->getValue<int>("count"), 0);
    EXPECT_EQ(messagesTo("+447700900203"), 1);
}

TEST_F(CommunityClinics, InvitationsSendTheTextStaffChoseOrTheCampaignsOrTheHubs) {
    const auto session = communityClinic("2026-12-08", "100001");
    now += 8 * kDay;
    communityClinic("2026-12-20");
    const std::string invitations = kFlu + "/clinics/" + session + "/clinic-invitations";
    const auto preview = call("POST", invitations, "{}").json();
    EXPECT_EQ(preview->getValue<std::string>("message"),
              "{{practice}}: {{name}} can have their {{title}} at a community clinic. Book a time here: {{url}}")
        << "the hub's text: the campaign's YAML gives no invite_sms";
    EXPECT_EQ(preview->getValue<int>("sms_fragments"), 2) << "over 160 characters with the service's name and link";

    const auto bad = call("POST", invitations, R"({"send": true, "message": "{{name}}: ring us"})");
    ASSERT_EQ(bad.status, 422) << bad.body;
    EXPECT_NE(bad.body.find(R"("field":"message")"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find("must include {{url}}"), std::string::npos) << bad.body;
    EXPECT_EQ(messagesTo("+447700900203"), 0);

    const auto sent = call("POST", invitations,
                           R"({"send": true, "message": "{{practice}}: {{name}} missed the school clinic: {{url}}"})");
    ASSERT_EQ(sent.status, 202) << sent.body;
    EXPECT_EQ(sent.json()->getValue<std::string>("message"),
              "{{practice}}: {{name}} missed the school clinic: {{url}}");
    EXPECT_EQ(sent.json()->getValue<int>("sms_fragments"), 1);
    const auto sms = smsTo("+447700900203");
    ASSERT_EQ(sms.size(), 1U);
    EXPECT_NE(sms.front().find("Riverside Vaccination Service: Missed School missed the school clinic: https://"),
              std::string::npos)
        << sms.front();

    // Reminders: the campaign's reminder_sms from the YAML.
    now += 20 * kDay;
    communityClinic("2027-01-10");
    const auto reminders = call("POST", kFlu + "/community/reminders", R"({"send": true})");
    ASSERT_EQ(reminders.status, 202) << reminders.body;
    EXPECT_EQ(reminders.json()->getValue<std::string>("message"),
              "{{practice}}: {{name}} still needs a flu jab: {{url}}");
    const auto reminded = smsTo("+447700900203");
    ASSERT_EQ(reminded.size(), 2U);
    EXPECT_NE(reminded.back().find("Riverside Vaccination Service: Missed School still needs a flu jab: https://"),
              std::string::npos)
        << reminded.back();
}

TEST_F(CommunityClinics, OneChildInvitedGoesOutTheNextDayUnlessTheyWalkedInToday) {
    const auto today = communityClinic("2026-12-01");
    const auto home = child("9993000000");
    const auto unknown = child("9993000019");
    EXPECT_EQ(call("POST", home + "/community-invite").status, 202);
    EXPECT_EQ(call("POST", unknown + "/community-invite").status, 202);
    EXPECT_EQ(community->sendScheduledInvites(), 0) << "not before tomorrow";
    const auto walkIn = call("POST", unknown + "/walk-in", R"({"clinic_id": ")" + today + R"("})");
    ASSERT_EQ(walkIn.status, 201) << walkIn.body;
    now += kDay;
    EXPECT_EQ(community->sendScheduledInvites(), 1);
    EXPECT_EQ(messagesTo("+447700900201"), 1);
    EXPECT_EQ(messagesTo("parent.u@example.test"), 0) << "the walk-in was seen today: no invitation";
    const auto log = activity(unknown);
    EXPECT_NE(std::find(log.begin(), log.end(), "walk_in"), log.end());
    EXPECT_EQ(log.back(), "invite_not_sent");
    EXPECT_EQ(community->sendScheduledInvites(), 0) << "sent once";
}

TEST_F(CommunityClinics, RemindersGoOnlyToChildrenInvitedBeforeAndNotVaccinatedOncePerClinicDate) {
    communityClinic("2026-12-20");
    EXPECT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 2);
    now += 20 * kDay; // that clinic has been; the next is in January
    communityClinic("2027-01-10");
    // The home-schooled child has since been booked; only the other is still unvaccinated.
    const auto booked = call("GET", child("9993000000") + "/clinics?options=user").json()->getArray("clinics");
    ASSERT_EQ(booked->size(), 1U);
    ASSERT_EQ(
        call("POST", child("9993000000") + "/bookings",
             R"({"clinic_id": ")" + booked->getObject(0)->getValue<std::string>("id") + R"(", "options": "user"})")
            .status,
        201);
    const auto summary = call("POST", kFlu + "/community/reminders", "{}").json();
    EXPECT_EQ(summary->getValue<std::string>("clinic_date"), "2027-01-10");
    EXPECT_EQ(summary->getValue<int>("count"), 1);
    EXPECT_EQ(call("POST", kFlu + "/community/reminders", R"({"send": true})").status, 202);
    EXPECT_EQ(messagesTo("parent.u@example.test"), 2) << "the invitation, then one reminder";
    EXPECT_EQ(call("POST", kFlu + "/community/reminders", R"({"send": true})").json()->getValue<int>("count"), 0)
        << "run twice: one reminder per child per clinic date";
    EXPECT_EQ(messagesTo("parent.u@example.test"), 2);
}

TEST_F(CommunityClinics, AParentWhoBookedWithoutConsentIsAskedAndAPhoneResponseIsRecorded) {
    const auto clinic = communityClinic("2026-12-10");
    const auto member = child("9993000027");
    EXPECT_EQ(call("POST", member + "/consent-requests").status, 422) << "nothing booked yet";
    ASSERT_EQ(call("POST", member + "/bookings", R"({"clinic_id": ")" + clinic + R"(", "options": "patient"})").status,
              201);
    EXPECT_EQ(call("POST", member + "/consent-requests").status, 202);
    EXPECT_EQ(messagesTo("parent.m@example.test"), 1);
    const auto recorded = call("POST", member + "/consent", R"({"response": "given", "notes": "mother, by phone"})");
    ASSERT_EQ(recorded.status, 200) << recorded.body;
    EXPECT_EQ(recorded.json()->getValue<std::string>("consent"), "given");
    EXPECT_EQ(call("POST", member + "/consent-requests").status, 422) << "consent is recorded already";
    const auto log = activity(member);
    EXPECT_NE(std::find(log.begin(), log.end(), "consent_requested"), log.end());
    EXPECT_EQ(log.back(), "consent_given");
    EXPECT_EQ(call("POST", member + "/consent", R"({"response": "maybe"})").status, 422);

    // Each change in its own transaction, naming the child; the refusals as failures only. In no order: the
    // workflows' entries are timed by the test's clock, the guard's failures by the real one.
    std::vector<std::string> trail;
    for (const auto& e : audit->find({"V12345"}))
        if (e.resource == member.substr(member.rfind('/') + 1))
            trail.push_back(e.action + " " + std::string(audit::toString(e.outcome)) + " " + e.nhsNumber + " " +
                            (e.outcome == audit::Outcome::success && e.action == "bookMember" ? "" : e.detail));
    std::sort(trail.begin(), trail.end());
    EXPECT_EQ(trail, (std::vector<std::string>{"bookMember success 9993000027 ", "recordConsent failure  HTTP 422",
                                               "recordConsent success 9993000027 consent given",
                                               "requestConsent failure  HTTP 422", "requestConsent failure  HTTP 422",
                                               "requestConsent success 9993000027 "}));
}

} // namespace
} // namespace clinhub::test

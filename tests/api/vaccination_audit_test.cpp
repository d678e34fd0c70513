// The vaccination changes that act on a clinic or a campaign as a whole write their one audit entry in the
// change's own transaction (issue 16): creating and changing a clinic, uploading a cohort (with its last
// chunk), inviting members, inviting those who missed a school session, and booking reminders. A change
// refused or rolled back leaves the guard's failure and no success.
#include "tests/api/VaccinationFixture.h"

#include "tests/TestNhsNumbers.h"

#include <algorithm>
#include <sstream>

namespace clinhub::test {
namespace {

class VaccinationAudit : public VaccinationApi {
protected:
    // The trail's entries for one action with one outcome.
    std::vector<audit::Entry> entries(const std::string& action,
                                      audit::Outcome outcome = audit::Outcome::success) const {
        std::vector<audit::Entry> out;
        for (auto& e : audit->find({"V12345"}))
            if (e.action == action && e.outcome == outcome) out.push_back(std::move(e));
        return out;
    }

    // The one success of `action`, checked for who, where and what; its detail for the test to check.
    std::string onlySuccess(const std::string& action, const std::string& resource) const {
        const auto found = entries(action);
        EXPECT_EQ(found.size(), 1U) << action;
        if (found.size() != 1) return {};
        EXPECT_EQ(found[0].organisation, "V12345");
        EXPECT_EQ(found[0].resource, resource);
        EXPECT_EQ(found[0].nhsNumber, "") << "an action on many patients names none";
        EXPECT_EQ(found[0].actor.name, "tests");
        return found[0].detail;
    }

    // A flu clinic: a community one, or a school's session.
    std::string fluClinic(const std::string& date, const std::string& schoolUrn = {}) {
        const auto reply =
            call("POST", kFlu + "/clinics",
                 R"({"dose": "both", "vaccine": {"code": "43208811000001106", "term": "Fluenz"}, "location": "Hall",)"
                 R"( "date": ")" +
                     date + R"(", "start": "09:00", "end": "12:00", "capacity": 20, "published": true, )" +
                     (schoolUrn.empty() ? R"("community": true})" : R"("school_urn": ")" + schoolUrn + R"("})"));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.json()->getValue<std::string>("id");
    }

    void uploadChildren() {
        const auto reply = call("PUT", kFlu + "/cohort", kChildren, "text/csv");
        ASSERT_EQ(reply.status, 200) << reply.body;
    }
};

TEST_F(VaccinationAudit, ACreatedClinicIsAuditedOnceAndARefusedOneOnlyAsAFailure) {
    const auto id = clinic(kPfizer, "2026-12-10", false, 12);
    EXPECT_EQ(onlySuccess("createClinic", id), "2026-12-10, 12 places, hidden");
    EXPECT_EQ(call("POST", kCampaign + "/clinics", R"({"dose": "third"})").status, 422);
    EXPECT_EQ(entries("createClinic").size(), 1U) << "no success for the refused one";
    EXPECT_EQ(entries("createClinic", audit::Outcome::failure).size(), 1U);
}

TEST_F(VaccinationAudit, AChangedClinicIsAuditedOnceAndARolledBackChangeOnlyAsAFailure) {
    const auto id = clinic(kPfizer, "2026-12-10");
    const auto changed = call("PATCH", kCampaign + "/clinics/" + id, R"({"published": false, "capacity": 12})");
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(onlySuccess("updateClinic", id), "hidden, capacity 12");

    // Refused before anything is written, then inside the change's transaction (rolled back).
    EXPECT_EQ(call("PATCH", kCampaign + "/clinics/" + id, R"({"published": "yes"})").status, 422);
    EXPECT_EQ(call("PATCH", kCampaign + "/clinics/" + id, R"({"capacity": 200000})").status, 422);
    EXPECT_EQ(entries("updateClinic").size(), 1U) << "no success for either refusal";
    const auto failures = entries("updateClinic", audit::Outcome::failure);
    ASSERT_EQ(failures.size(), 2U);
    EXPECT_EQ(failures[1].resource, id);
    EXPECT_EQ(failures[1].detail, "HTTP 422");
    const auto clinics = call("GET", kCampaign + "/clinics").json()->getArray("clinics");
    EXPECT_EQ(clinics->getObject(0)->getValue<int>("capacity"), 12) << "the rolled-back change kept nothing";
}

TEST_F(VaccinationAudit, AnUploadedCohortIsAuditedOnceForTheCampaign) {
    upload();
    EXPECT_EQ(onlySuccess("uploadCohort", "covid"), "6 members, 1 rows rejected");
}

TEST_F(VaccinationAudit, ARefusedCohortFileIsAuditedOnlyAsAFailureAndKeepsNoOne) {
    EXPECT_EQ(call("PUT", kCampaign + "/cohort", "NHS Number,Name\r\n9995260182,Due Today\r\n", "text/csv").status, 422)
        << "no Date of Birth column";
    EXPECT_EQ(call("PUT", kCampaign + "/cohort", kCohort, "application/json").status, 415);
    EXPECT_TRUE(entries("uploadCohort").empty());
    EXPECT_EQ(entries("uploadCohort", audit::Outcome::failure).size(), 2U);
    EXPECT_EQ(call("GET", kCampaign + "/members").json()->getValue<int>("selected"), 0);
}

// The entry goes with the last chunk's commit, the upload's outcome: not one per chunk, nor any before it.
TEST_F(VaccinationAudit, ACohortOfManyChunksIsAuditedOnceWithItsLastChunk) {
    constexpr std::size_t kMembers = workflows::Cohorts::kRowsPerTransaction + 1;
    TestNhsNumbers numbers;
    std::string csv = "NHS Number,Name,Date of Birth,Mobile Number\r\n";
    for (std::size_t i = 0; i < kMembers; ++i)
        csv += numbers.next() + ",Patient " + std::to_string(i) + ",1960-01-01,07700 900123\r\n";
    std::vector<std::size_t> entriesAfterChunk;
    cohorts->onChunkCommitted([&](std::size_t) { entriesAfterChunk.push_back(entries("uploadCohort").size()); });
    std::istringstream in(csv);
    cohorts->upload("V12345", "covid", in, {audit::Actor::hub(), "uploadCohort"});
    EXPECT_EQ(entriesAfterChunk, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(entries("uploadCohort").front().detail, std::to_string(kMembers) + " members, 0 rows rejected");
}

TEST_F(VaccinationAudit, EachInviteIsAuditedOnceAPreviewAndAnInviteOfNoOneToo) {
    upload();
    clinic(kPfizer, "2026-12-15");
    ASSERT_EQ(call("POST", kCampaign + "/invites", inviteWeek + "}").status, 200);
    EXPECT_EQ(onlySuccess("inviteMembers", "covid"), "dose 2 preview: would invite 1, 1 to manually book, 2 skipped");
    ASSERT_EQ(call("POST", kCampaign + "/invites", inviteWeek + R"(, "send": true})").status, 202);
    ASSERT_EQ(call("POST", kCampaign + "/invites", inviteWeek + R"(, "send": true})").status, 202);
    const auto invites = entries("inviteMembers");
    ASSERT_EQ(invites.size(), 3U);
    EXPECT_EQ(invites[1].detail, "dose 2: invited 1, 1 to manually book, 2 skipped");
    EXPECT_EQ(invites[2].detail, "dose 2: invited 0, 0 to manually book, 2 skipped") << "nobody left to invite";

    EXPECT_EQ(call("POST", kCampaign + "/invites", R"({"dose": 1, "send": true})").status, 422)
        << "a bulk 1st-dose invite needs its status filter";
    EXPECT_EQ(entries("inviteMembers").size(), 3U);
    EXPECT_EQ(entries("inviteMembers", audit::Outcome::failure).size(), 1U);
}

TEST_F(VaccinationAudit, AnInviteOfOneMemberNamesThePatient) {
    upload();
    clinic(kPfizer, "2026-12-15", true, 10, "first");
    const auto invited = call("POST", kCampaign + "/invites",
                              R"({"dose": 1, "member_ids": [")" + memberId("9990000026") + R"("], "send": true})");
    ASSERT_EQ(invited.status, 202) << invited.body;
    const auto found = entries("inviteMembers");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].resource, "covid");
    EXPECT_EQ(found[0].nhsNumber, "9990000026");
    EXPECT_EQ(found[0].detail, "dose 1: invited 1, 0 to manually book, 0 skipped");
}

TEST_F(VaccinationAudit, InvitationsAfterAMissedSchoolSessionAreAuditedOnceForTheSession) {
    uploadChildren();
    const auto session = fluClinic("2026-12-08", "100001");
    EXPECT_EQ(call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", R"({"send": true})").status, 422)
        << "the session has not happened yet";
    now += 8 * kDay;
    fluClinic("2026-12-20");
    ASSERT_EQ(call("POST", kFlu + "/clinics/" + session + "/clinic-invitations", R"({"send": true})").status, 202);
    EXPECT_EQ(onlySuccess("missedSessionInvitations", session), "invited 1, 1 skipped");
    EXPECT_EQ(entries("missedSessionInvitations", audit::Outcome::failure).size(), 1U);
}

TEST_F(VaccinationAudit, BookingRemindersAreAuditedOnceForTheCampaign) {
    uploadChildren();
    EXPECT_EQ(call("POST", kFlu + "/community/reminders", R"({"send": true})").status, 422)
        << "no community clinic to remind about";
    fluClinic("2026-12-20");
    ASSERT_EQ(community->inviteHomeSchooledAndUnknownSchool(), 2);
    now += 20 * kDay;
    fluClinic("2027-01-10");
    ASSERT_EQ(call("POST", kFlu + "/community/reminders", R"({"send": true})").status, 202);
    EXPECT_EQ(onlySuccess("bookingReminders", "flu"), "reminded 2, 0 skipped");
    EXPECT_EQ(entries("bookingReminders", audit::Outcome::failure).size(), 1U);
}

} // namespace
} // namespace clinhub::test

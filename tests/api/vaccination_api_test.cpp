// The vaccination routes over real sockets, with the real local-book plugin answering both the diary and
// the immunisation records (from its seed), and a clock the tests move: cohort labels, the 9th-week and
// 3-week rules at their boundaries, the vaccine type of dose 1, hidden and full clinics, the patient's own
// booking through the invite link, and staff booking.
#include "tests/api/VaccinationFixture.h"

#include "tests/LookingAtOnce.h"
#include "tests/TestNhsNumbers.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/DateTimeFormatter.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <sstream>

namespace clinhub::test {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

TEST_F(VaccinationApi, UploadLabelsEachPatientFromWhatTheRecordsSayWasReceived) {
    const auto reply = call("PUT", kCampaign + "/cohort", kCohort, "text/csv");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    EXPECT_EQ(json->getValue<int>("accepted"), 6);
    const auto by = json->getObject("by_status");
    EXPECT_EQ(by->getValue<int>("awaiting_2nd_invite"), 4);
    EXPECT_EQ(by->getValue<int>("awaiting_response_1st"), 1);
    EXPECT_EQ(by->getValue<int>("completed"), 1);
    const auto rejected = json->getArray("rejected");
    ASSERT_EQ(rejected->size(), 1U);
    EXPECT_EQ(rejected->getObject(0)->getValue<int>("row"), 8);

    const auto listing = call("GET", kCampaign + "/members?status=awaiting_2nd_invite").json();
    EXPECT_EQ(listing->getValue<int>("selected"), 4);
    const auto weeks = listing->getArray("awaiting_2nd_invite_by_week");
    ASSERT_EQ(weeks->size(), 1U);
    EXPECT_EQ(weeks->getObject(0)->getValue<std::string>("dose1_week"), "2026-10-05");
    EXPECT_EQ(weeks->getObject(0)->getValue<int>("count"), 4);
    const auto member = call("GET", kCampaign + "/members/" + memberId("9990166137")).json();
    EXPECT_EQ(member->getObject("dose1")->getValue<std::string>("vaccine_term"), "Spikevax");
    EXPECT_EQ(member->getArray("activity")->getObject(1)->getValue<std::string>("event"), "checked");
}

// Members a page at a time by dose 1's date then NHS number, following next_after: the status and week
// filters hold on every page, `selected` counts them all, and a cursor that is no member is refused.
TEST_F(VaccinationApi, MembersComeAPageAtATimeWithTheirFiltersKept) {
    upload();
    // Every page of `query`, `limit` a page: the NHS numbers in order, and `selected` as each page says it.
    const auto walk = [&](const std::string& query, int limit, std::vector<int>& selected) {
        std::vector<std::string> seen;
        std::string next = kCampaign + "/members?limit=" + std::to_string(limit) + query;
        for (int pages = 0; !next.empty() && pages < 10; ++pages) {
            const auto reply = call("GET", next);
            EXPECT_EQ(reply.status, 200) << reply.body;
            if (reply.status != 200) break;
            const auto page = reply.json();
            const auto members = page->getArray("members");
            EXPECT_GT(members->size(), 0U) << "no cursor to an empty page";
            for (std::size_t i = 0; i < members->size(); ++i)
                seen.push_back(members->getObject(i)->getValue<std::string>("nhs_number"));
            selected.push_back(page->getValue<int>("selected"));
            const auto after = page->get("next_after");
            next = after.isEmpty() ? std::string()
                                   : kCampaign + "/members?limit=" + std::to_string(limit) + query +
                                         "&after=" + after.convert<std::string>();
        }
        return seen;
    };
    std::vector<int> selected;
    const auto week = walk("&status=awaiting_2nd_invite&dose1_week=2026-10-05", 1, selected);
    // Dose 1 on the 6th for three (by NHS number), the 7th for one.
    EXPECT_EQ(week, (std::vector<std::string>{"9990000018", "9990166137", "9995260182", "9991590838"}));
    EXPECT_EQ(selected, (std::vector<int>{4, 4, 4, 4}));
    selected.clear();
    const auto all = walk("", 4, selected);
    EXPECT_EQ(all, (std::vector<std::string>{"9990000026", "9990000050", "9990000018", "9990166137", "9995260182",
                                             "9991590838"}))
        << "no dose 1 first, then by date";
    EXPECT_EQ(selected, (std::vector<int>{6, 6}));
    selected.clear();
    EXPECT_EQ(walk("&status=completed", 1, selected), std::vector<std::string>{"9990000050"});

    const auto exact = call("GET", kCampaign + "/members?status=awaiting_2nd_invite&limit=4");
    ASSERT_EQ(exact.status, 200) << exact.body;
    EXPECT_TRUE(exact.json()->get("next_after").isEmpty()) << "one full page and no more: no cursor";

    const auto noMember = call("GET", kCampaign + "/members?after=mbr_nobody");
    EXPECT_EQ(noMember.status, 422) << noMember.body;
    const auto errors = noMember.json()->getArray("errors");
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1U);
    EXPECT_EQ(errors->getObject(0)->getValue<std::string>("field"), "after");
    const auto otherCampaign = call("GET", kFlu + "/members?after=" + memberId("9995260182"));
    EXPECT_EQ(otherCampaign.status, 422) << "another campaign's member is no cursor here";
    EXPECT_EQ(call("GET", kCampaign + "/members?limit=0").status, 422);
}

// A large cohort is stored a chunk of members per transaction, each committed before the next begins: in
// between, what is written is there for anyone to read, and another writer gets the store (this one would
// wait for ever, and the test time out, were the upload still holding the write lock).
TEST_F(VaccinationApi, ALargeCohortIsStoredAChunkPerTransactionLettingOtherWritersIn) {
    constexpr std::size_t kMembers = 2 * workflows::Cohorts::kRowsPerTransaction + 1;
    TestNhsNumbers numbers;
    std::string csv = "NHS Number,Name,Date of Birth,Mobile Number\r\n";
    for (std::size_t i = 0; i < kMembers; ++i)
        csv += numbers.next() + ",Patient " + std::to_string(i) + ",1960-01-01,07700 900123\r\n";
    std::vector<std::size_t> committed;
    std::vector<int> visible;
    cohorts->onChunkCommitted([&](std::size_t written) {
        committed.push_back(written);
        int members = 0;
        auto s = store->session();
        s << "SELECT COUNT(*) FROM cohort_members", Poco::Data::Keywords::into(members), Poco::Data::Keywords::now;
        visible.push_back(members);
        store->write([&](store::Session& w) {
            std::string job = "between-chunks-" + std::to_string(written);
            w << "INSERT INTO job_turns (job, holder, until_at) VALUES (?, 'test', 0)", Poco::Data::Keywords::use(job),
                Poco::Data::Keywords::now;
        });
    });
    std::istringstream in(csv);
    const auto uploaded = cohorts->upload("V12345", "covid", in);
    EXPECT_EQ(uploaded.accepted, static_cast<int64_t>(kMembers));
    const std::size_t chunk = workflows::Cohorts::kRowsPerTransaction;
    EXPECT_EQ(committed, (std::vector<std::size_t>{chunk, 2 * chunk, kMembers}));
    EXPECT_EQ(visible,
              (std::vector<int>{static_cast<int>(chunk), static_cast<int>(2 * chunk), static_cast<int>(kMembers)}));
    int between = 0;
    auto s = store->session();
    s << "SELECT COUNT(*) FROM job_turns WHERE job LIKE 'between-chunks-%'", Poco::Data::Keywords::into(between),
        Poco::Data::Keywords::now;
    EXPECT_EQ(between, 3);
}

TEST_F(VaccinationApi, BulkSecondDoseInvitesNeedTheStatusFilterAndAWeek) {
    upload();
    EXPECT_EQ(call("POST", kCampaign + "/invites", R"({"dose": 2, "status": "awaiting_2nd_invite"})").status, 422);
    EXPECT_EQ(call("POST", kCampaign + "/invites", R"({"dose": 2, "dose1_week": "2026-10-05"})").status, 422);
    EXPECT_EQ(call("POST", kCampaign + "/invites", inviteWeek + "}").status, 200);
}

TEST_F(VaccinationApi, DayFiftyFiveIsNotDueDayFiftySixIsAndOnlyTheVaccineOfDoseOneIsOffered) {
    upload();
    clinic(kPfizer, "2026-12-15");
    const auto plan = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_FALSE(plan->getValue<bool>("sent"));
    EXPECT_EQ(names(plan->getArray("invite")), std::vector<std::string>{"Due Today"});
    EXPECT_EQ(names(plan->getArray("to_manually_book")), std::vector<std::string>{"No Mobile"});
    const auto why = skipped(plan);
    ASSERT_EQ(why.size(), 2U);
    EXPECT_EQ(why.at("Due Tomorrow"), "not due until 2026-12-02 (day 56 after dose 1)") << "day 55";
    EXPECT_NE(why.at("Had Spikevax").find("for Spikevax (the vaccine of dose 1)"), std::string::npos)
        << why.at("Had Spikevax");

    now += kDay; // day 56 for the one vaccinated on 7 October
    const auto tomorrow = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_EQ(names(tomorrow->getArray("invite")), (std::vector<std::string>{"Due Today", "Due Tomorrow"}));
}

TEST_F(VaccinationApi, NoInviteGoesOutMoreThanThreeWeeksBeforeItsClinics) {
    upload();
    clinic(kPfizer, "2026-12-23"); // 22 days ahead
    auto plan = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_TRUE(plan->getArray("invite")->size() == 0) << "22 days before the only clinic";
    EXPECT_NE(skipped(plan).at("Due Today").find("within 21 days"), std::string::npos);
    clinic(kPfizer, "2026-12-22"); // 21 days ahead
    plan = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_EQ(names(plan->getArray("invite")), std::vector<std::string>{"Due Today"});
}

TEST_F(VaccinationApi, HiddenAndFullClinicsAreNotOfferedToPatients) {
    upload();
    clinic(kPfizer, "2026-12-10", false); // hidden
    const auto full = clinic(kPfizer, "2026-12-11", true, 1);
    // The only published clinic fills before the invite goes: staff book the other patient into it.
    const auto options =
        call("GET", kCampaign + "/members/" + memberId("9990000018") + "/clinics?options=patient").json();
    ASSERT_EQ(options->getArray("clinics")->size(), 1U);
    ASSERT_EQ(call("POST", kCampaign + "/members/" + memberId("9990000018") + "/bookings",
                   R"({"clinic_id": ")" + full + R"(", "options": "patient"})")
                  .status,
              201);
    const auto plan = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_EQ(plan->getArray("invite")->size(), 0U) << "a hidden clinic and a full one offer nothing";
    const auto patientView = call("GET", kCampaign + "/clinics?view=patient").json()->getArray("clinics");
    EXPECT_EQ(patientView->size(), 0U);
    EXPECT_EQ(call("GET", kCampaign + "/clinics").json()->getArray("clinics")->size(), 2U) << "staff see both";
}

TEST_F(VaccinationApi, StaffBookWithUserFacingOptionsIntoAHiddenClinicButNeverPastCapacity) {
    upload();
    const auto hidden = clinic(kPfizer, "2026-12-10", false, 1);
    const auto member = kCampaign + "/members/" + memberId("9990000018");
    EXPECT_EQ(call("GET", member + "/clinics?options=patient").json()->getArray("clinics")->size(), 0U);
    const auto user = call("GET", member + "/clinics?options=user").json()->getArray("clinics");
    ASSERT_EQ(user->size(), 1U);
    EXPECT_FALSE(user->getObject(0)->getValue<bool>("published"));
    EXPECT_EQ(call("POST", member + "/bookings", R"({"clinic_id": ")" + hidden + R"(", "options": "patient"})").status,
              422);
    EXPECT_EQ(call("POST", member + "/bookings", R"({"clinic_id": ")" + hidden + R"(", "options": "user"})").status,
              201);
    EXPECT_EQ(status("9990000018"), "booked_2nd");
    const auto other = kCampaign + "/members/" + memberId("9995260182");
    EXPECT_EQ(call("POST", other + "/bookings", R"({"clinic_id": ")" + hidden + R"(", "options": "user"})").status, 422)
        << "the clinic is full";
}

TEST_F(VaccinationApi, AStaffBookingIsAuditedWithThePatientsNhsNumberAndARefusedOneOnlyAsAFailure) {
    upload();
    const auto only = clinic(kPfizer, "2026-12-10", true, 1);
    const auto booked = memberId("9990000018");
    const auto refused = memberId("9995260182");
    ASSERT_EQ(call("POST", kCampaign + "/members/" + booked + "/bookings",
                   R"({"clinic_id": ")" + only + R"(", "options": "patient"})")
                  .status,
              201);
    ASSERT_EQ(call("POST", kCampaign + "/members/" + refused + "/bookings",
                   R"({"clinic_id": ")" + only + R"(", "options": "patient"})")
                  .status,
              422)
        << "the clinic is full";

    const auto trail = audit->find({"V12345"});
    std::vector<audit::Entry> bookings;
    std::copy_if(trail.begin(), trail.end(), std::back_inserter(bookings),
                 [](const audit::Entry& e) { return e.action == "bookMember"; });
    ASSERT_EQ(bookings.size(), 2U);
    EXPECT_EQ(bookings[0].outcome, audit::Outcome::success);
    EXPECT_EQ(bookings[0].resource, booked);
    EXPECT_EQ(bookings[0].nhsNumber, "9990000018");
    EXPECT_TRUE(bookings[0].detail.starts_with("booking cbk_")) << bookings[0].detail;
    EXPECT_EQ(bookings[0].actor.name, "tests");
    EXPECT_EQ(bookings[1].outcome, audit::Outcome::failure) << "the full clinic's refusal, and no success with it";
    EXPECT_EQ(bookings[1].resource, refused);
    EXPECT_EQ(bookings[1].detail, "HTTP 422");
}

TEST_F(VaccinationApi, ThePatientBooksTheirSecondDoseThroughTheInviteLinkAndIsNotInvitedTwice) {
    upload();
    const auto offered = clinic(kPfizer, "2026-12-15", true, 1);
    clinic(kModerna, "2026-12-16");
    clinic(kPfizer, "2026-12-17", false);
    const auto sent = call("POST", kCampaign + "/invites", inviteWeek + R"(, "send": true})");
    ASSERT_EQ(sent.status, 202) << sent.body;
    EXPECT_EQ(status("9995260182"), "awaiting_response_2nd");
    EXPECT_EQ(status("9990000018"), "to_manually_book_2nd");
    EXPECT_EQ(
        call("POST", kCampaign + "/invites", inviteWeek + R"(, "send": true})").json()->getArray("invite")->size(), 0U)
        << "sending twice invites no one twice";

    const auto token = tokenFor("+447700900101");
    ASSERT_FALSE(token.empty());
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(token), slots).ok());
    ASSERT_EQ(slots.size(), 1U) << "only the published Comirnaty clinic with a place";
    EXPECT_EQ(slots.front().id, offered);
    const auto booked = selfBook->book(selfBook->open(token), offered);
    ASSERT_EQ(booked.kind, workflows::BookOutcome::Kind::booked) << booked.message;
    EXPECT_EQ(status("9995260182"), "booked_2nd");
    const auto clinics = call("GET", kCampaign + "/clinics").json()->getArray("clinics");
    EXPECT_EQ(clinics->getObject(0)->getValue<int>("booked"), 1);
}

TEST_F(VaccinationApi, AnInviteRoundPreviewsTheTextItWillSendAndSendsIt) {
    upload();
    clinic(kPfizer, "2026-12-15");
    auto plan = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_EQ(plan->getValue<std::string>("message"),
              "{{practice}}: please book your {{title}} appointment here: {{url}}")
        << "the rule's invite_sms when staff give none";
    EXPECT_EQ(plan->getValue<int>("sms_fragments"), 2) << "over 160 characters with the service's name and link";

    const std::string text = "{{practice}}: {{name}}, your 2nd dose is due: {{url}}";
    const std::string withText = inviteWeek + R"(, "message": ")" + text + R"(")";
    plan = call("POST", kCampaign + "/invites", withText + "}").json();
    EXPECT_EQ(plan->getValue<std::string>("message"), text);
    EXPECT_EQ(plan->getValue<int>("sms_fragments"), 1);
    EXPECT_TRUE(queuedMessages(*store, "sms").empty()) << "a preview sends nothing";

    const auto bad =
        call("POST", kCampaign + "/invites", inviteWeek + R"(, "message": "{{when}} {{url}}", "send": true})");
    ASSERT_EQ(bad.status, 422) << bad.body;
    EXPECT_NE(bad.body.find(R"("field":"message")"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find("unknown placeholder '{{when}}'"), std::string::npos) << bad.body;
    EXPECT_TRUE(queuedMessages(*store, "sms").empty());

    ASSERT_EQ(call("POST", kCampaign + "/invites", withText + R"(, "send": true})").status, 202);
    const auto sms = queuedMessages(*store, "sms");
    ASSERT_EQ(sms.size(), 1U);
    EXPECT_NE(sms.front().payloadJson.find("Riverside Vaccination Service: Due Today, your 2nd dose is due: https://"),
              std::string::npos)
        << sms.front().payloadJson;
    EXPECT_NE(sms.front().payloadJson.find("/b/" + tokenFor("+447700900101")), std::string::npos);
}

TEST_F(VaccinationApi, ThePatientMovesTheirBookingToAnotherClinicAndTheFirstGetsItsPlaceBack) {
    upload();
    const auto first = clinic(kPfizer, "2026-12-15", true, 1);
    const auto second = clinic(kPfizer, "2026-12-16", true, 1);
    ASSERT_EQ(call("POST", kCampaign + "/invites", inviteWeek + R"(, "send": true})").status, 202);
    ASSERT_EQ(selfBook->book(selfBook->open(tokenFor("+447700900101")), first).kind,
              workflows::BookOutcome::Kind::booked);
    const auto manage = tokenFor("+447700900101", 1);
    ASSERT_FALSE(manage.empty()) << "the confirmation SMS carries a manage link";
    const auto moved = selfBook->reschedule(selfBook->open(manage), second);
    ASSERT_EQ(moved.kind, workflows::BookOutcome::Kind::booked) << moved.message;
    EXPECT_EQ(status("9995260182"), "booked_2nd") << "still booked, now at the other clinic";
    const auto clinics = call("GET", kCampaign + "/clinics").json()->getArray("clinics");
    EXPECT_EQ(clinics->getObject(0)->getValue<int>("booked"), 0) << "the first clinic's place is free again";
    EXPECT_EQ(clinics->getObject(1)->getValue<int>("booked"), 1);
}

// The records' outage is made in their own database (local-book's, here): every lookup then fails.
void renameTable(const std::string& database, const std::string& from, const std::string& to) {
    Poco::Data::SQLite::Connector::registerConnector(); // the hub's own store may be PostgreSQL
    Poco::Data::Session s(Poco::Data::SQLite::Connector::KEY, database);
    s << "ALTER TABLE " + from + " RENAME TO " + to, Poco::Data::Keywords::now;
}

TEST_F(VaccinationApi, DuringARecordsOutageTheCohortWaitsAsPendingCheckAndIsLabelledOnceTheyAnswer) {
    renameTable(dir.file("book.db"), "immunisations", "immunisations_away");
    const auto reply = call("PUT", kCampaign + "/cohort", kCohort, "text/csv");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json()->getObject("by_status")->getValue<int>("pending_check"), 6) << reply.body;
    EXPECT_EQ(reply.json()->getObject("by_status")->size(), 1U) << "no one labelled from a guess";
    const auto member = call("GET", kCampaign + "/members/" + memberId("9995260182")).json();
    EXPECT_FALSE(member->isNull("check_error"));
    EXPECT_EQ(cohorts->recheckPending(100), 0) << "not due yet: the next check waits";

    now += workflows::Cohorts::kRecheckMicros;
    EXPECT_EQ(cohorts->recheckPending(100), 0) << "still down";
    EXPECT_EQ(status("9995260182"), "pending_check");

    renameTable(dir.file("book.db"), "immunisations_away", "immunisations");
    now += 2 * workflows::Cohorts::kRecheckMicros; // the second failure doubled the wait
    EXPECT_EQ(cohorts->recheckPending(100), 6);
    const auto counts = call("GET", kCampaign + "/members").json()->getObject("counts");
    EXPECT_EQ(counts->getValue<int>("awaiting_2nd_invite"), 4);
    EXPECT_EQ(counts->getValue<int>("awaiting_response_1st"), 1);
    EXPECT_EQ(counts->getValue<int>("completed"), 1);
    EXPECT_FALSE(counts->has("pending_check"));
    EXPECT_EQ(cohorts->recheckPending(100), 0) << "running the job again changes nothing";
}

std::string iso(int64_t micros) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%SZ");
}

// An invite round is kept to be sent at its time, by the hub, once; one cancelled before is never sent.
TEST_F(VaccinationApi, AScheduledInviteIsSentOnceAtItsTimeAndOneCancelledBeforeIsNot) {
    upload();
    clinic(kPfizer, "2026-12-15");
    const std::string rounds = kCampaign + "/scheduled-invites";
    const auto scheduled = call("POST", rounds,
                                inviteWeek + R"(, "message": "Riverside: your 2nd jab, book it: {{url}}", "at": ")" +
                                    iso(now.load() + kDay) + R"("})");
    ASSERT_EQ(scheduled.status, 201) << scheduled.body;
    EXPECT_EQ(scheduled.json()->getValue<std::string>("message"), "Riverside: your 2nd jab, book it: {{url}}");
    const auto id = scheduled.json()->getValue<std::string>("id");
    EXPECT_EQ(scheduled.header("Location"), rounds + "/" + id);
    EXPECT_EQ(scheduled.json()->getValue<std::string>("state"), "scheduled");
    EXPECT_EQ(scheduled.json()->getValue<std::string>("dose1_week"), "2026-10-05");

    const auto other = call("POST", rounds, inviteWeek + R"(, "at": ")" + iso(now.load() + 2 * kDay) + R"("})");
    ASSERT_EQ(other.status, 201) << other.body;
    const auto otherId = other.json()->getValue<std::string>("id");
    const auto cancelled = call("DELETE", rounds + "/" + otherId);
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(cancelled.json()->getValue<std::string>("state"), "cancelled");
    EXPECT_EQ(call("DELETE", rounds + "/" + otherId).status, 409);
    EXPECT_EQ(call("DELETE", rounds + "/inr_unknown").status, 404);
    const auto listed = call("GET", rounds).json()->getArray("scheduled_invites");
    ASSERT_EQ(listed->size(), 1U);
    EXPECT_EQ(listed->getObject(0)->getValue<std::string>("id"), id);

    EXPECT_EQ(cohorts->sendDueInvites(), 0) << "not before its time";
    EXPECT_EQ(status("9990000018"), "awaiting_2nd_invite");
    now += kDay;
    EXPECT_EQ(cohorts->sendDueInvites(), 1);
    EXPECT_EQ(cohorts->sendDueInvites(), 0) << "sent once";
    EXPECT_EQ(status("9995260182"), "awaiting_response_2nd") << "Due Today, texted a link";
    EXPECT_FALSE(tokenFor("+447700900101").empty());
    bool theirText = false;
    for (const auto& m : queuedMessages(*store, "sms"))
        theirText = theirText || m.payloadJson.find("Riverside: your 2nd jab, book it: http") != std::string::npos;
    EXPECT_TRUE(theirText) << "the round sends the text it was scheduled with";
    EXPECT_EQ(status("9990000018"), "to_manually_book_2nd") << "No Mobile";
    now += kDay;
    EXPECT_EQ(cohorts->sendDueInvites(), 0) << "the cancelled one never";
    EXPECT_EQ(call("GET", rounds).json()->getArray("scheduled_invites")->size(), 0U);
    EXPECT_EQ(call("DELETE", rounds + "/" + id).status, 409) << "too late to cancel";
    const auto after = call("POST", kCampaign + "/invites", inviteWeek + "}").json();
    EXPECT_EQ(after->getArray("invite")->size(), 0U) << "everyone due was invited by the scheduled round";

    std::map<std::string, int> successes, failures;
    for (const auto& e : audit->find({"V12345"}))
        ++(e.outcome == audit::Outcome::success ? successes : failures)[e.action];
    EXPECT_EQ(successes["scheduleInvites"], 2);
    EXPECT_EQ(successes["cancelScheduledInvites"], 1);
    EXPECT_EQ(successes["sendScheduledInvites"], 1);
    EXPECT_EQ(failures["cancelScheduledInvites"], 3) << "twice too late, once unknown";
}

// Hub processes sharing a store each look for due invites; each is sent by exactly one of them.
TEST_F(VaccinationApi, OfManyLookingAtOnceExactlyOneSendsADueInvite) {
    upload();
    clinic(kPfizer, "2026-12-15");
    ASSERT_EQ(
        call("POST", kCampaign + "/scheduled-invites", inviteWeek + R"(, "at": ")" + iso(now.load() + kDay) + R"("})")
            .status,
        201);
    now += kDay;
    const int sent = lookingAtOnce(6, now, [&](std::function<int64_t()> readClock) {
        return workflows::Cohorts(*store, *current, *selfBook, std::move(readClock)).sendDueInvites();
    });
    EXPECT_EQ(sent, 1);
    int entries = 0;
    for (const auto& e : audit->find({"V12345"}))
        entries += e.action == "sendScheduledInvites" ? 1 : 0;
    EXPECT_EQ(entries, 1);
    EXPECT_EQ(status("9995260182"), "awaiting_response_2nd");
}

TEST_F(VaccinationApi, AScheduledInviteNeedsAFutureTimeAndWhatAnInviteNeeds) {
    upload();
    const std::string rounds = kCampaign + "/scheduled-invites";
    const auto fields = [&](const std::string& body) {
        const auto reply = call("POST", rounds, body);
        std::vector<std::string> out;
        if (reply.status != 422) return std::vector<std::string>{"HTTP " + std::to_string(reply.status)};
        const auto errors = reply.json()->getArray("errors");
        for (std::size_t i = 0; i < errors->size(); ++i)
            out.push_back(errors->getObject(static_cast<unsigned>(i))->getValue<std::string>("field"));
        return out;
    };
    EXPECT_EQ(fields(inviteWeek + "}"), std::vector<std::string>{"at"});
    EXPECT_EQ(fields(inviteWeek + R"(, "at": ")" + iso(now.load() - kDay) + R"("})"), std::vector<std::string>{"at"});
    EXPECT_EQ(fields(inviteWeek + R"(, "at": ")" + iso(now.load() + 91 * kDay) + R"("})"),
              std::vector<std::string>{"at"});
    EXPECT_EQ(fields(R"({"dose": 2, "status": "awaiting_2nd_invite", "at": ")" + iso(now.load() + kDay) + R"("})"),
              std::vector<std::string>{"dose1_week"});
    EXPECT_EQ(
        call("POST", rounds, R"({"dose": 2, "member_ids": ["mbr_unknown"], "at": ")" + iso(now.load() + kDay) + R"("})")
            .status,
        404);
    EXPECT_EQ(call("GET", rounds).json()->getArray("scheduled_invites")->size(), 0U) << "nothing kept";
}

} // namespace
} // namespace clinhub::test

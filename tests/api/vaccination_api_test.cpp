// The vaccination routes over real sockets, with the real local-book plugin answering both the diary and
// the immunisation records (from its seed), and a clock the tests move: cohort labels, the 9th-week and
// 3-week rules at their boundaries, the vaccine type of dose 1, hidden and full clinics, the patient's own
// booking through the invite link, and staff booking.
#include "tests/api/StaffApiFixture.h"

#include "hub/api/VaccinationApi.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"

#include <Poco/JSON/Array.h>

#include <atomic>

namespace clinhub::test {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// 10:00 UTC on Tuesday 1 December 2026 (GMT: UK time too).
constexpr int64_t kToday = 1796119200LL * 1'000'000;
constexpr int64_t kDay = 86'400LL * 1'000'000;

const std::string kPfizer = R"({"code": "39114911000001105", "term": "Comirnaty"})";
const std::string kModerna = R"({"code": "39326911000001101", "term": "Spikevax"})";

// Dose 1 on 6 October is day 56 on 1 December: due. On 7 October it is day 55: due tomorrow.
const std::string kSeed = R"(patients:
  - {nhs_number: "9995260182", date_of_birth: "1950-01-01", mobile: "07700 900101", name: "Due Today",
     immunisations: [{target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "2026-10-06", dose: 1}]}
  - {nhs_number: "9991590838", date_of_birth: "1950-01-02", mobile: "07700 900102", name: "Due Tomorrow",
     immunisations: [{target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "2026-10-07", dose: 1}]}
  - {nhs_number: "9990166137", date_of_birth: "1950-01-03", mobile: "07700 900103", name: "Had Spikevax",
     immunisations: [{target: COVID, vaccine_code: "39326911000001101", vaccine_term: Spikevax, date: "2026-10-06", dose: 1}]}
  - {nhs_number: "9990000018", date_of_birth: "1950-01-04", name: "No Mobile",
     immunisations: [{target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "2026-10-06", dose: 1}]}
  - {nhs_number: "9990000026", date_of_birth: "1950-01-05", mobile: "07700 900105", name: "Not Yet",
     immunisations: [{target: FLU, vaccine_code: "43208811000001106", vaccine_term: Fluenz, date: "2026-10-01", dose: 1}]}
  - {nhs_number: "9990000050", date_of_birth: "1950-01-06", mobile: "07700 900106", name: "Both Done",
     immunisations: [{target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "2026-06-01", dose: 1},
                     {target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "2026-08-01", dose: 2}]}
)";

const std::string kCohort = "NHS Number,First name,Surname,Date of Birth,Mobile Number\r\n"
                            "9995260182,Due,Today,01/01/1950,07700 900101\r\n"
                            "9991590838,Due,Tomorrow,1950-01-02,07700 900102\r\n"
                            "9990166137,Had,Spikevax,1950-01-03,07700 900103\r\n"
                            "9990000018,No,Mobile,1950-01-04,\r\n"
                            "9990000026,Not,Yet,1950-01-05,07700 900105\r\n"
                            "9990000050,Both,Done,1950-01-06,07700 900106\r\n"
                            "9995260183,Wrong,Check,1950-01-07,07700 900107\r\n";

const std::string kConfig = R"(hub:
  listen: 127.0.0.1:0
  public_url: https://clinhub.example.test
  store: sqlite:hub.db
connectors:
  book: {plugin: local-book, config: {database: book.db, seed: book.yaml}}
  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
  V12345:
    name: Riverside Vaccination Service
    route: {appointment_book: book, sms: [texts], immunisations: book}
    rules:
      covid: {title: COVID-19 vaccination, slot_types: [COVID clinic], horizon_days: 42, allow_decline: true}
    campaigns:
      covid: {rule: covid, target: COVID, doses: 2}
)";

const std::string kCampaign = "/api/v1/organisations/V12345/campaigns/covid";

class VaccinationApi : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(dir.file("book.yaml")) << kSeed;
        host.loadDirectory(CLINHUB_PLUGIN_DIR);
        const auto loaded = config::loadConfigText(kConfig, dir.file("hub.yaml"), host, config::processEnvironment());
        ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "no config" : loaded.problems.front().str());
        std::vector<std::string> errors;
        auto runtime = runtime::Runtime::build(*loaded.config, host, errors);
        ASSERT_TRUE(runtime) << errors.front();
        current = std::make_unique<runtime::Current>(runtime);
        store = store::Store::open(loaded.config->storeUrl);
        store->migrate();
        const auto clock = [this] { return now.load(); };
        selfBook = std::make_unique<workflows::SelfBook>(*store, *current, clock);
        clinics = std::make_unique<workflows::Clinics>(*store, *current, clock);
        cohorts = std::make_unique<workflows::Cohorts>(*store, *current, *selfBook, clock);
        selfBook->bookClinicsWith([this](const workflows::Link& link) { return cohorts->clinicsFor(link); });
        keys = std::make_unique<api::ApiKeys>(*store);
        key = keys->create("V12345", "tests").key;
        api::addVaccinationApi(router, *clinics, *cohorts, *keys);
        server = std::make_unique<http::Server>(loaded.config->http, router, metrics);
        server->start();
    }

    Reply call(const std::string& method, const std::string& target, const std::string& body = {},
               const std::string& type = "application/json") const {
        Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
        session.setTimeout(Poco::Timespan(10, 0));
        Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", "Bearer " + key);
        request.setContentType(type);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        Reply reply;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
        reply.status = response.getStatus();
        return reply;
    }

    std::string clinic(const std::string& vaccine, const std::string& date, bool published = true, int capacity = 10,
                       const std::string& dose = "second") {
        std::string body = R"({"dose": ")" + dose + R"(", "vaccine": )" + vaccine +
                           R"(, "location": "Riverside Hall", "date": ")" + date +
                           R"(", "start": "09:00", "end": "12:00", "capacity": )" + std::to_string(capacity) +
                           R"(, "published": )" + (published ? "true" : "false") + "}";
        const auto reply = call("POST", kCampaign + "/clinics", body);
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.json()->getValue<std::string>("id");
    }

    void upload() {
        const auto reply = call("PUT", kCampaign + "/cohort", kCohort, "text/csv");
        ASSERT_EQ(reply.status, 200) << reply.body;
    }

    std::string memberId(const std::string& nhs) {
        const auto members = call("GET", kCampaign + "/members").json()->getArray("members");
        for (std::size_t i = 0; i < members->size(); ++i)
            if (members->getObject(i)->getValue<std::string>("nhs_number") == nhs)
                return members->getObject(i)->getValue<std::string>("id");
        ADD_FAILURE() << "no member " << nhs;
        return {};
    }

    std::string status(const std::string& nhs) {
        return call("GET", kCampaign + "/members/" + memberId(nhs)).json()->getValue<std::string>("status");
    }

    static std::vector<std::string> names(const Array::Ptr& members) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < members->size(); ++i)
            out.push_back(members->getObject(i)->getValue<std::string>("name"));
        return out;
    }

    // The skipped members' reasons, by name.
    std::map<std::string, std::string> skipped(const Object::Ptr& plan) {
        std::map<std::string, std::string> out;
        const auto list = plan->getArray("skipped");
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto id = list->getObject(i)->getValue<std::string>("id");
            const auto m = call("GET", kCampaign + "/members/" + id).json();
            out[m->getValue<std::string>("name")] = list->getObject(i)->getValue<std::string>("reason");
        }
        return out;
    }

    // The patient's token, from the invite SMS the outbox holds for this mobile.
    std::string tokenFor(const std::string& mobile) {
        auto s = store->session();
        std::vector<std::string> payloads;
        s << "SELECT payload FROM outbox WHERE channel = 'sms' ORDER BY created_at",
            Poco::Data::Keywords::into(payloads), Poco::Data::Keywords::now;
        for (const auto& p : payloads)
            if (p.find(mobile) != std::string::npos) {
                const auto at = p.find("/b/") + 3;
                return p.substr(at, p.find_first_of("\" ", at) - at);
            }
        return {};
    }

    const std::string inviteWeek = R"({"dose": 2, "status": "awaiting_2nd_invite", "dose1_week": "2026-10-05")";

    TempDir dir;
    host::PluginHost host;
    std::atomic<int64_t> now{kToday};
    std::unique_ptr<runtime::Current> current;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::unique_ptr<workflows::Clinics> clinics;
    std::unique_ptr<workflows::Cohorts> cohorts;
    std::unique_ptr<api::ApiKeys> keys;
    std::string key;
    metrics::Metrics metrics;
    http::Router router;
    std::unique_ptr<http::Server> server;
};

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
    ASSERT_TRUE(selfBook->freeSlots(token, slots).ok());
    ASSERT_EQ(slots.size(), 1U) << "only the published Comirnaty clinic with a place";
    EXPECT_EQ(slots.front().id, offered);
    const auto booked = selfBook->book(token, offered);
    ASSERT_EQ(booked.kind, workflows::BookOutcome::Kind::booked) << booked.message;
    EXPECT_EQ(status("9995260182"), "booked_2nd");
    const auto clinics = call("GET", kCampaign + "/clinics").json()->getArray("clinics");
    EXPECT_EQ(clinics->getObject(0)->getValue<int>("booked"), 1);
}

// The records' outage is made in their own database (local-book's, here): every lookup then fails.
void renameTable(const std::string& database, const std::string& from, const std::string& to) {
    Poco::Data::Session s("SQLite", database);
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

} // namespace
} // namespace clinhub::test

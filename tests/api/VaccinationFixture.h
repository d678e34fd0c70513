// The vaccination routes as staff use them: a real server, store and local-book (answering the
// immunisation records from its seed), and a clock the tests move. Shared by the second-dose and the
// community-clinic tests.
#pragma once

#include "tests/api/StaffApiFixture.h"

#include "hub/api/VaccinationApi.h"
#include "hub/workflows/Clinics.h"
#include "hub/workflows/Cohorts.h"
#include "hub/workflows/CommunityClinics.h"

#include <Poco/JSON/Array.h>

#include <atomic>
#include <map>

namespace clinhub::test {

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
  - {nhs_number: "9993000000", date_of_birth: "2015-03-01", name: "Home Schooled"}
  - {nhs_number: "9993000019", date_of_birth: "2015-03-02", name: "Unknown School"}
  - {nhs_number: "9993000027", date_of_birth: "2015-03-03", name: "Missed School"}
  - {nhs_number: "9993000035", date_of_birth: "2015-03-04", name: "Jabbed At School",
     immunisations: [{target: FLU, vaccine_code: "43208811000001106", vaccine_term: Fluenz, date: "2026-11-20", dose: 1}]}
  - {nhs_number: "9993000043", date_of_birth: "2015-03-05", name: "No Contact"}
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

const std::string kConfig = testHubYaml(R"(  V12345:
    name: Riverside Vaccination Service
    route: {appointment_book: book, sms: [texts], immunisations: book}
    rules:
      covid: {title: COVID-19 vaccination, slot_types: [COVID clinic], horizon_days: 42, allow_decline: true,
              allow_reschedule: true}
      flu: {title: Flu vaccination, slot_types: [Flu clinic], horizon_days: 42}
    campaigns:
      covid: {rule: covid, target: COVID, doses: 2}
      flu: {rule: flu, target: FLU, community: {reminder_sms: "{{practice}}: {{name}} still needs a flu jab: {{url}}"}}
      flu-staff-only: {rule: flu, target: FLU, community_invite_days: 0}
)",
                                        "");

// Children for the community clinics: parents' contacts, and their schools (999999 home-schooled, 888888
// unknown, 100001 a school whose session one child missed and another did not).
const std::string kChildren = "NHS Number,Child name,Date of Birth,Parent mobile,Parent email,School URN\r\n"
                              "9993000000,Home Schooled,2015-03-01,07700 900201,,999999\r\n"
                              "9993000019,Unknown School,2015-03-02,,parent.u@example.test,888888\r\n"
                              "9993000027,Missed School,2015-03-03,07700 900203,parent.m@example.test,100001\r\n"
                              "9993000035,Jabbed At School,2015-03-04,07700 900204,,100001\r\n"
                              "9993000043,No Contact,2015-03-05,,,999999\r\n";
const std::string kFlu = "/api/v1/organisations/V12345/campaigns/flu";

const std::string kCampaign = "/api/v1/organisations/V12345/campaigns/covid";

class VaccinationApi : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(hub.start(dir, db, kSeed, kConfig));
        const auto clock = [this] { return now.load(); };
        selfBook = std::make_unique<workflows::SelfBook>(*store, *current, clock);
        clinics = std::make_unique<workflows::Clinics>(*store, *current, clock);
        cohorts = std::make_unique<workflows::Cohorts>(*store, *current, *selfBook, clock);
        selfBook->bookClinicsWith([this](const workflows::Link& link) { return cohorts->clinicsFor(link); });
        community = std::make_unique<workflows::CommunityClinics>(*store, *current, *selfBook, *cohorts, clock);
        keys = std::make_unique<staff::ApiKeys>(*store);
        key = keys->create("V12345", "tests").key;
        audit = std::make_unique<audit::AuditLog>(*store);
        signIn = std::make_unique<staff::SignIn>(*store, *audit);
        api::addVaccinationApi(router, *clinics, *cohorts, *community, *signIn, *audit);
        addRoutes(router);
        server = std::make_unique<http::Server>(hub.config->http, router, metrics);
        server->start();
    }

    // More routes on the same server, added before it starts.
    virtual void addRoutes(http::Router& /*router*/) {}

    Reply call(const std::string& method, const std::string& target, const std::string& body = {},
               const std::string& type = "application/json") const {
        return request(server->port(), method, target, key, body, type);
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

    // A flu clinic for the children of kChildren: a community clinic, or the session of the school `schoolUrn`.
    std::string communityClinic(const std::string& date, const std::string& schoolUrn = {},
                                const std::string& start = "09:00") {
        const auto reply =
            call("POST", kFlu + "/clinics",
                 R"({"dose": "both", "vaccine": {"code": "43208811000001106", "term": "Fluenz"}, "location": ")" +
                     std::string(schoolUrn.empty() ? "Riverside Community Centre" : "Riverside Primary") +
                     R"(", "date": ")" + date + R"(", "start": ")" + start +
                     R"(", "end": "12:00", "capacity": 20, "published": true, )" +
                     (schoolUrn.empty() ? R"("community": true})" : R"("school_urn": ")" + schoolUrn + R"("})"));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.json()->getValue<std::string>("id");
    }

    void upload() {
        const auto reply = call("PUT", kCampaign + "/cohort", kCohort, "text/csv");
        ASSERT_EQ(reply.status, 200) << reply.body;
    }

    std::string memberId(const std::string& nhs, const std::string& campaign = kCampaign) {
        const auto members = call("GET", campaign + "/members").json()->getArray("members");
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

    // The patient's token, from the nth SMS (the invite first, then the confirmation with its manage link)
    // the outbox holds for this mobile.
    std::string tokenFor(const std::string& mobile, int nth = 0) {
        for (const auto& m : queuedMessages(*store, "sms"))
            if (const auto& p = m.payloadJson; p.find(mobile) != std::string::npos && nth-- == 0) {
                const auto at = p.find("/b/") + 3;
                return p.substr(at, p.find_first_of("\" ", at) - at);
            }
        return {};
    }

    const std::string inviteWeek = R"({"dose": 2, "status": "awaiting_2nd_invite", "dose1_week": "2026-10-05")";

    TempDir dir;
    TestStore db{dir};
    TestHub hub;
    host::PluginHost& host = hub.host;
    std::atomic<int64_t> now{kToday};
    std::unique_ptr<runtime::Current>& current = hub.current;
    std::unique_ptr<store::Store>& store = hub.store;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::unique_ptr<workflows::Clinics> clinics;
    std::unique_ptr<workflows::Cohorts> cohorts;
    std::unique_ptr<workflows::CommunityClinics> community;
    std::unique_ptr<staff::ApiKeys> keys;
    std::unique_ptr<audit::AuditLog> audit;
    std::unique_ptr<staff::SignIn> signIn;
    std::string key;
    metrics::Metrics metrics;
    http::Router router;
    std::unique_ptr<http::Server> server;
};

} // namespace clinhub::test

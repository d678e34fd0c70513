// Three `clinhub serve` processes sharing one PostgreSQL database, each a real process on its own port, all
// sending through the notify plugin to one notify_sim process (issue 8): 10,000 invites of a batch are sent
// while one hub is killed with SIGKILL, and patients open, check and book their links on whichever hub answers.
// Nothing here is timed: how fast belongs in bench/.
#include "SimProcess.h"
#include "hub/links/LinkRepository.h"
#include "hub/store/Store.h"
#include "tests/TestNhsNumbers.h"
#include "tests/cli/HubProcess.h"
#include "tests/pg/PgDatabase.h"
#include "tests/web/PagesFixture.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace clinhub::test {
namespace {

using namespace Poco::Data::Keywords;

constexpr int kInvites = 10'000;
constexpr const char* kOrganisation = "A12345";

// A made-up service of tests/simulators/notify/fixture.json: not a key of any real Notify service.
constexpr const char* kApiKey =
    "clinhub_test-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
constexpr const char* kSmsTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";

// A SystmOne-style list of `rows` patients, every one of whom can be sent an invite: distinct NHS numbers of
// the 999 range, mobiles of the 07700 900000–900999 drama range, all born 14 March 1956.
std::string patientList(int rows) {
    std::ostringstream out;
    out << "NHS Number,Mobile Number,Date of Birth,Name\r\n";
    clinhub::test::TestNhsNumbers nhsNumbers;
    for (int i = 0; i < rows; ++i) {
        char mobile[16];
        std::snprintf(mobile, sizeof mobile, "07700 900%03d", i % 1000);
        out << nhsNumbers.next() << ',' << mobile << ",14/03/1956,Test Patient " << i << "\r\n";
    }
    return out.str();
}

// One staff API request to the hub on `port`.
Reply apiCall(uint16_t port, const std::string& method, const std::string& target, const std::string& key,
              const std::string& body = {}, const std::string& contentType = "application/json") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + key);
    if (!body.empty() || method == "POST") {
        request.setContentType(contentType);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    Reply reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
    reply.status = static_cast<int>(response.getStatus());
    for (const auto& [name, value] : response)
        reply.headers[name] = value;
    return reply;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

struct SimCount {
    int count = 0;
    int distinct = 0;
    int duplicated = 0;
};

SimCount countAt(const SimProcess& sim) {
    const auto o = json(sim.control("GET", "/_sim/notifications/count"));
    return {o->getValue<int>("count"), o->getValue<int>("distinct_references"),
            o->getValue<int>("duplicated_references")};
}

// Every notification the simulator took: reference → the link token in its body.
std::map<std::string, std::string> tokensAt(const SimProcess& sim) {
    const auto all =
        Poco::JSON::Parser().parse(sim.control("GET", "/_sim/notifications")).extract<Poco::JSON::Array::Ptr>();
    std::map<std::string, std::string> out;
    const std::regex link("/b/([A-Za-z0-9_-]+)");
    for (std::size_t i = 0; i < all->size(); ++i) {
        const auto n = all->getObject(static_cast<unsigned>(i));
        std::smatch m;
        const std::string body = n->optValue<std::string>("body", "");
        if (n->isNull("reference") || !std::regex_search(body, m, link)) continue;
        out[n->getValue<std::string>("reference")] = m[1].str();
    }
    return out;
}

// The references of a hub's log lines of one event: outbox_sent, outbox_resending, ...
std::set<std::string> logged(const HubProcess& hub, const std::string& event) {
    std::set<std::string> out;
    const std::string log = hub.log();
    const std::regex sent("\"event\":\"" + event + "\",\"reference\":\"(msg-[^\"]+)\"");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), sent); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1].str());
    return out;
}

// The references a hub's log says it sent.
std::set<std::string> sentBy(const HubProcess& hub) { return logged(hub, "outbox_sent"); }

int64_t sqlCount(const PgDatabase& db, const std::string& sql) {
    auto session = db.session();
    Poco::Int64 n = -1;
    session << sql, into(n), now;
    return n;
}

// Where the outbox stands, for a failure message.
std::string outboxStates(const PgDatabase& db) {
    auto session = db.session();
    std::vector<std::string> states, errors;
    std::vector<Poco::Int64> counts;
    session << "SELECT state, COUNT(*), MAX(COALESCE(last_error, '')) FROM outbox GROUP BY state", into(states),
        into(counts), into(errors), now;
    std::ostringstream out;
    for (std::size_t i = 0; i < states.size(); ++i)
        out << states[i] << ": " << counts[i] << (errors[i].empty() ? "" : " (last error: " + errors[i] + ")") << '\n';
    return out.str();
}

// Waits, up to `seconds`, for `done`.
template <class P> bool within(int seconds, P done) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

std::string at(const std::string& token, const std::string& rest = {}) { return "/b/" + token + rest; }

// The link's welcome page, then the date of birth form behind "Continue to book".
void expectLinkOpens(uint16_t port, const std::string& token) {
    Browser b(port);
    const Reply welcome = b.get(at(token));
    EXPECT_EQ(welcome.status, 200) << "port " << port;
    EXPECT_TRUE(welcome.says("<h1>Flu vaccination</h1>")) << welcome.body;
    EXPECT_TRUE(welcome.says("Continue to book")) << welcome.body;
    const Reply form = b.get(at(token, "/verify"));
    EXPECT_EQ(form.status, 200) << "port " << port;
    EXPECT_TRUE(form.says("What is your date of birth?</h1>")) << form.body;
}

Reply passDateOfBirth(Browser& b, const std::string& token) {
    return b.post(at(token, "/verify"),
                  {{"dob-day", "14"}, {"dob-month", "3"}, {"dob-year", "1956"}, {"next", "book"}});
}

class ThreeHubsOnOnePostgres : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("CLINHUB_TEST_NOTIFY_KEY", kApiKey, 1);
        // Some latency at the provider, so the run lasts long enough to kill a hub in the middle of it.
        sim = std::make_unique<SimProcess>(
            NOTIFY_SIM,
            std::vector<std::string>{"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0", "--latency-ms", "10"});
        std::ofstream(dir.file("book.yaml")) << R"(slot_templates:
  - slot_type: Flu clinic
    clinician: Nurse Example
    location: Room 1
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "09:00"
    end: "17:00"
    slot_minutes: 10
)";
        // One file for all three: the appointment book is SQLite in WAL mode, which several processes share.
        // A short lease, so the killed hub's claims lapse and are taken up by the others within the test;
        // still long enough that no live send outlasts it (sends time out after 2 s, and a worker stops
        // starting sends once half its lease has gone).
        config = dir.file("hub.yaml");
        std::ofstream(config) << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:0\n  "
                                 "public_url: https://book.example.test\n  store: \""
                              << db.url() << R"("
  reminder_interval_s: 1
  outbox: {poll_ms: 20, workers: 4, batch_size: 20, max_attempts: 100, backoff_base_s: 1, backoff_cap_s: 2, lease_s: 15}
connectors:
  book:
    plugin: local-book
    config: {database: ")" << dir.file("book.db")
                              << "\", seed: \"" << dir.file("book.yaml") << R"(", generate: {days: 14}}
  notify:
    plugin: notify
    config: {base_url: ")" << sim->url()
                              << "\", api_key: \"${CLINHUB_TEST_NOTIFY_KEY}\", sms_template_id: \"" << kSmsTemplate
                              << R"(", timeout_ms: 2000}
organisations:
  A12345:
    name: Test Surgery
    batch_csv: with_contacts
    route: {appointment_book: book, sms: [notify]}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic], horizon_days: 14, link_expiry_days: 7, reminders: [1d]}
)";
        const auto migrated = runClinhub({"migrate", "--config", config}, dir);
        ASSERT_EQ(migrated.exitCode, 0) << migrated.err;
        const auto created =
            runClinhub({"keys", "create", "--config", config, "--org", kOrganisation, "--name", "test"}, dir);
        ASSERT_EQ(created.exitCode, 0) << created.err;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(created.out, m, std::regex("(chk_[A-Za-z0-9_-]+)"))) << created.out;
        key = m[1].str();
        for (int i = 0; i < 3; ++i) {
            hubs.push_back(std::make_unique<HubProcess>(config, dir, "hub-" + std::to_string(i) + ".log"));
            ASSERT_TRUE(hubs.back()->started()) << hubs.back()->log();
        }
    }

    void TearDown() override {
        // On failure, what each hub warned of or failed at (its info lines are mostly one per message sent).
        if (HasFailure())
            for (std::size_t i = 0; i < hubs.size(); ++i) {
                std::istringstream lines(hubs[i]->log());
                int shown = 0;
                for (std::string line; std::getline(lines, line) && shown < 100;)
                    if (line.find("\"level\":\"info\"") == std::string::npos) {
                        std::cerr << "hub " << i << ": " << line << '\n';
                        ++shown;
                    }
            }
        hubs.clear(); // before the database goes
    }

    // Creates a batch on one hub and uploads its list to the next: the batch's path, in `batch`.
    void readyBatch(int count, std::string& batch) {
        const std::string batches = std::string("/api/v1/organisations/") + kOrganisation + "/batches";
        const Reply created = apiCall(hubs[0]->port(), "POST", batches, key,
                                      R"({"rule": "flu", "message": "{{practice}}: book your flu jab at {{url}}"})");
        ASSERT_EQ(created.status, 201) << created.body;
        batch = batches + "/" + json(created.body)->getValue<std::string>("id");
        const Reply uploaded = apiCall(hubs[1]->port(), "PUT", batch + "/csv", key, patientList(count), "text/csv");
        ASSERT_EQ(uploaded.status, 200) << uploaded.body;
        ASSERT_EQ(json(uploaded.body)->getValue<int>("can_be_sent"), count) << uploaded.body;
    }

    // ...and sends it from the third: the invites are queued through the staff API, whichever process answers.
    void queueInvites(int count) {
        std::string batch;
        ASSERT_NO_FATAL_FAILURE(readyBatch(count, batch));
        const Reply sent = apiCall(hubs[2]->port(), "POST", batch + "/send", key);
        ASSERT_EQ(sent.status, 202) << sent.body;
    }

    // Schedules the batch from the third hub `seconds` (whole) from now; the time, as the API gave it back.
    void schedule(const std::string& batch, int seconds, std::string& at) {
        const auto when = Poco::Timestamp().epochMicroseconds() / 1'000'000 * 1'000'000 + seconds * 1'000'000LL;
        at = Poco::DateTimeFormatter::format(Poco::Timestamp(when), "%Y-%m-%dT%H:%M:%SZ");
        const Reply scheduled = apiCall(hubs[2]->port(), "PUT", batch + "/schedule", key, R"({"at": ")" + at + "\"}");
        ASSERT_EQ(scheduled.status, 200) << scheduled.body;
        ASSERT_EQ(json(scheduled.body)->getValue<std::string>("scheduled_for"), at);
    }

    // Every row of the batch `id` got one link and one invite, all sent, and the trail says it was started once.
    void expectEveryRowSentOnce(const std::string& id, int rows) {
        ASSERT_TRUE(within(120, [&] {
            return sqlCount(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == rows;
        })) << outboxStates(db);
        EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM outbox"), rows);
        EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM links WHERE batch_id = '" + id + "'"), rows);
        EXPECT_EQ(sqlCount(db, "SELECT COUNT(DISTINCT link_id) FROM batch_rows WHERE batch_id = '" + id + "'"), rows);
        EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'startScheduledBatch' AND resource = '" +
                                   id + "'"),
                  1);
        const SimCount c = countAt(*sim);
        EXPECT_EQ(c.count, rows);
        EXPECT_EQ(c.duplicated, 0);
    }

    std::string status(const std::string& batch, std::size_t hub = 0) {
        return json(apiCall(hubs[hub]->port(), "GET", batch, key).body)->getValue<std::string>("status");
    }

    PgDatabase db;
    TempDir dir;
    std::unique_ptr<SimProcess> sim;
    std::string config;
    std::string key;
    std::vector<std::unique_ptr<HubProcess>> hubs;
};

TEST_F(ThreeHubsOnOnePostgres, EveryInviteArrivesOnceAndPatientsKeepBookingWhenOneHubIsKilledMidRun) {
    ASSERT_NO_FATAL_FAILURE(queueInvites(kInvites));
    HubProcess& victim = *hubs[1];
    HubProcess& first = *hubs[0];
    HubProcess& second = *hubs[2];

    // Under way, with the hub to be killed among those sending.
    ASSERT_TRUE(within(180, [&] { return countAt(*sim).count >= 300 && !sentBy(victim).empty(); }))
        << "the invites did not start going out\n"
        << outboxStates(db);
    // The provider slows down while the first links are opened, so the kill lands mid-run however slowly
    // this machine answers them (each batch of 20 still takes well under half the lease).
    sim->setFaults(R"({"latency_ms": 150})");
    const auto early = tokensAt(*sim);
    ASSERT_GE(early.size(), 6U);

    // Every hub opens links, whichever hub sent their SMS.
    {
        SCOPED_TRACE("before the kill");
        auto token = early.begin();
        for (const auto& hub : hubs)
            for (int i = 0; i < 2; ++i, ++token)
                expectLinkOpens(hub->port(), token->second);
    }

    ASSERT_EQ(::kill(victim.pid(), SIGKILL), 0);
    victim.stop();
    sim->clearFaults(); // back to the latency it started with
    const SimCount atKill = countAt(*sim);
    std::cout << "killed one hub with " << atKill.count << " of " << kInvites << " invites at the provider\n";
    ASSERT_LT(atKill.count, kInvites) << "the kill must land in the middle of the run";

    // Patients carry on with the two that are left, on links whose SMS the killed hub sent.
    const auto victimSent = sentBy(victim);
    std::vector<std::string> victimTokens;
    for (const auto& reference : victimSent)
        if (const auto found = early.find(reference); found != early.end()) victimTokens.push_back(found->second);
    ASSERT_GE(victimTokens.size(), 1U) << "the killed hub's log names none of the SMS fetched before the kill";
    std::vector<std::string> others;
    for (const auto& [reference, token] : early)
        if (!victimSent.contains(reference)) others.push_back(token);
    ASSERT_GE(others.size(), 2U);
    {
        SCOPED_TRACE("after the kill");
        for (const auto* hub : {&first, &second}) {
            expectLinkOpens(hub->port(), victimTokens.front());
            expectLinkOpens(hub->port(), others.front());
        }
        // The date of birth check on each survivor, for a link whose SMS the killed hub sent.
        for (const auto* hub : {&first, &second}) {
            Browser b(hub->port());
            const Reply verified = passDateOfBirth(b, victimTokens.front());
            EXPECT_EQ(verified.status, 303) << verified.body;
            EXPECT_EQ(verified.header("Location"), at(victimTokens.front(), "/slots"));
            const Reply slots = firstDayTimes(b, victimTokens.front());
            EXPECT_EQ(slots.status, 200);
            EXPECT_FALSE(slotValues(slots).empty()) << slots.body;
        }

        // Booked on one survivor...
        const std::string& token = victimTokens.front();
        Browser patient(first.port());
        ASSERT_EQ(passDateOfBirth(patient, token).status, 303);
        const Reply slots = firstDayTimes(patient, token);
        ASSERT_EQ(slots.status, 200);
        const auto values = slotValues(slots);
        ASSERT_FALSE(values.empty()) << slots.body;
        const std::string& slot = values.front();
        const Reply chosen = patient.post(at(token, "/slots"), {{"csrf", hidden(slots, "csrf")}, {"slot", slot}});
        ASSERT_EQ(chosen.status, 303) << chosen.body;
        const Reply review = patient.get(chosen.header("Location"));
        ASSERT_EQ(review.status, 200) << review.body;
        const Reply booked = patient.post(at(token, "/book"), {{"csrf", hidden(review, "csrf")}, {"slot", slot}});
        ASSERT_EQ(booked.status, 303) << booked.body;
        EXPECT_EQ(booked.header("Location"), at(token, "/confirmation"));
        const Reply confirmation = patient.get(at(token, "/confirmation"));
        EXPECT_EQ(confirmation.status, 200);
        EXPECT_TRUE(confirmation.says("Appointment booked")) << confirmation.body;

        // ...is the booking the other survivor shows: the link opens on the appointment, and the slot is
        // no longer offered to anyone else.
        Browser elsewhere(second.port());
        const Reply reopened = elsewhere.get(at(token));
        EXPECT_EQ(reopened.status, 200);
        EXPECT_TRUE(reopened.says("You have already booked this appointment")) << reopened.body;
        EXPECT_EQ(passDateOfBirth(elsewhere, token).header("Location"), at(token, "/appointment"));
        const Reply appointment = elsewhere.get(at(token, "/appointment"));
        EXPECT_EQ(appointment.status, 200);
        EXPECT_TRUE(appointment.says("<h1>Your appointment</h1>")) << appointment.body;
        EXPECT_TRUE(appointment.says("Nurse Example")) << appointment.body;

        Browser someoneElse(second.port());
        ASSERT_EQ(passDateOfBirth(someoneElse, others.front()).status, 303);
        const Reply theirSlots = firstDayTimes(someoneElse, others.front());
        ASSERT_EQ(theirSlots.status, 200);
        const auto theirValues = slotValues(theirSlots);
        EXPECT_FALSE(theirValues.empty());
        EXPECT_EQ(std::find(theirValues.begin(), theirValues.end(), slot), theirValues.end())
            << "the slot booked through one hub is still offered by the other";
    }

    // Every message in the outbox, the invites and the booking's confirmation, is sent, the killed hub's
    // claims included once their lease lapsed.
    const int64_t expected = kInvites + 1;
    ASSERT_TRUE(within(300, [&] {
        return sqlCount(db, "SELECT COUNT(*) FROM outbox") == expected &&
               sqlCount(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == expected;
    })) << outboxStates(db);
    EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM links"), kInvites);

    // ...and the provider has each exactly once: no message lost with the killed hub, none sent twice.
    const SimCount c = countAt(*sim);
    EXPECT_EQ(c.count, expected);
    EXPECT_EQ(c.distinct, expected) << "lost: " << expected - c.distinct;
    EXPECT_EQ(c.duplicated, 0);
    std::set<std::string> stored;
    {
        auto session = db.session();
        std::vector<std::string> references;
        session << "SELECT reference FROM outbox", into(references), now;
        stored.insert(references.begin(), references.end());
    }
    const auto delivered = tokensAt(*sim);
    std::set<std::string> atProvider;
    for (const auto& [reference, token] : delivered)
        atProvider.insert(reference);
    EXPECT_EQ(atProvider, stored) << "the provider's references are not the outbox's";
    std::set<std::string> tokens;
    for (const auto& [reference, token] : delivered)
        tokens.insert(token);
    EXPECT_EQ(tokens.size(), delivered.size()) << "two SMS carry the same link";
    // The killed hub's claims were taken up by the others once its lease lapsed: each message it had sent
    // found at the provider by reference (reconciled), each it had not, sent again (resent).
    const int64_t reconciled = sqlCount(db, "SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'reconciled'");
    const std::size_t resent = logged(first, "outbox_resending").size() + logged(second, "outbox_resending").size();
    EXPECT_GT(reconciled + static_cast<int64_t>(resent), 0)
        << "the survivors took up none of the killed hub's claims: the kill missed the window";
    std::cout << "after the kill the survivors reconciled " << reconciled << " and resent " << resent
              << " of the killed hub's messages; by their logs the survivors sent "
              << sentBy(first).size() + sentBy(second).size() << " and the killed hub " << sentBy(victim).size()
              << "\n";

    // The survivors stop cleanly when asked, their peer's death notwithstanding.
    const std::string firstLog = first.log(), secondLog = second.log();
    EXPECT_EQ(first.stop(), 0) << first.log().substr(firstLog.size());
    EXPECT_EQ(second.stop(), 0) << second.log().substr(secondLog.size());
}

// Each hub looks for due batches every few seconds, but the batch is started by one of them, and each row's
// link minted once, its invite sent once.
TEST_F(ThreeHubsOnOnePostgres, AScheduledBatchIsStartedByExactlyOneHubAndEachLinkMintedOnce) {
    constexpr int kRows = 300;
    std::string batch, at;
    ASSERT_NO_FATAL_FAILURE(readyBatch(kRows, batch));
    ASSERT_NO_FATAL_FAILURE(schedule(batch, 3, at));
    const std::string id = batch.substr(batch.rfind('/') + 1);
    EXPECT_EQ(status(batch), "scheduled");

    ASSERT_TRUE(within(120, [&] { return status(batch) == "sent"; })) << status(batch);
    ASSERT_NO_FATAL_FAILURE(expectEveryRowSentOnce(id, kRows));
    int starts = 0;
    for (const auto& hub : hubs) {
        const std::string log = hub->log();
        const std::string started = R"("event":"batch_sending","batch":")" + id + "\"";
        for (auto found = log.find(started); found != std::string::npos; found = log.find(started, found + 1))
            ++starts;
    }
    EXPECT_EQ(starts, 1) << "one hub starts the batch";
    const auto started = json(apiCall(hubs[1]->port(), "GET", batch, key).body);
    EXPECT_EQ(started->getValue<std::string>("scheduled_for"), at);
    EXPECT_EQ(started->getValue<int>("links_minted"), kRows);
}

// The schedule is in the store: hubs stopped before its time and a hub started after it still send it.
TEST_F(ThreeHubsOnOnePostgres, AScheduledBatchWhoseTimePassedWhileNoHubRanStartsWhenOneDoes) {
    constexpr int kRows = 50;
    std::string batch, at;
    ASSERT_NO_FATAL_FAILURE(readyBatch(kRows, batch));
    ASSERT_NO_FATAL_FAILURE(schedule(batch, 6, at));
    const std::string id = batch.substr(batch.rfind('/') + 1);
    for (auto& hub : hubs)
        EXPECT_EQ(hub->stop(), 0);
    const auto state = [&] {
        auto session = db.session();
        std::string value;
        session << "SELECT state FROM batches WHERE id = '" + id + "'", into(value), now; // an id the hub made
        return value;
    };
    std::this_thread::sleep_for(std::chrono::seconds(8));
    EXPECT_EQ(state(), "scheduled") << "no hub ran";

    hubs.clear();
    hubs.push_back(std::make_unique<HubProcess>(config, dir, "hub-restarted.log"));
    ASSERT_TRUE(hubs.back()->started()) << hubs.back()->log();
    ASSERT_TRUE(within(120, [&] { return state() == "sent"; })) << state();
    ASSERT_NO_FATAL_FAILURE(expectEveryRowSentOnce(id, kRows));
}

// Three hubs run the reminder job each second on one store: every appointment's reminder is queued once, and
// reaches the provider once, whichever hub finds it due.
TEST_F(ThreeHubsOnOnePostgres, EachAppointmentsReminderIsQueuedAndSentOnceWhicheverHubFindsItDue) {
    constexpr int kAppointments = 60;
    {
        // Booked three days ago for some time in the next twenty hours: each reminder a day before is due now.
        auto store = store::Store::open(db.url());
        const int64_t now = store::nowMicros();
        TestNhsNumbers numbers;
        std::vector<links::NewLink> made;
        for (int i = 0; i < kAppointments; ++i) {
            links::NewLink l;
            l.link.id = "lnk_reminded" + std::to_string(i);
            l.link.organisation = kOrganisation;
            l.link.rule = "flu";
            l.link.state = links::LinkState::booked;
            l.link.expiresAt = now + 4LL * 86'400'000'000;
            l.link.patient = {numbers.next(), "1950-01-01", "+447700900" + std::to_string(100 + i), ""};
            l.tokenHash = "reminded-hash-" + std::to_string(i);
            made.push_back(std::move(l));
        }
        store->write([&](store::Session& s) {
            links::LinkRepository repository(s);
            const int64_t bookedAt = now - 3LL * 86'400'000'000;
            repository.insert(made, bookedAt);
            for (int i = 0; i < kAppointments; ++i) {
                Appointment a;
                a.id = "appt-" + std::to_string(i);
                a.slot = {"slot-" + std::to_string(i),
                          "Flu clinic",
                          now / 1'000'000 + 7200 + i * 1200,
                          10,
                          "",
                          "Room 1",
                          false};
                repository.addAppointment(made[static_cast<std::size_t>(i)].link.id, a, bookedAt);
            }
        });
    }
    ASSERT_TRUE(within(60, [&] {
        return sqlCount(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kAppointments;
    })) << outboxStates(db);
    EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM appointment_reminders"), kAppointments);
    EXPECT_EQ(sqlCount(db, "SELECT COUNT(*) FROM outbox"), kAppointments) << "one reminder each, nothing more";
    const SimCount c = countAt(*sim);
    EXPECT_EQ(c.count, kAppointments);
    EXPECT_EQ(c.duplicated, 0);
    int hubsThatQueued = 0;
    for (const auto& hub : hubs)
        if (hub->log().find("\"event\":\"reminders_queued\"") != std::string::npos) ++hubsThatQueued;
    EXPECT_GE(hubsThatQueued, 1);
}

} // namespace
} // namespace clinhub::test

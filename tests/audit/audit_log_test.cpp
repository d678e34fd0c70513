// The audit trail, on both stores: entries found by who, whose record and when; written with the change in
// one transaction (a rolled-back change leaves none); and through the staff API, an entry for each change,
// refusal and failure, and for a look at one patient's history, naming who acted.
#include "hub/audit/AuditLog.h"
#include "hub/staff/Users.h"
#include "tests/api/StaffApiFixture.h"
#include "tests/staff/RunCli.h"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

using audit::Outcome;

class AuditLogTest : public StaffApiFixture {
protected:
    std::vector<audit::Entry> entries(audit::Filter filter = {}) {
        if (filter.organisation.empty()) filter.organisation = "A12345";
        return audit->find(filter);
    }
};

TEST_F(AuditLogTest, EntriesAreFoundByWhoActedWhosePatientAndWhen) {
    const audit::Actor jo{"user", "usr_jo", "Jo Bloggs", "192.0.2.10"};
    const audit::Actor robot{"key", "key_robot", "batch robot", "192.0.2.11"};
    audit->append({1'000, jo, "createLink", "A12345", "lnk_1", "9995260182", Outcome::success, {}});
    audit->append({2'000, robot, "createLink", "A12345", "lnk_2", "9990000018", Outcome::success, {}});
    audit->append({3'000, jo, "expireLink", "A12345", "lnk_1", "9995260182", Outcome::failure, "HTTP 409"});
    audit->append({4'000, jo, "expireLink", "B99999", "lnk_9", "9995260182", Outcome::success, {}});

    EXPECT_EQ(entries().size(), 3U) << "one organisation's only";
    const auto byJo = entries({"A12345", std::string("usr_jo")});
    ASSERT_EQ(byJo.size(), 2U);
    EXPECT_EQ(byJo[0].action, "createLink");
    EXPECT_EQ(byJo[1].outcome, Outcome::failure);
    EXPECT_EQ(byJo[1].detail, "HTTP 409");
    EXPECT_EQ(byJo[1].actor.address, "192.0.2.10");
    const auto patient = entries({"A12345", std::nullopt, std::string("9990000018")});
    ASSERT_EQ(patient.size(), 1U);
    EXPECT_EQ(patient[0].actor.name, "batch robot");
    const auto window = entries({"A12345", std::nullopt, std::nullopt, 2'000, 3'000});
    ASSERT_EQ(window.size(), 1U) << "from inclusive, to exclusive";
    EXPECT_EQ(window[0].resource, "lnk_2");
}

TEST_F(AuditLogTest, AnEntryWrittenWithAChangeThatRollsBackIsGoneWithIt) {
    EXPECT_THROW(store->write([&](store::Session& s) {
        audit::AuditLog::append(s, {0, audit::Actor::hub(), "createLink", "A12345", "lnk_x", {}, Outcome::success, {}});
        throw std::runtime_error("the change failed after its entry was written");
    }),
                 std::runtime_error);
    EXPECT_TRUE(entries().empty());
}

TEST_F(AuditLogTest, TheStoreRefusesToChangeAnEntryWhoeverAsks) {
    const audit::Actor jo{"user", "usr_jo", "Jo Bloggs", "192.0.2.10"};
    audit->append({1'000, jo, "expireLink", "A12345", "lnk_1", "9995260182", Outcome::success, {}});
    // As someone with the database's password would try it: not through the hub at all.
    for (const char* change : {"UPDATE audit_log SET actor_name = 'someone else'",
                               "UPDATE audit_log SET outcome = 'failure' WHERE resource = 'lnk_1'"}) {
        try {
            store->write([&](store::Session& s) { s << change, Poco::Data::Keywords::now; });
            ADD_FAILURE() << change << " was let through";
        } catch (const Poco::Exception& e) {
            EXPECT_NE(e.displayText().find("append-only"), std::string::npos) << e.displayText();
        }
    }
    const auto kept = entries();
    ASSERT_EQ(kept.size(), 1U);
    EXPECT_EQ(kept[0].actor.name, "Jo Bloggs");
    EXPECT_EQ(kept[0].outcome, Outcome::success);
}

TEST_F(AuditLogTest, RetentionDeletesEntriesOlderThanItsTimeInEveryOrganisationAndSaysHowMany) {
    const audit::Actor jo{"user", "usr_jo", "Jo Bloggs", "192.0.2.10"};
    constexpr int64_t kCutoff = 10'000;
    for (int64_t at : {1'000, 2'000, 3'000, 4'000, 5'000})
        audit->append({at, jo, "createLink", "A12345", "lnk_old", "9995260182", Outcome::success, {}});
    audit->append({kCutoff - 1, jo, "expireLink", "B99999", "lnk_old", {}, Outcome::success, {}});
    audit->append({kCutoff, jo, "expireLink", "A12345", "lnk_young", "9995260182", Outcome::success, {}});
    audit->append({kCutoff + 1, jo, "expireLink", "B99999", "lnk_young", {}, Outcome::success, {}});

    EXPECT_EQ(audit->forgetBefore(kCutoff, 2), 6) << "two to a step: three steps, one short, in A12345";

    const auto a = entries();
    ASSERT_EQ(a.size(), 1U);
    EXPECT_EQ(a[0].resource, "lnk_young") << "an entry at the cutoff itself stays";
    const auto b = entries({"B99999"});
    ASSERT_EQ(b.size(), 1U);
    EXPECT_EQ(b[0].resource, "lnk_young");
    const auto noted = entries({audit::kHubWide});
    ASSERT_EQ(noted.size(), 1U);
    EXPECT_EQ(noted[0].action, "deleteExpiredAuditEntries");
    EXPECT_EQ(noted[0].actor.kind, "hub");
    EXPECT_EQ(noted[0].detail, "6 entries from before 1970-01-01T00:00:00Z");

    EXPECT_EQ(audit->forgetBefore(kCutoff), 0);
    EXPECT_EQ(entries({audit::kHubWide}).size(), 1U) << "nothing deleted, nothing noted";
}

TEST_F(AuditLogTest, EveryChangeThroughTheApiIsWrittenWithWhoMadeIt) {
    staff::Users users(*store);
    const auto jo = users.create("Jo Bloggs", "jo@test-surgery.example");
    users.grant(jo.id, "A12345", staff::Role::staff);
    const auto joKey = keys->create("A12345", "jo's laptop", 0, staff::Role::staff, jo.id).key;

    const auto created = createLink(joKey);
    ASSERT_EQ(post("/api/v1/organisations/A12345/links/" + created.id + "/expire", joKey).status, 200);

    const auto trail = entries({"A12345", jo.id});
    ASSERT_EQ(trail.size(), 2U);
    EXPECT_EQ(trail[0].action, "createLink");
    EXPECT_EQ(trail[0].resource, created.id);
    EXPECT_EQ(trail[0].nhsNumber, "9995260182");
    EXPECT_EQ(trail[0].actor.kind, "user");
    EXPECT_EQ(trail[0].actor.name, "Jo Bloggs");
    EXPECT_EQ(trail[0].actor.address, "127.0.0.1");
    EXPECT_EQ(trail[1].action, "expireLink");
    EXPECT_EQ(trail[1].outcome, Outcome::success);
    EXPECT_EQ(trail[1].nhsNumber, "9995260182");

    const auto link = selfBook->find("A12345", created.id);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->events.back().detail, "by Jo Bloggs") << "history names who expired it";
}

TEST_F(AuditLogTest, ARefusalAFailureAndALookAtAPatientAreWrittenToo) {
    const auto viewer = keys->create("A12345", "front desk", 0, staff::Role::viewer).key;
    const auto created = createLink();
    EXPECT_EQ(post("/api/v1/organisations/A12345/links/" + created.id + "/expire", viewer).status, 403);
    EXPECT_EQ(post("/api/v1/organisations/A12345/links/" + created.id + "/expire", keyA).status, 200);
    EXPECT_EQ(post("/api/v1/organisations/A12345/links/" + created.id + "/expire", keyA).status, 409)
        << "expired already";
    EXPECT_EQ(get("/api/v1/organisations/A12345/links?nhs_number=9995260182", viewer).status, 200);
    EXPECT_EQ(post("/api/v1/organisations/A12345/links", keyA, "{}").status, 422);

    const auto trail = entries();
    ASSERT_EQ(trail.size(), 6U);
    EXPECT_EQ(trail[0].action, "createLink");
    EXPECT_EQ(trail[1].outcome, Outcome::refused);
    EXPECT_EQ(trail[1].actor.name, "front desk");
    EXPECT_EQ(trail[1].detail, "this needs the staff role; the API key has the viewer role");
    EXPECT_EQ(trail[2].outcome, Outcome::success);
    EXPECT_EQ(trail[3].outcome, Outcome::failure);
    EXPECT_EQ(trail[3].detail, "HTTP 409");
    EXPECT_EQ(trail[4].action, "linkHistory");
    EXPECT_EQ(trail[4].nhsNumber, "9995260182");
    EXPECT_EQ(trail[4].detail, "viewed");
    EXPECT_EQ(trail[5].action, "createLink");
    EXPECT_EQ(trail[5].outcome, Outcome::failure);
    EXPECT_EQ(trail[5].detail, "HTTP 422");
}

TEST_F(AuditLogTest, AnAdminReadsTheTrailNarrowedByPatientAndDay) {
    const auto admin = keys->create("A12345", "practice manager", 0, staff::Role::admin).key;
    createLink();
    EXPECT_EQ(post("/api/v1/organisations/A12345/links", keyA, linkBody("999 000 0018")).status, 201);
    EXPECT_EQ(get("/api/v1/organisations/A12345/audit", keyA).status, 403) << "staff do not read the trail";

    const auto all = get("/api/v1/organisations/A12345/audit", admin);
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.json()->getArray("entries")->size(), 3U) << "two links made, one look refused";
    const auto one = get("/api/v1/organisations/A12345/audit?nhs_number=999%20000%200018", admin);
    ASSERT_EQ(one.status, 200) << one.body;
    const auto entries = one.json()->getArray("entries");
    ASSERT_EQ(entries->size(), 1U);
    const auto entry = entries->getObject(0);
    EXPECT_EQ(entry->getValue<std::string>("action"), "createLink");
    EXPECT_EQ(entry->getValue<std::string>("nhs_number"), "9990000018");
    EXPECT_EQ(entry->getObject("actor")->getValue<std::string>("name"), "tests");
    EXPECT_EQ(entry->getValue<std::string>("outcome"), "success");

    const auto before = get("/api/v1/organisations/A12345/audit?to=2000-01-01", admin);
    ASSERT_EQ(before.status, 200);
    EXPECT_EQ(before.json()->getArray("entries")->size(), 0U);
    EXPECT_EQ(get("/api/v1/organisations/A12345/audit?nhs_number=123", admin).status, 422);
    EXPECT_EQ(get("/api/v1/organisations/A12345/audit?from=soon", admin).status, 422);
}

TEST_F(AuditLogTest, AnotherOrganisationsKeyLeavesNoEntryInThisOne) {
    const auto created = createLink();
    EXPECT_EQ(post("/api/v1/organisations/A12345/links/" + created.id + "/expire", keyB).status, 404);
    EXPECT_EQ(entries().size(), 1U) << "only the link's creation";
    EXPECT_TRUE(entries({"B99999"}).empty());
}

TEST_F(AuditLogTest, TheCommandLinePrintsTheTrailAsCsvNarrowedLikeTheApi) {
    const audit::Actor jo{"user", "usr_jo", "Jo Bloggs", "192.0.2.10"};
    audit->append({store::nowMicros(), jo, "createLink", "A12345", "lnk_1", "9995260182", Outcome::success, {}});
    audit->append(
        {store::nowMicros(), jo, "expireLink", "A12345", "lnk_2", "9990000018", Outcome::failure, "=HTTP 409"});
    const std::string config = dir.file("audit.yaml");
    std::ofstream(config) << "hub:\n  store: \"" + db.url() +
                                 "\"\norganisations:\n  A12345:\n    name: Test Surgery\n    route: {}\n";

    const auto all = runCli("audit --config " + config + " --org A12345");
    ASSERT_EQ(all.status, 0) << all.err;
    EXPECT_TRUE(all.out.starts_with("\"at\",\"actor_kind\",\"actor_id\",\"actor_name\"")) << all.out;
    EXPECT_NE(all.out.find("\"user\",\"usr_jo\",\"Jo Bloggs\",\"192.0.2.10\",\"createLink\",\"lnk_1\",\"9995260182\","
                           "\"success\""),
              std::string::npos)
        << all.out;
    EXPECT_NE(all.out.find("\"'=HTTP 409\""), std::string::npos) << "a cell a spreadsheet would run is defused";

    const auto one = runCli("audit --config " + config + " --org A12345 --nhs-number '999 000 0018'");
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(one.out.find("lnk_1"), std::string::npos) << one.out;
    EXPECT_NE(one.out.find("lnk_2"), std::string::npos) << one.out;
    EXPECT_EQ(runCli("audit --config " + config + " --org A12345 --from yesterday").status, 2);
    EXPECT_EQ(runCli("audit --config " + config + " --org A12345 --nhs-number 123").status, 2);
}

} // namespace
} // namespace clinhub::test

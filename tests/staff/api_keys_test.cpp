// Staff API keys against a real SQLite store, and `clinhub keys create` as an operator runs it.
#include "hub/staff/ApiKeys.h"
#include "tests/staff/RunCli.h"
#include "tests/store/TestStore.h"

#include <Poco/Data/Session.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sys/wait.h>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

class ApiKeysTest : public ::testing::Test {
protected:
    void SetUp() override {
        store = store::Store::open(db.url());
        store->migrate();
    }

    std::string fileBytes(const std::string& name) const {
        std::ifstream in(dir.file(name), std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    TempDir dir;
    TestStore db{dir};
    std::unique_ptr<store::Store> store;
};

TEST_F(ApiKeysTest, AKeyOpensItsOwnOrganisation) {
    staff::ApiKeys keys(*store);
    const auto created = keys.create("A12345", "reception");
    EXPECT_TRUE(std::regex_match(created.key, std::regex("chk_[A-Za-z0-9_-]{43}"))) << "256 bits, base64url";
    EXPECT_TRUE(created.id.starts_with("key_"));
    const auto who = keys.authenticate(created.key);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->id, created.id);
    EXPECT_EQ(who->organisation, "A12345");
    EXPECT_EQ(who->name, "reception");
}

TEST_F(ApiKeysTest, KeysAreStoredOnlyAsTheirHash) {
    staff::ApiKeys keys(*store);
    const auto created = keys.create("A12345", "reception");
    auto s = store->session();
    std::string hash;
    s << "SELECT key_hash FROM api_keys WHERE id = ?", bind(created.id), into(hash), now;
    EXPECT_EQ(hash, staff::ApiKeys::hash(created.key));
    EXPECT_TRUE(std::regex_match(hash, std::regex("[0-9a-f]{64}")));
    // SHA-256("abc"), so the hash is the standard one and not something home-made.
    EXPECT_EQ(staff::ApiKeys::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    const std::string secret = created.key.substr(4);
    for (const auto* file : {"hub.db", "hub.db-wal", "hub.db-journal"})
        EXPECT_EQ(fileBytes(file).find(secret), std::string::npos) << file;
}

TEST_F(ApiKeysTest, EveryKeyIsDifferent) {
    staff::ApiKeys keys(*store);
    std::set<std::string> seen, ids;
    for (int i = 0; i < 50; ++i) {
        const auto created = keys.create("A12345", "k");
        EXPECT_TRUE(seen.insert(created.key).second);
        EXPECT_TRUE(ids.insert(created.id).second);
    }
}

TEST_F(ApiKeysTest, ARevokedKeyOpensNothing) {
    staff::ApiKeys keys(*store);
    const auto kept = keys.create("A12345", "kept");
    const auto gone = keys.create("A12345", "leaver");
    EXPECT_TRUE(keys.revoke(gone.id));
    EXPECT_FALSE(keys.authenticate(gone.key));
    EXPECT_FALSE(keys.revoke(gone.id)) << "already revoked";
    EXPECT_FALSE(keys.revoke("key_nothing"));
    EXPECT_TRUE(keys.authenticate(kept.key)) << "only that key";
}

TEST_F(ApiKeysTest, MalformedAndUnknownKeysOpenNothing) {
    staff::ApiKeys keys(*store);
    const auto created = keys.create("A12345", "reception");
    for (const std::string& key : {std::string(), std::string("chk_"), created.key.substr(4), created.key + "A",
                                   created.key.substr(0, created.key.size() - 1), "chk_" + std::string(43, 'A'),
                                   "chk_" + std::string(42, 'A') + "=", std::string("CHK_") + created.key.substr(4),
                                   staff::ApiKeys::hash(created.key)})
        EXPECT_FALSE(keys.authenticate(key)) << key;
}

TEST_F(ApiKeysTest, AnExpiredKeyOpensNothing) {
    int64_t clock = 1'800'000'000'000'000;
    staff::ApiKeys keys(*store, [&] { return clock; });
    const auto lapsing = keys.create("A12345", "contractor", staff::ApiKeys::kLastUseResolution * 60);
    const auto lasting = keys.create("A12345", "reception");
    EXPECT_TRUE(keys.authenticate(lapsing.key));
    clock += staff::ApiKeys::kLastUseResolution * 60 - 1;
    EXPECT_TRUE(keys.authenticate(lapsing.key)) << "a microsecond before it expires";
    clock += 1;
    EXPECT_FALSE(keys.authenticate(lapsing.key)) << "expired";
    EXPECT_TRUE(keys.authenticate(lasting.key)) << "a key without an expiry lasts";
}

TEST_F(ApiKeysTest, LastUseIsNotedAtMostOnceAMinute) {
    int64_t clock = 1'800'000'000'000'000;
    const int64_t created = clock;
    staff::ApiKeys keys(*store, [&] { return clock; });
    const auto key = keys.create("A12345", "reception");
    auto lastUse = [&] { return keys.list().front().lastUsedAt; };
    EXPECT_EQ(lastUse(), 0) << "never used";
    clock += 5'000'000;
    ASSERT_TRUE(keys.authenticate(key.key));
    EXPECT_EQ(lastUse(), created + 5'000'000);
    clock += staff::ApiKeys::kLastUseResolution - 1;
    ASSERT_TRUE(keys.authenticate(key.key));
    EXPECT_EQ(lastUse(), created + 5'000'000) << "not written again within the minute";
    clock += 1;
    ASSERT_TRUE(keys.authenticate(key.key));
    EXPECT_EQ(lastUse(), clock);
}

TEST_F(ApiKeysTest, ListShowsEveryKeyOrOneOrganisationsWithItsState) {
    int64_t clock = 1'800'000'000'000'000;
    staff::ApiKeys keys(*store, [&] { return clock; });
    const auto a = keys.create("A12345", "reception", 1'000'000);
    clock += 1;
    const auto b = keys.create("B99999", "pharmacy");
    ASSERT_TRUE(keys.revoke(b.id));
    const auto all = keys.list();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].id, a.id);
    EXPECT_EQ(all[0].organisation, "A12345");
    EXPECT_EQ(all[0].name, "reception");
    EXPECT_EQ(all[0].createdAt, clock - 1);
    EXPECT_EQ(all[0].expiresAt, clock + 999'999);
    EXPECT_EQ(all[0].revokedAt, 0);
    EXPECT_EQ(all[1].id, b.id);
    EXPECT_EQ(all[1].expiresAt, 0);
    EXPECT_EQ(all[1].revokedAt, clock);
    const auto one = keys.list("B99999");
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(one[0].id, b.id);
    EXPECT_TRUE(keys.list("C00000").empty());
}

// ---- clinhub keys create --------------------------------------------------------------------------------------

class KeysCreateVerb : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(dir.file("hub.yaml")) << "hub:\n  store: \"" + db.url() +
                                                   "\"\norganisations:\n"
                                                   "  A12345:\n    name: Test Surgery\n    route: {}\n";
    }
    TempDir dir;
    TestStore db{dir};
};

TEST_F(KeysCreateVerb, PrintsAWorkingKeyOnce) {
    const auto run = runCli("keys create --config " + dir.file("hub.yaml") + " --org A12345 --name reception");
    ASSERT_EQ(run.status, 0) << run.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(run.out, m, std::regex("^(chk_[A-Za-z0-9_-]{43})\n"))) << run.out;
    EXPECT_NE(run.out.find("shown only once"), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find(m[1].str()), std::string::npos) << "never in the log";

    const auto store = store::Store::open(db.url());
    staff::ApiKeys keys(*store);
    const auto who = keys.authenticate(m[1].str());
    ASSERT_TRUE(who) << "the key printed is the key stored";
    EXPECT_EQ(who->organisation, "A12345");
    EXPECT_EQ(who->name, "reception");
}

TEST_F(KeysCreateVerb, RefusesAnOrganisationNotInTheConfig) {
    const auto run = runCli("keys create --config " + dir.file("hub.yaml") + " --org B99999");
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find("organisation 'B99999' is not in " + dir.file("hub.yaml")), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("chk_"), std::string::npos);
}

TEST_F(KeysCreateVerb, RefusesAnUnknownOptionOrAStrayArgumentAndCreatesNothing) {
    // A role the key cannot have would be a key of unknown power, were it not refused.
    for (const std::string& extra :
         {std::string("--role boss"), std::string("--role=operator"), std::string("--owner jo"), std::string("stray"),
          std::string("--expires-in 0"), std::string("--expires-in 2w"), std::string("--name")}) {
        const auto run = runCli("keys create --config " + dir.file("hub.yaml") + " --org A12345 " + extra);
        EXPECT_EQ(run.status, 2) << extra;
        EXPECT_NE(run.err.find("usage: clinhub keys create"), std::string::npos) << extra << ": " << run.err;
        EXPECT_EQ(run.out.find("chk_"), std::string::npos) << extra;
    }
    const auto store = store::Store::open(db.url());
    store->migrate();
    EXPECT_TRUE(staff::ApiKeys(*store).list().empty());
}

TEST_F(KeysCreateVerb, AKeyWithAnExpiryLapsesAfterThatManyDays) {
    const auto run =
        runCli("keys create --config " + dir.file("hub.yaml") + " --org A12345 --name contractor --expires-in 30");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << "a one-shot verb prints only warnings and errors: " << run.err;
    const auto store = store::Store::open(db.url());
    const auto listed = staff::ApiKeys(*store).list();
    ASSERT_EQ(listed.size(), 1U);
    const int64_t days = (listed[0].expiresAt - listed[0].createdAt) / (int64_t{24} * 3600 * 1'000'000);
    EXPECT_EQ(days, 30);
    const std::string key = run.out.substr(0, run.out.find('\n'));
    const int64_t expiry = listed[0].expiresAt;
    EXPECT_TRUE(staff::ApiKeys(*store, [&] { return expiry - 1; }).authenticate(key));
    EXPECT_FALSE(staff::ApiKeys(*store, [&] { return expiry; }).authenticate(key));
}

TEST_F(KeysCreateVerb, ListShowsTheKeysButNeverAKeyOrItsHash) {
    const auto made = runCli("keys create --config " + dir.file("hub.yaml") + " --org A12345 --name reception");
    ASSERT_EQ(made.status, 0) << made.err;
    const std::string key = made.out.substr(0, made.out.find('\n'));
    const auto store = store::Store::open(db.url());
    const auto id = staff::ApiKeys(*store).list().front().id;
    ASSERT_TRUE(staff::ApiKeys(*store).authenticate(key));

    const auto list = runCli("keys list --config " + dir.file("hub.yaml"));
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(list.out.rfind("ID ", 0), 0U) << list.out;
    for (const char* column : {"ORGANISATION", "NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES", "STATE", "USER"})
        EXPECT_NE(list.out.find(column), std::string::npos) << column;
    EXPECT_TRUE(std::regex_search(list.out, std::regex(id + " +A12345 +reception +staff +20[0-9-]{8} [0-9:]{5}Z "
                                                            "+20[0-9-]{8} [0-9:]{5}Z +- +active +-\n")))
        << "a service key with the staff role, created, last used, no expiry: " << list.out;
    EXPECT_EQ(list.out.find(key.substr(4)), std::string::npos);
    EXPECT_EQ(list.out.find(staff::ApiKeys::hash(key)), std::string::npos);
    EXPECT_EQ(list.out.find(staff::ApiKeys::hash(key).substr(0, 12)), std::string::npos);

    const auto other = runCli("keys list --config " + dir.file("hub.yaml") + " --org B99999");
    ASSERT_EQ(other.status, 0) << other.err;
    EXPECT_EQ(other.out.find(id), std::string::npos) << other.out;
    EXPECT_EQ(runCli("keys list --config " + dir.file("hub.yaml") + " --org").status, 2);
}

TEST_F(KeysCreateVerb, RevokeRefusesTheKeyFromThenOn) {
    const auto made = runCli("keys create --config " + dir.file("hub.yaml") + " --org A12345");
    ASSERT_EQ(made.status, 0) << made.err;
    const std::string key = made.out.substr(0, made.out.find('\n'));
    const auto store = store::Store::open(db.url());
    const auto id = staff::ApiKeys(*store).list().front().id;
    EXPECT_EQ(runCli("keys revoke --config " + dir.file("hub.yaml")).status, 2) << "which key?";
    EXPECT_EQ(runCli("keys revoke --config " + dir.file("hub.yaml") + " " + id + " " + id).status, 2);
    ASSERT_TRUE(staff::ApiKeys(*store).authenticate(key)) << "nothing revoked by a usage error";

    const auto revoked = runCli("keys revoke --config " + dir.file("hub.yaml") + " " + id);
    EXPECT_EQ(revoked.status, 0) << revoked.err;
    EXPECT_FALSE(staff::ApiKeys(*store).authenticate(key));
    const auto again = runCli("keys revoke --config " + dir.file("hub.yaml") + " " + id);
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find(id), std::string::npos) << again.err;
    EXPECT_EQ(runCli("keys revoke --config " + dir.file("hub.yaml") + " key_nothing").status, 1);
    EXPECT_TRUE(
        std::regex_search(runCli("keys list --config " + dir.file("hub.yaml")).out, std::regex(" revoked +-\n")));
}

TEST_F(KeysCreateVerb, NeedsAConfigAndAnOrganisation) {
    EXPECT_EQ(runCli("keys create --org A12345").status, 2);
    EXPECT_EQ(runCli("keys create --config " + dir.file("hub.yaml")).status, 2);
    const auto help = runCli("keys create --help");
    EXPECT_EQ(help.status, 0) << help.err;
    EXPECT_NE(help.out.find("--org ODS"), std::string::npos) << help.out;
}

} // namespace
} // namespace clinhub::test

// Staff API keys against a real SQLite store, and `clinhub keys create` as an operator runs it.
#include "hub/api/ApiKeys.h"
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
    api::ApiKeys keys(*store);
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
    api::ApiKeys keys(*store);
    const auto created = keys.create("A12345", "reception");
    auto s = store->session();
    std::string hash;
    s << "SELECT key_hash FROM api_keys WHERE id = ?", bind(created.id), into(hash), now;
    EXPECT_EQ(hash, api::ApiKeys::hash(created.key));
    EXPECT_TRUE(std::regex_match(hash, std::regex("[0-9a-f]{64}")));
    // SHA-256("abc"), so the hash is the standard one and not something home-made.
    EXPECT_EQ(api::ApiKeys::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    const std::string secret = created.key.substr(4);
    for (const auto* file : {"hub.db", "hub.db-wal", "hub.db-journal"})
        EXPECT_EQ(fileBytes(file).find(secret), std::string::npos) << file;
}

TEST_F(ApiKeysTest, EveryKeyIsDifferent) {
    api::ApiKeys keys(*store);
    std::set<std::string> seen, ids;
    for (int i = 0; i < 50; ++i) {
        const auto created = keys.create("A12345", "k");
        EXPECT_TRUE(seen.insert(created.key).second);
        EXPECT_TRUE(ids.insert(created.id).second);
    }
}

TEST_F(ApiKeysTest, ARevokedKeyOpensNothing) {
    api::ApiKeys keys(*store);
    const auto kept = keys.create("A12345", "kept");
    const auto gone = keys.create("A12345", "leaver");
    EXPECT_TRUE(keys.revoke(gone.id));
    EXPECT_FALSE(keys.authenticate(gone.key));
    EXPECT_FALSE(keys.revoke(gone.id)) << "already revoked";
    EXPECT_FALSE(keys.revoke("key_nothing"));
    EXPECT_TRUE(keys.authenticate(kept.key)) << "only that key";
}

TEST_F(ApiKeysTest, MalformedAndUnknownKeysOpenNothing) {
    api::ApiKeys keys(*store);
    const auto created = keys.create("A12345", "reception");
    for (const std::string& key : {std::string(), std::string("chk_"), created.key.substr(4), created.key + "A",
                                   created.key.substr(0, created.key.size() - 1), "chk_" + std::string(43, 'A'),
                                   "chk_" + std::string(42, 'A') + "=", std::string("CHK_") + created.key.substr(4),
                                   api::ApiKeys::hash(created.key)})
        EXPECT_FALSE(keys.authenticate(key)) << key;
}

// ---- clinhub keys create --------------------------------------------------------------------------------------

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

Run runCli(const std::string& arguments) {
    Run run;
    const TempDir scratch;
    const auto errFile = scratch.file("stderr");
    FILE* pipe = popen((std::string(CLINHUB_EXE) + " " + arguments + " 2>" + errFile).c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer{};
    while (const auto n = fread(buffer.data(), 1, buffer.size(), pipe))
        run.out.append(buffer.data(), n);
    const int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(errFile);
    run.err.assign(std::istreambuf_iterator<char>(in), {});
    return run;
}

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
    api::ApiKeys keys(*store);
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

TEST_F(KeysCreateVerb, NeedsAConfigAndAnOrganisation) {
    EXPECT_EQ(runCli("keys create --org A12345").status, 2);
    EXPECT_EQ(runCli("keys create --config " + dir.file("hub.yaml")).status, 2);
    const auto help = runCli("keys create --help");
    EXPECT_EQ(help.status, 0) << help.err;
    EXPECT_NE(help.out.find("--org ODS"), std::string::npos) << help.out;
}

} // namespace
} // namespace clinhub::test

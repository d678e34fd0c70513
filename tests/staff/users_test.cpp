// Users and their roles against a real store (both stores), keys that belong to a user, and the
// `clinhub users` verbs.
#include "hub/audit/AuditLog.h"
#include "hub/staff/ApiKeys.h"
#include "hub/staff/Users.h"
#include "tests/staff/RunCli.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

namespace clinhub::test {
namespace {

using staff::Role;

class UsersTest : public ::testing::Test {
protected:
    void SetUp() override {
        store = store::Store::open(db.url());
        store->migrate();
    }

    std::string errorOf(const std::function<void()>& action) {
        try {
            action();
        } catch (const staff::UserError& e) {
            return e.what();
        }
        return "no error";
    }

    TempDir dir;
    TestStore db{dir};
    std::unique_ptr<store::Store> store;
};

TEST_F(UsersTest, AUserIsFoundByTheirEmailWhateverItsCase) {
    staff::Users users(*store);
    const auto made = users.create("  Jo Bloggs ", "Jo.Bloggs@Test-Surgery.example ");
    EXPECT_TRUE(made.id.starts_with("usr_"));
    EXPECT_EQ(made.name, "Jo Bloggs");
    const auto found = users.byEmail("JO.BLOGGS@test-surgery.example");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, made.id);
    EXPECT_EQ(found->email, "jo.bloggs@test-surgery.example");
    EXPECT_TRUE(found->active);
    EXPECT_TRUE(found->roles.empty()) << "a new user may do nothing yet";
}

TEST_F(UsersTest, ABadOrTakenEmailOrAMissingNameIsRefusedWithTheReason) {
    staff::Users users(*store);
    users.create("Jo Bloggs", "jo@test-surgery.example");
    EXPECT_EQ(errorOf([&] { users.create("Sam", "JO@test-surgery.example"); }),
              "there is a user with that email already");
    EXPECT_EQ(errorOf([&] { users.create("Sam", "sam.test-surgery.example"); }),
              "an email address has one @ with a name before it");
    EXPECT_EQ(errorOf([&] { users.create("Sam", "sam@localhost"); }),
              "an email address ends in a domain such as nhs.net");
    EXPECT_EQ(errorOf([&] { users.create("Sam", "sam smith@test-surgery.example"); }),
              "an email address has no spaces or control characters");
    EXPECT_EQ(errorOf([&] { users.create(" ", "sam@test-surgery.example"); }), "a user needs a name");
    EXPECT_EQ(users.list().size(), 1U);
}

TEST_F(UsersTest, EachOrganisationHasOneRoleAndTheOperatorIsHubWide) {
    staff::Users users(*store);
    const auto jo = users.create("Jo Bloggs", "jo@test-surgery.example");
    users.grant(jo.id, "A12345", Role::viewer);
    users.grant(jo.id, "A12345", Role::admin);
    users.grant(jo.id, "B99999", Role::staff);
    auto found = users.byId(jo.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->roles, (std::map<std::string, Role>{{"A12345", Role::admin}, {"B99999", Role::staff}}));
    EXPECT_EQ(users.list("A12345").size(), 1U);
    EXPECT_TRUE(users.list("C00000").empty());

    EXPECT_EQ(errorOf([&] { users.grant(jo.id, "A12345", Role::hubOperator); }),
              "operator is a hub-wide role, not one of an organisation");
    EXPECT_EQ(errorOf([&] { users.grant(jo.id, staff::kEveryOrganisation, Role::admin); }),
              "the hub-wide role is operator");
    EXPECT_EQ(errorOf([&] { users.grant("usr_nobody", "A12345", Role::staff); }), "no such user");

    EXPECT_TRUE(users.withdraw(jo.id, "B99999"));
    EXPECT_FALSE(users.withdraw(jo.id, "B99999"));
    EXPECT_FALSE(users.byId(jo.id)->roles.contains("B99999"));
}

TEST_F(UsersTest, RolesNestWithinAnOrganisationAndTheOperatorGrantsNoneOfThem) {
    EXPECT_TRUE(staff::grants(Role::admin, Role::staff));
    EXPECT_TRUE(staff::grants(Role::staff, Role::viewer));
    EXPECT_FALSE(staff::grants(Role::viewer, Role::staff));
    EXPECT_FALSE(staff::grants(Role::staff, Role::admin));
    EXPECT_FALSE(staff::grants(Role::hubOperator, Role::viewer)) << "the operator reads no patient detail";
    EXPECT_FALSE(staff::grants(Role::admin, Role::hubOperator));
    EXPECT_TRUE(staff::grants(Role::hubOperator, Role::hubOperator));
    EXPECT_EQ(staff::lesser(Role::admin, Role::viewer), Role::viewer);
    EXPECT_EQ(staff::lesser(Role::staff, Role::admin), Role::staff);
}

TEST_F(UsersTest, AUsersKeyCanDoAtMostWhatTheUserMayNow) {
    staff::Users users(*store);
    staff::ApiKeys keys(*store);
    const auto jo = users.create("Jo Bloggs", "jo@test-surgery.example");
    users.grant(jo.id, "A12345", Role::staff);

    EXPECT_EQ(errorOf([&] { keys.create("A12345", "jo's admin key", 0, Role::admin, jo.id); }),
              "the user is staff in A12345: their key cannot be admin");
    EXPECT_EQ(errorOf([&] { keys.create("B99999", "elsewhere", 0, Role::viewer, jo.id); }),
              "the user holds no role in B99999");
    const auto key = keys.create("A12345", "jo's key", 0, Role::staff, jo.id);
    auto who = keys.authenticate(key.key);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->role, Role::staff);
    EXPECT_EQ(who->userId, jo.id);

    users.grant(jo.id, "A12345", Role::viewer);
    who = keys.authenticate(key.key);
    ASSERT_TRUE(who) << "a lowered role lowers the key, it does not stop it";
    EXPECT_EQ(who->role, Role::viewer);

    users.withdraw(jo.id, "A12345");
    EXPECT_FALSE(keys.authenticate(key.key)) << "no role in the organisation: the key opens nothing";
}

TEST_F(UsersTest, DisablingAUserStopsTheirKeysAtOnceAndEnablingRestoresThem) {
    staff::Users users(*store);
    staff::ApiKeys keys(*store);
    const auto jo = users.create("Jo Bloggs", "jo@test-surgery.example");
    users.grant(jo.id, "A12345", Role::admin);
    const auto key = keys.create("A12345", "jo's key", 0, Role::admin, jo.id);
    const auto service = keys.create("A12345", "batch robot", 0, Role::staff);
    ASSERT_TRUE(keys.authenticate(key.key));

    EXPECT_TRUE(users.setActive(jo.id, false));
    EXPECT_FALSE(users.setActive(jo.id, false)) << "disabled already";
    EXPECT_FALSE(keys.authenticate(key.key));
    EXPECT_EQ(errorOf([&] { keys.create("A12345", "another", 0, Role::viewer, jo.id); }), "the user is disabled");
    const auto robot = keys.authenticate(service.key);
    ASSERT_TRUE(robot) << "a service key belongs to no user";
    EXPECT_EQ(robot->role, Role::staff);
    EXPECT_TRUE(robot->userId.empty());

    EXPECT_TRUE(users.setActive(jo.id, true));
    EXPECT_TRUE(keys.authenticate(key.key));
}

// ---- clinhub users ---------------------------------------------------------------------------------------

class UsersVerbs : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(dir.file("hub.yaml")) << "hub:\n  store: \"" + db.url() +
                                                   "\"\norganisations:\n"
                                                   "  A12345:\n    name: Test Surgery\n    route: {}\n";
    }
    std::string config() const { return " --config " + dir.file("hub.yaml"); }
    TempDir dir;
    TestStore db{dir};
};

TEST_F(UsersVerbs, TheFirstAdminGetsAKeyOfTheirOwnAndLosesItWhenDisabled) {
    const auto made = runCli("users create" + config() + " --org A12345 --email jo@test-surgery.example --role admin");
    ASSERT_EQ(made.status, 0) << made.err;
    EXPECT_TRUE(made.out.starts_with("usr_")) << made.out;
    EXPECT_NE(made.out.find("is admin in A12345"), std::string::npos) << made.out;

    const auto key =
        runCli("keys create" + config() + " --org A12345 --name jo --role admin --user JO@test-surgery.example");
    ASSERT_EQ(key.status, 0) << key.err;
    const std::string secret = key.out.substr(0, key.out.find('\n'));
    EXPECT_NE(key.out.find("role admin, belonging to usr_"), std::string::npos) << key.out;

    const auto listed = runCli("users list" + config() + " --org A12345");
    ASSERT_EQ(listed.status, 0) << listed.err;
    EXPECT_NE(listed.out.find("jo@test-surgery.example"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("admin in A12345"), std::string::npos) << listed.out;

    const auto disabled = runCli("users disable" + config() + " jo@test-surgery.example");
    ASSERT_EQ(disabled.status, 0) << disabled.err;
    const auto store = store::Store::open(db.url());
    EXPECT_FALSE(staff::ApiKeys(*store).authenticate(secret)) << "the disabled user's key is refused";
    EXPECT_EQ(runCli("users disable" + config() + " jo@test-surgery.example").status, 1) << "already disabled";
}

TEST_F(UsersVerbs, EachChangeIsAuditedInItsOwnTransactionAndARefusedOneAsAFailure) {
    const auto made = runCli("users create" + config() + " --org A12345 --email jo@test-surgery.example --role staff");
    ASSERT_EQ(made.status, 0) << made.err;
    const std::string jo = made.out.substr(0, made.out.find('\n'));
    const auto key = runCli("keys create" + config() + " --org A12345 --name jo --user jo@test-surgery.example");
    ASSERT_EQ(key.status, 0) << key.err;
    const std::string keyId =
        key.out.substr(key.out.find("key_"), key.out.find(' ', key.out.find("key_")) - key.out.find("key_"));
    ASSERT_EQ(runCli("users disable" + config() + " jo@test-surgery.example").status, 0);
    EXPECT_EQ(runCli("users disable" + config() + " jo@test-surgery.example").status, 1);
    const auto refused = runCli("keys create" + config() + " --org A12345 --name again --user jo@test-surgery.example");
    EXPECT_EQ(refused.status, 1) << "a disabled user gets no key";
    ASSERT_EQ(runCli("users enable" + config() + " jo@test-surgery.example").status, 0);
    ASSERT_EQ(runCli("keys revoke" + config() + " " + keyId).status, 0);

    const auto store = store::Store::open(db.url());
    const auto trail = audit::AuditLog(*store).find({"A12345"});
    std::vector<std::string> seen;
    for (const auto& e : trail) {
        EXPECT_EQ(e.actor.kind, "cli");
        seen.push_back(e.action + " " + e.resource + " " + std::string(audit::toString(e.outcome)) + " " + e.detail);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "createUser " + jo + " success ",
                        "grantRole " + jo + " success role staff",
                        "createApiKey " + keyId + " success role staff, user " + jo,
                        "disableUser " + jo + " success ",
                        "disableUser " + jo + " failure disabled already",
                        "createApiKey  failure the user is disabled",
                        "enableUser " + jo + " success ",
                        "revokeApiKey " + keyId + " success ",
                    }));
    EXPECT_EQ(staff::ApiKeys(*store).list().size(), 1U) << "the refused key was not made";
}

TEST_F(UsersVerbs, TheHubsOperatorIsMadeForEveryOrganisationWithAKeyOfTheirs) {
    const auto made =
        runCli("users create" + config() + " --org '*' --email ola@hub.example --role operator --name 'Ola Operator'");
    ASSERT_EQ(made.status, 0) << made.err;
    EXPECT_NE(made.out.find("/staff/set-password/spw_"), std::string::npos) << made.out;
    const auto key = runCli("keys create" + config() + " --org '*' --role operator --user ola@hub.example");
    ASSERT_EQ(key.status, 0) << key.err;
    const auto store = store::Store::open(db.url());
    const auto caller = staff::ApiKeys(*store).authenticate(key.out.substr(0, key.out.find('\n')));
    ASSERT_TRUE(caller);
    EXPECT_EQ(caller->role, staff::Role::hubOperator);
    EXPECT_EQ(caller->organisation, staff::kEveryOrganisation);
}

TEST_F(UsersVerbs, ABadRoleOrEmailIsRefusedAndNothingIsMade) {
    const auto role = runCli("users create" + config() + " --org A12345 --email jo@test-surgery.example --role boss");
    EXPECT_EQ(role.status, 2);
    EXPECT_NE(role.err.find("--role is viewer, staff, admin or operator"), std::string::npos) << role.err;
    const auto email = runCli("users create" + config() + " --org A12345 --email jo --role staff");
    EXPECT_EQ(email.status, 1);
    EXPECT_NE(email.err.find("an email address has one @"), std::string::npos) << email.err;
    const auto keyRole = runCli("keys create" + config() + " --org A12345 --role operator");
    EXPECT_EQ(keyRole.status, 2) << keyRole.out;
    EXPECT_NE(keyRole.err.find("the operator role is hub-wide: give it with --org '*'"), std::string::npos)
        << keyRole.err;
    const auto everywhere =
        runCli("users create" + config() + " --org '*' --email jo@test-surgery.example --role admin");
    EXPECT_EQ(everywhere.status, 2) << everywhere.out;
    EXPECT_NE(everywhere.err.find("is for the operator role"), std::string::npos) << everywhere.err;
    const auto listed = runCli("users list" + config());
    EXPECT_EQ(listed.out.find("usr_"), std::string::npos) << listed.out;
}

} // namespace
} // namespace clinhub::test

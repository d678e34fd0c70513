// The admin routes for an organisation's users and keys (hub/api/UsersApi.h): invitations emailed through the
// outbox with a working one-use link, roles changed and withdrawn (never one's own), other organisations'
// users and keys invisible, keys shown once, and an audit entry for every change.
#include "hub/api/UsersApi.h"
#include "hub/outbox/Payload.h"
#include "tests/api/OpenApiShape.h"
#include "tests/api/StaffApiFixture.h"

#include <Poco/JSON/Object.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace clinhub::test {
namespace {

using staff::Role;

const std::string kA = "/api/v1/organisations/A12345";
const std::string kB = "/api/v1/organisations/B99999";
const std::string kLinkPath = "/staff/set-password/";

std::string body(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> members) {
    Poco::JSON::Object out;
    for (const auto& [name, value] : members)
        out.set(name, value);
    std::ostringstream text;
    out.stringify(text);
    return text.str();
}

std::string newUser(const std::string& name, const std::string& email, const std::string& role) {
    return body({{"name", name}, {"email", email}, {"role", role}});
}

// The set-password token an invitation's text carries.
std::string tokenIn(const std::string& text) {
    const auto at = text.find(kLinkPath);
    if (at == std::string::npos) return {};
    const auto start = at + kLinkPath.size();
    return text.substr(start, text.find_first_of(" \n", start) - start);
}

class UsersApi : public StaffApiFixture {
protected:
    void SetUp() override {
        StaffApiFixture::SetUp();
        if (HasFatalFailure()) return;
        admin = signIn->users().create("Sam Admin", "sam.admin@test-surgery.example");
        signIn->users().grant(admin.id, "A12345", Role::admin);
        adminKey = keys->create("A12345", "Sam's key", 0, Role::admin, admin.id).key;
        adminKeyB = keys->create("B99999", "admin", 0, Role::admin).key;
    }

    Reply call(const std::string& method, const std::string& target, const std::string& body = {}) const {
        return StaffApiFixture::call(method, target, adminKey, body);
    }

    // A user invited to A12345 through the API; their id.
    std::string invited(const std::string& email, const std::string& role = "staff") const {
        const auto reply = call("POST", kA + "/users", newUser("Jo Example", email, role));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.status == 201 ? reply.json()->getValue<std::string>("id") : std::string();
    }

    std::vector<outbox::EmailPayload> emails() const {
        std::vector<outbox::EmailPayload> out;
        for (const auto& m : queuedMessages(*store, "email"))
            out.push_back(std::get<outbox::EmailPayload>(outbox::decode(m.channel, m.payloadJson)));
        return out;
    }

    // The organisation's audit entries of `action` that ended `outcome`.
    std::vector<audit::Entry> entries(const std::string& action, audit::Outcome outcome = audit::Outcome::success,
                                      const std::string& organisation = "A12345") const {
        std::vector<audit::Entry> out;
        for (auto& e : audit->find(audit::Filter{organisation}))
            if (e.action == action && e.outcome == outcome) out.push_back(std::move(e));
        return out;
    }

    staff::User admin;
    std::string adminKey;
    std::string adminKeyB;
};

TEST_F(UsersApi, InvitingMakesTheUserAndQueuesOneEmailWhoseLinkWorksOnceAndHoldsNoPassword) {
    const auto reply = call("POST", kA + "/users", newUser("Jo Example", "Jo.Example@Test-Surgery.example", "staff"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto json = reply.json();
    const auto id = json->getValue<std::string>("id");
    EXPECT_EQ(json->getValue<std::string>("email"), "jo.example@test-surgery.example");
    EXPECT_EQ(json->getValue<std::string>("role"), "staff");
    EXPECT_EQ(json->getValue<std::string>("status"), "active");
    EXPECT_TRUE(json->getValue<bool>("invited"));
    EXPECT_EQ(reply.header("Location"), kA + "/users/" + id);
    ASSERT_TRUE(signIn->users().byId(id));
    EXPECT_EQ(signIn->users().byId(id)->roles.at("A12345"), Role::staff);

    const auto sent = emails();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].to, "jo.example@test-surgery.example");
    EXPECT_NE(sent[0].subject.find("Test Surgery"), std::string::npos) << sent[0].subject;
    const auto& text = sent[0].text;
    EXPECT_NE(text.find("Sam Admin"), std::string::npos) << text;
    EXPECT_NE(text.find("Test Surgery"), std::string::npos) << text;
    EXPECT_NE(text.find("https://clinhub.example.test" + kLinkPath + "spw_"), std::string::npos) << text;
    EXPECT_NE(text.find("works once"), std::string::npos) << text;
    EXPECT_NE(text.find("(UK time)"), std::string::npos) << text;
    EXPECT_NE(text.find("not expecting"), std::string::npos) << text;
    EXPECT_EQ(text.find("password:"), std::string::npos) << "no password is ever sent: " << text;
    EXPECT_EQ(signIn->passwords().userOfLink(tokenIn(text)), id);
    EXPECT_EQ(signIn->passwords().check(id, "a guess of twelve or more"), staff::PasswordCheck::noPassword);

    const auto logged = entries("inviteUser");
    ASSERT_EQ(logged.size(), 1U);
    EXPECT_EQ(logged[0].resource, id);
    EXPECT_EQ(logged[0].actor.id, admin.id);
    EXPECT_NE(logged[0].detail.find("role staff"), std::string::npos) << logged[0].detail;
}

TEST_F(UsersApi, ADisabledUserIsNotGivenARoleAndNothingIsSent) {
    const auto user = signIn->users().create("Dee Example", "dee.example@test-surgery.example");
    signIn->users().grant(user.id, "B99999", Role::staff);
    signIn->users().setActive(user.id, false);
    const auto reply = call("POST", kA + "/users", newUser("Dee", "dee.example@test-surgery.example", "staff"));
    EXPECT_EQ(reply.status, 409) << reply.body;
    EXPECT_NE(reply.body.find("disabled"), std::string::npos) << reply.body;
    EXPECT_FALSE(signIn->users().byId(user.id)->roles.contains("A12345"));
    EXPECT_TRUE(emails().empty());
    EXPECT_EQ(entries("inviteUser", audit::Outcome::failure).size(), 1U);
}

TEST_F(UsersApi, AnExistingUserWithAPasswordIsGivenTheRoleWithoutAnEmailAndAMemberAlreadyHereIsAConflict) {
    const auto user = signIn->users().create("Alex Example", "alex.example@test-surgery.example");
    signIn->users().grant(user.id, "B99999", Role::viewer);
    signIn->passwords().setWithLink(signIn->passwords().issueLink(user.id).token, "a long enough password");

    const auto reply = call("POST", kA + "/users", newUser("Whatever", "alex.example@test-surgery.example", "viewer"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    EXPECT_EQ(reply.json()->getValue<std::string>("id"), user.id);
    EXPECT_FALSE(reply.json()->getValue<bool>("invited"));
    EXPECT_TRUE(emails().empty());
    const auto roles = signIn->users().byId(user.id)->roles;
    EXPECT_EQ(roles.at("A12345"), Role::viewer);
    EXPECT_EQ(roles.at("B99999"), Role::viewer) << "their other organisation's role is untouched";

    const auto again = call("POST", kA + "/users", newUser("Alex", "alex.example@test-surgery.example", "admin"));
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(signIn->users().byId(user.id)->roles.at("A12345"), Role::viewer);
}

TEST_F(UsersApi, AnOrganisationRoutingNoEmailIsRefusedAndNothingIsMade) {
    const auto reply = StaffApiFixture::call("POST", kB + "/users", adminKeyB,
                                             newUser("Jo Example", "jo.example@test-surgery.example", "staff"));
    EXPECT_EQ(reply.status, 422) << reply.body;
    EXPECT_NE(reply.body.find("route.email"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("clinhub users create"), std::string::npos) << reply.body;
    EXPECT_FALSE(signIn->users().byEmail("jo.example@test-surgery.example"));
    EXPECT_TRUE(emails().empty());
    EXPECT_EQ(entries("inviteUser", audit::Outcome::failure, "B99999").size(), 1U);
    EXPECT_TRUE(entries("inviteUser", audit::Outcome::success, "B99999").empty());
}

TEST_F(UsersApi, BadFieldsAreEachNamedAndNothingIsMade) {
    const auto reply = call("POST", kA + "/users", newUser(" ", "not-an-address", "operator"));
    ASSERT_EQ(reply.status, 422) << reply.body;
    std::set<std::string> fields;
    const auto errors = reply.json()->getArray("errors");
    for (const auto& e : *errors)
        fields.insert(e.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("field"));
    EXPECT_EQ(fields, (std::set<std::string>{"name", "email", "role"}));
    EXPECT_EQ(signIn->users().list(std::string("A12345")).size(), 1U) << "only the admin";
    EXPECT_TRUE(emails().empty());
}

TEST_F(UsersApi, AnAdminChangesAndWithdrawsAnotherUsersRoleAndTheirKeyStopsAtOnce) {
    const auto id = invited("jo.example@test-surgery.example", "staff");
    const auto theirKey = keys->create("A12345", "Jo's key", 0, Role::staff, id).key;

    const auto changed = call("PUT", kA + "/users/" + id + "/role", body({{"role", "viewer"}}));
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(changed.json()->getValue<std::string>("role"), "viewer");
    EXPECT_EQ(signIn->users().byId(id)->roles.at("A12345"), Role::viewer);
    ASSERT_TRUE(keys->authenticate(theirKey));
    EXPECT_EQ(keys->authenticate(theirKey)->role, Role::viewer) << "a user's key is no more than its user";
    const auto changes = entries("changeRole");
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].resource, id);
    EXPECT_EQ(changes[0].detail, "role viewer, was staff");

    EXPECT_EQ(call("PUT", kA + "/users/" + id + "/role", body({{"role", "owner"}})).status, 422);

    EXPECT_EQ(call("DELETE", kA + "/users/" + id + "/role").status, 204);
    EXPECT_FALSE(signIn->users().byId(id)->roles.contains("A12345"));
    EXPECT_FALSE(keys->authenticate(theirKey));
    ASSERT_EQ(entries("withdrawRole").size(), 1U);
    EXPECT_EQ(entries("withdrawRole")[0].resource, id);
    EXPECT_EQ(call("GET", kA + "/users/" + id).status, 404);
    EXPECT_EQ(call("DELETE", kA + "/users/" + id + "/role").status, 404);
    EXPECT_EQ(call("GET", kA + "/users").body.find(id), std::string::npos);
}

TEST_F(UsersApi, AnAdminCannotChangeOrWithdrawTheirOwnRoleAndNoOneTheLastActiveAdminsButAnotherAdminCan) {
    const auto demote = call("PUT", kA + "/users/" + admin.id + "/role", body({{"role", "viewer"}}));
    EXPECT_EQ(demote.status, 409) << demote.body;
    EXPECT_NE(demote.body.find("another admin"), std::string::npos) << demote.body;
    const auto withdraw = call("DELETE", kA + "/users/" + admin.id + "/role");
    EXPECT_EQ(withdraw.status, 409) << withdraw.body;
    EXPECT_EQ(signIn->users().byId(admin.id)->roles.at("A12345"), Role::admin);
    EXPECT_EQ(entries("changeRole", audit::Outcome::failure).size(), 1U);

    // A service key is no admin user: demoting the only one would leave nobody to manage the practice's people.
    const auto service = keys->create("A12345", "practice manager's service key", 0, Role::admin).key;
    const auto last =
        StaffApiFixture::call("PUT", kA + "/users/" + admin.id + "/role", service, body({{"role", "staff"}}));
    EXPECT_EQ(last.status, 409) << last.body;
    EXPECT_NE(last.body.find("no active admin"), std::string::npos) << last.body;
    EXPECT_EQ(StaffApiFixture::call("DELETE", kA + "/users/" + admin.id + "/role", service).status, 409);
    EXPECT_EQ(signIn->users().byId(admin.id)->roles.at("A12345"), Role::admin) << "both rolled back";
    EXPECT_TRUE(entries("changeRole").empty());

    const auto other = signIn->users().create("Pat Manager", "pat.manager@test-surgery.example");
    signIn->users().grant(other.id, "A12345", Role::admin);
    const auto otherKey = keys->create("A12345", "Pat's key", 0, Role::admin, other.id).key;
    const auto byOther =
        StaffApiFixture::call("PUT", kA + "/users/" + admin.id + "/role", otherKey, body({{"role", "staff"}}));
    EXPECT_EQ(byOther.status, 200) << byOther.body;
    EXPECT_EQ(signIn->users().byId(admin.id)->roles.at("A12345"), Role::staff);
}

TEST_F(UsersApi, UsersAndKeysOfAnotherOrganisationAreNotFound) {
    const auto elsewhere = signIn->users().create("Kim Example", "kim.example@other-surgery.example");
    signIn->users().grant(elsewhere.id, "B99999", Role::staff);
    const auto keyB = keys->create("B99999", "their key", 0, Role::staff);

    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/users/" + elsewhere.id},
                                                          {"PUT", "/users/" + elsewhere.id + "/role"},
                                                          {"DELETE", "/users/" + elsewhere.id + "/role"},
                                                          {"POST", "/users/" + elsewhere.id + "/invitation"},
                                                          {"DELETE", "/keys/" + keyB.id}}) {
        const auto reply = call(method, kA + path, method == "PUT" ? body({{"role", "viewer"}}) : std::string());
        EXPECT_EQ(reply.status, 404) << method << " " << path << ": " << reply.body;
    }
    EXPECT_EQ(call("GET", kB + "/users").status, 404) << "an admin of A12345 is nobody in B99999";
    EXPECT_EQ(call("GET", kA + "/users").body.find(elsewhere.id), std::string::npos);
    EXPECT_EQ(call("GET", kA + "/keys").body.find(keyB.id), std::string::npos);
    EXPECT_EQ(signIn->users().byId(elsewhere.id)->roles.at("B99999"), Role::staff);
    EXPECT_TRUE(keys->authenticate(keyB.key));
    EXPECT_TRUE(emails().empty());
}

TEST_F(UsersApi, AKeyIsShownOnceListedWithoutItsSecretAndStopsWhenRevoked) {
    const auto created =
        call("POST", kA + "/keys", body({{"name", "reception PC"}, {"role", "viewer"}, {"expires_in_days", 30}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto json = created.json();
    const auto id = json->getValue<std::string>("id");
    const auto key = json->getValue<std::string>("key");
    EXPECT_TRUE(key.starts_with("chk_")) << key;
    EXPECT_EQ(created.header("Location"), kA + "/keys/" + id);
    EXPECT_FALSE(json->isNull("expires_at"));
    const auto owner = keys->authenticate(key);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->id, id);
    EXPECT_EQ(owner->role, Role::viewer);
    ASSERT_EQ(entries("createKey").size(), 1U);
    EXPECT_EQ(entries("createKey")[0].resource, id);

    const auto listed = call("GET", kA + "/keys");
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.body.find(key), std::string::npos);
    EXPECT_EQ(listed.body.find(staff::ApiKeys::hash(key)), std::string::npos);
    EXPECT_EQ(listed.body.find("chk_"), std::string::npos);
    bool found = false;
    const auto listedKeys = listed.json()->getArray("keys");
    for (const auto& k : *listedKeys) {
        const auto& item = k.extract<Poco::JSON::Object::Ptr>();
        EXPECT_FALSE(item->has("key"));
        if (item->getValue<std::string>("id") == id) found = true;
    }
    EXPECT_TRUE(found);

    EXPECT_EQ(call("DELETE", kA + "/keys/" + id).status, 204);
    EXPECT_FALSE(keys->authenticate(key));
    ASSERT_EQ(entries("revokeKey").size(), 1U);
    EXPECT_EQ(entries("revokeKey")[0].resource, id);
    EXPECT_EQ(call("DELETE", kA + "/keys/" + id).status, 409);
    const auto afterwards = call("GET", kA + "/keys").json()->getArray("keys");
    for (const auto& k : *afterwards) {
        const auto& item = k.extract<Poco::JSON::Object::Ptr>();
        if (item->getValue<std::string>("id") == id) {
            EXPECT_FALSE(item->isNull("revoked_at"));
        }
    }
}

TEST_F(UsersApi, AUsersKeyNeedsAUserOfThisOrganisationWhoseRoleCoversIt) {
    const auto viewer = invited("jo.example@test-surgery.example", "viewer");
    const auto tooMuch = call("POST", kA + "/keys", body({{"name", "Jo's"}, {"role", "staff"}, {"user_id", viewer}}));
    EXPECT_EQ(tooMuch.status, 422) << tooMuch.body;
    EXPECT_NE(tooMuch.body.find("user_id"), std::string::npos);

    const auto elsewhere = signIn->users().create("Kim Example", "kim.example@other-surgery.example");
    signIn->users().grant(elsewhere.id, "B99999", Role::admin);
    const auto stranger =
        call("POST", kA + "/keys", body({{"name", "Kim's"}, {"role", "viewer"}, {"user_id", elsewhere.id}}));
    EXPECT_EQ(stranger.status, 422) << stranger.body;
    EXPECT_NE(stranger.body.find("no such user in this organisation"), std::string::npos) << stranger.body;

    const auto fits = call("POST", kA + "/keys", body({{"name", "Jo's"}, {"role", "viewer"}, {"user_id", viewer}}));
    ASSERT_EQ(fits.status, 201) << fits.body;
    EXPECT_EQ(fits.json()->getValue<std::string>("user_id"), viewer);
    EXPECT_EQ(call("POST", kA + "/keys", body({{"name", "x"}, {"role", "viewer"}, {"expires_in_days", 0}})).status,
              422);
}

TEST_F(UsersApi, AFreshInvitationReplacesTheEarlierLinkAndResetsAForgottenPassword) {
    const auto id = invited("jo.example@test-surgery.example");
    const auto first = tokenIn(emails().at(0).text);
    ASSERT_TRUE(signIn->passwords().userOfLink(first));

    const auto again = call("POST", kA + "/users/" + id + "/invitation");
    ASSERT_EQ(again.status, 200) << again.body;
    const auto sent = emails();
    ASSERT_EQ(sent.size(), 2U);
    const auto second = tokenIn(sent[1].text);
    EXPECT_FALSE(signIn->passwords().userOfLink(first)) << "the earlier link stops working";
    EXPECT_EQ(signIn->passwords().userOfLink(second), id);
    ASSERT_EQ(entries("resendInvitation").size(), 1U);
    EXPECT_EQ(entries("resendInvitation")[0].resource, id);

    signIn->passwords().setWithLink(second, "a long enough password");
    ASSERT_EQ(call("POST", kA + "/users/" + id + "/invitation").status, 200);
    const auto reset = emails().at(2);
    EXPECT_NE(reset.subject.find("new password"), std::string::npos) << reset.subject;
    EXPECT_EQ(signIn->passwords().userOfLink(tokenIn(reset.text)), id);
}

TEST_F(UsersApi, StaffAndViewerKeysAreRefused) {
    const auto viewerKey = keys->create("A12345", "viewer", 0, Role::viewer).key;
    EXPECT_EQ(StaffApiFixture::call("GET", kA + "/users", keyA).status, 403);
    EXPECT_EQ(StaffApiFixture::call("GET", kA + "/keys", viewerKey).status, 403);
    EXPECT_EQ(
        StaffApiFixture::call("POST", kA + "/users", keyA, newUser("Jo", "jo.example@test-surgery.example", "admin"))
            .status,
        403);
    EXPECT_FALSE(signIn->users().byEmail("jo.example@test-surgery.example"));
    EXPECT_EQ(entries("inviteUser", audit::Outcome::refused).size(), 1U);
}

TEST_F(UsersApi, RepliesMatchTheOpenApiSchemas) {
    const OpenApiShape shape(CLINHUB_OPENAPI);
    auto expect = [&](const Reply& reply, int status, const std::string& schema) {
        ASSERT_EQ(reply.status, status) << reply.body;
        for (const auto& p : shape.check(Poco::JSON::Parser().parse(reply.body), schema))
            ADD_FAILURE() << schema << ": " << p << "\nin " << reply.body;
    };
    const auto created = call("POST", kA + "/users", newUser("Jo Example", "jo.example@test-surgery.example", "staff"));
    expect(created, 201, "InvitedUser");
    const auto id = created.json()->getValue<std::string>("id");
    expect(call("GET", kA + "/users"), 200, "UserList");
    expect(call("GET", kA + "/users/" + id), 200, "User");
    expect(call("PUT", kA + "/users/" + id + "/role", body({{"role", "admin"}})), 200, "User");
    expect(call("POST", kA + "/users/" + id + "/invitation"), 200, "InvitedUser");
    expect(call("POST", kA + "/users", newUser("", "", "")), 422, "ValidationProblem");
    expect(call("PUT", kA + "/users/" + admin.id + "/role", body({{"role", "staff"}})), 409, "Problem");
    expect(call("POST", kA + "/keys", body({{"name", "service"}, {"role", "staff"}})), 201, "CreatedApiKey");
    expect(call("GET", kA + "/keys"), 200, "ApiKeyList");
    expect(call("POST", kA + "/keys", body({{"role", "staff"}, {"expires_in_days", "soon"}})), 422,
           "ValidationProblem");
    expect(StaffApiFixture::call("POST", kB + "/users", adminKeyB, newUser("Jo", "jo@test-surgery.example", "staff")),
           422, "Problem");
}

} // namespace
} // namespace clinhub::test

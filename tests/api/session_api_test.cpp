// The staff API called from a signed-in browser: the session's user acts with their role in the
// organisation of the path, a change needs the session's CSRF token, and an ended session or a disabled
// user is refused at once.
#include "tests/api/StaffApiFixture.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

using staff::Role;

const std::string kA = "/api/v1/organisations/A12345";
const std::string kB = "/api/v1/organisations/B99999";
constexpr const char* kPassword = "a long enough test password";

class SessionApi : public StaffApiFixture {
protected:
    // A user with `role` in A12345, signed in: their session.
    staff::NewSession signedIn(Role role, const std::string& email = "sam.example@test-surgery.example") {
        auto& users = signIn->users();
        auto user = users.byEmail(email);
        if (!user) user = users.create("Sam Example", email);
        users.grant(user->id, role == Role::hubOperator ? staff::kEveryOrganisation : "A12345", role);
        userId = user->id;
        signIn->passwords().setWithLink(signIn->passwords().issueLink(user->id).token, kPassword);
        const auto result = signIn->withPassword(email, kPassword, "127.0.0.1");
        EXPECT_EQ(result.kind, staff::SignInResult::Kind::signedIn);
        return result.session;
    }

    Reply as(const staff::NewSession& session, const std::string& method, const std::string& target,
             const std::string& body = {}, bool withCsrf = true) const {
        std::vector<std::pair<std::string, std::string>> headers{
            {"Cookie", std::string(staff::Sessions::kCookie) + "=" + session.id}};
        if (withCsrf) headers.emplace_back("X-CSRF-Token", session.csrf);
        return request(server->port(), method, target, "", body, "application/json", headers);
    }

    std::string userId;
};

TEST_F(SessionApi, ASignedInUserActsInTheirOrganisationAndTheTrailNamesThem) {
    const auto session = signedIn(Role::staff);
    const auto created = as(session, "POST", kA + "/links", linkBody());
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = created.json()->getValue<std::string>("id");
    EXPECT_EQ(as(session, "GET", kA + "/links/" + id).status, 200);
    EXPECT_EQ(as(session, "GET", kB + "/links/" + id).status, 404) << "no role in B99999";

    const auto trail = audit->find({"A12345", userId, std::nullopt, std::nullopt, std::nullopt, 100});
    ASSERT_FALSE(trail.empty());
    EXPECT_EQ(trail.back().action, "createLink");
    EXPECT_EQ(trail.back().actor.kind, "user");
    EXPECT_EQ(trail.back().actor.name, "Sam Example");
}

TEST_F(SessionApi, AChangeWithoutTheSessionsCsrfTokenIsRefusedAndReadsNeedNone) {
    const auto session = signedIn(Role::staff);
    const auto refused = as(session, "POST", kA + "/links", linkBody(), false);
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("CSRF token"), std::string::npos) << refused.body;
    auto forged = session;
    forged.csrf = staff::Sessions::csrfOf(std::string(43, 'x'));
    EXPECT_EQ(as(forged, "POST", kA + "/links", linkBody()).status, 403);
    EXPECT_EQ(as(session, "GET", kA + "/messages", {}, false).status, 200);
}

TEST_F(SessionApi, AUsersRoleLimitsTheirSessionAsItWouldTheirKey) {
    const auto session = signedIn(Role::viewer);
    const auto refused = as(session, "POST", kA + "/links", linkBody());
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("this needs the staff role; the user has the viewer role"), std::string::npos)
        << refused.body;
    EXPECT_EQ(as(session, "GET", kA + "/messages").status, 200);
}

TEST_F(SessionApi, AnOperatorsSessionOpensTheHubsRoutesAndNoPracticesWhileAPracticeUsersOpensNoneOfTheHubs) {
    const auto op = signedIn(Role::hubOperator, "ola.operator@hub.example");
    EXPECT_EQ(as(op, "GET", "/api/v1/hub/organisations").status, 200);
    const auto practice = as(op, "GET", kA + "/messages");
    EXPECT_EQ(practice.status, 403) << practice.body;
    EXPECT_NE(practice.body.find("this needs the viewer role; the user has the operator role"), std::string::npos)
        << practice.body;
    const auto staffMember = signedIn(Role::admin);
    const auto hub = as(staffMember, "GET", "/api/v1/hub/plugins");
    EXPECT_EQ(hub.status, 403) << hub.body;
    EXPECT_NE(hub.body.find("this needs the operator role"), std::string::npos) << hub.body;
    const auto withoutCsrf =
        as(op, "POST", "/api/v1/hub/organisations/A12345/admins", R"({"email":"jo@test-surgery.example"})", false);
    EXPECT_EQ(withoutCsrf.status, 403) << withoutCsrf.body;
    EXPECT_NE(withoutCsrf.body.find("CSRF"), std::string::npos) << withoutCsrf.body;
}

TEST_F(SessionApi, AnEndedSessionOrADisabledUserIsRefusedAtOnce) {
    const auto ended = signedIn(Role::staff);
    signIn->signOut(ended.id, "127.0.0.1");
    const auto reply = as(ended, "GET", kA + "/messages");
    EXPECT_EQ(reply.status, 401);
    EXPECT_NE(reply.body.find("the session has ended"), std::string::npos) << reply.body;

    const auto live = signedIn(Role::staff);
    ASSERT_EQ(as(live, "GET", kA + "/messages").status, 200);
    signIn->users().setActive(userId, false);
    EXPECT_EQ(as(live, "GET", kA + "/messages").status, 401);
}

} // namespace
} // namespace clinhub::test

// Staff sign-in through a real OpenID provider (npm oidc-provider, one per test), as a browser goes through
// it: the sign-in page's button, the provider's sign-in, the return to the hub, and a session; a tampered
// state and a replayed return refused; a stranger refused, or made a user when the config says so.
#include "hub/staff/SignIn.h"
#include "hub/web/StaffPages.h"
#include "tests/staff/OidcProvider.h"
#include "tests/staff/SignInFixture.h"
#include "tests/web/PagesFixture.h"

#include <Poco/Data/Session.h>

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

constexpr const char* kProviderEmail = "jo.example@test-surgery.example"; // the provider's test account

class StaffSso : public SignInFixture {
protected:
    void SetUp() override {
        ASSERT_FALSE(provider.issuer().empty()) << "oidc_provider.mjs did not start";
        openSignIn();
    }

    void serve(std::optional<staff::Role> newUserRole = std::nullopt) {
        staff::OidcSettings settings;
        settings.issuer = provider.issuer();
        settings.clientId = provider.options().clientId;
        settings.clientSecret = provider.options().clientSecret;
        settings.redirectUri = provider.options().redirectUri;
        web::SingleSignOn sso{std::make_shared<staff::OidcClient>(settings), "Test ID", "email", newUserRole, "A12345"};
        web::addStaffPages(router, *signIn,
                           {std::make_shared<const web::Assets>(dir.file("no-assets")), false, false, sso});
        startServer();
    }

    void addJo() {
        const auto jo = signIn->users().create("Jo Example", kProviderEmail);
        signIn->users().grant(jo.id, "A12345", staff::Role::staff);
    }

    // The browser's way to the provider and back: the path (and query) of the return to the hub.
    std::string throughTheProvider(Browser& b) {
        const auto start = b.get("/staff/sign-in/sso");
        EXPECT_EQ(start.status, 303) << start.body;
        const auto back = provider.signIn(start.header("Location"));
        EXPECT_TRUE(back.starts_with(provider.options().redirectUri)) << back;
        const auto path = back.find("/staff/");
        return path == std::string::npos ? std::string("/staff/sign-in/callback") : back.substr(path);
    }

    OidcProvider provider{
        {"clinhub-test", "not-a-real-secret", "https://hub.test-surgery.example/staff/sign-in/callback", 60}};
};

TEST_F(StaffSso, AUserTheProviderVouchesForIsSignedIn) {
    addJo();
    serve();
    auto b = Browser(server->port());
    EXPECT_TRUE(b.get("/staff/sign-in").says("Sign in with Test ID"));
    const auto start = b.get("/staff/sign-in/sso");
    ASSERT_EQ(start.status, 303);
    EXPECT_TRUE(start.header("Location").starts_with(provider.issuer())) << start.header("Location");
    ASSERT_EQ(start.cookies.size(), 1U);
    EXPECT_NE(start.cookies[0].find("SameSite=Lax"), std::string::npos) << "the provider's redirect must bring it";
    EXPECT_NE(start.cookies[0].find("HttpOnly"), std::string::npos);

    const auto back = provider.signIn(start.header("Location"));
    const auto returned = b.get(back.substr(back.find("/staff/")));
    ASSERT_EQ(returned.status, 200) << returned.body;
    EXPECT_TRUE(returned.says("You are signed in"));
    const auto home = b.get("/staff");
    ASSERT_EQ(home.status, 200);
    EXPECT_TRUE(home.says("Signed in as Jo Example"));
    const auto entries = trail("A12345");
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].outcome, audit::Outcome::success);
    EXPECT_EQ(entries[0].detail, "by oidc");
}

TEST_F(StaffSso, AReturnWithAnotherStateIsRefused) {
    addJo();
    serve();
    auto b = Browser(server->port());
    auto path = throughTheProvider(b);
    const auto state = path.find("state=");
    ASSERT_NE(state, std::string::npos) << path;
    path.replace(state + 6, 4, "XXXX");
    const auto refused = b.get(path);
    EXPECT_EQ(refused.status, 401);
    EXPECT_TRUE(refused.says("Sign in with Test ID did not work"));
    EXPECT_EQ(b.get("/staff").status, 303) << "not signed in";
    const auto entries = trail(staff::kEveryOrganisation);
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].outcome, audit::Outcome::refused);
    EXPECT_NE(entries[0].detail.find("state"), std::string::npos) << entries[0].detail;
}

TEST_F(StaffSso, AReturnReplayedIsRefusedEvenByTheSameBrowser) {
    addJo();
    serve();
    auto b = Browser(server->port());
    const auto path = throughTheProvider(b);
    ASSERT_EQ(b.get(path).status, 200);
    auto other = Browser(server->port());
    other.forceCookie(std::string(staff::Sessions::kStartCookie), b.cookie(std::string(staff::Sessions::kStartCookie)));
    EXPECT_EQ(other.get(path).status, 401) << "the sign-in was used up";
    EXPECT_EQ(other.get("/staff").status, 303);
}

TEST_F(StaffSso, AReturnAfterTheSignInWasLeftTooLongIsRefused) {
    addJo();
    serve();
    auto b = Browser(server->port());
    const auto path = throughTheProvider(b);
    {
        auto s = store->session();
        int64_t older = staff::Sessions::kStartLifetime + 1'000'000;
        s << "UPDATE sign_in_starts SET created_at = created_at - ?", Poco::Data::Keywords::use(older),
            Poco::Data::Keywords::now;
    }
    const auto refused = b.get(path);
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_TRUE(refused.says("Sign in with Test ID did not work"));
    EXPECT_EQ(b.get("/staff").status, 303) << "not signed in";
    const auto entries = trail(staff::kEveryOrganisation);
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries[0].outcome, audit::Outcome::refused);
}

TEST_F(StaffSso, SomeoneWhoIsNoUserIsRefusedUnlessTheConfigMakesThemOne) {
    serve();
    auto b = Browser(server->port());
    EXPECT_EQ(b.get(throughTheProvider(b)).status, 401);
    EXPECT_FALSE(signIn->users().byEmail(kProviderEmail));
}

TEST_F(StaffSso, TheConfigCanLetTheProviderMakeNewUsersWithADefaultRole) {
    serve(staff::Role::viewer);
    auto b = Browser(server->port());
    ASSERT_EQ(b.get(throughTheProvider(b)).status, 200);
    const auto made = signIn->users().byEmail(kProviderEmail);
    ASSERT_TRUE(made);
    EXPECT_EQ(made->roles.at("A12345"), staff::Role::viewer);
    EXPECT_EQ(b.get("/staff").status, 200);
}

} // namespace
} // namespace clinhub::test

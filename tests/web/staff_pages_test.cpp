// The staff sign-in pages over real HTTP, as a browser uses them: setting a password from an invitation,
// signing in and out (here and everywhere), the lockout, and the cookie and CSRF rules that keep another
// site from signing someone in or out.
#include "hub/staff/SignIn.h"
#include "hub/web/StaffPages.h"
#include "tests/staff/SignInFixture.h"
#include "tests/web/PagesFixture.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

constexpr const char* kEmail = "jo.example@test-surgery.example";
constexpr const char* kPassword = "correct horse battery staple";

class StaffPages : public SignInFixture {
protected:
    void SetUp() override {
        openSignIn();
        jo = signIn->users().create("Jo Example", kEmail);
        signIn->users().grant(jo.id, "A12345", staff::Role::admin);
        web::addStaffPages(router, *signIn, {std::make_shared<const web::Assets>(dir.file("no-assets")), false, true});
        startServer();
    }

    Browser browser() const { return Browser(server->port()); }

    // Sets Jo's password through an invitation link, as Jo would.
    void setPassword(Browser& b) {
        const auto path = "/staff/set-password/" + signIn->passwords().issueLink(jo.id).token;
        const auto form = b.get(path);
        ASSERT_EQ(form.status, 200);
        const auto done =
            b.post(path, {{"csrf", hidden(form, "csrf")}, {"password", kPassword}, {"confirm", kPassword}});
        ASSERT_EQ(done.status, 303) << done.body;
        EXPECT_EQ(done.header("Location"), "/staff/sign-in?done=password");
    }

    Reply signInWith(Browser& b, const std::string& password) {
        const auto form = b.get("/staff/sign-in");
        EXPECT_EQ(form.status, 200);
        return b.post("/staff/sign-in", {{"csrf", hidden(form, "csrf")}, {"email", kEmail}, {"password", password}});
    }

    staff::User jo;
};

TEST_F(StaffPages, AnInvitedUserSetsTheirPasswordSignsInAndSeesWhoTheyAre) {
    auto b = browser();
    ASSERT_NO_FATAL_FAILURE(setPassword(b));
    const auto signedIn = signInWith(b, kPassword);
    ASSERT_EQ(signedIn.status, 303) << signedIn.body;
    EXPECT_EQ(signedIn.header("Location"), "/staff/A12345") << "one organisation: straight to its console";
    ASSERT_EQ(signedIn.cookies.size(), 1U);
    const auto& cookie = signedIn.cookies.front();
    EXPECT_TRUE(cookie.starts_with("clinhub_staff=")) << cookie;
    for (const char* flag : {"; Path=/", "; HttpOnly", "; SameSite=Strict"})
        EXPECT_NE(cookie.find(flag), std::string::npos) << flag << " in " << cookie;

    const auto home = b.get("/staff");
    ASSERT_EQ(home.status, 200);
    EXPECT_TRUE(home.says("Signed in as Jo Example"));
    EXPECT_TRUE(home.says("A12345"));
    EXPECT_TRUE(home.says("admin"));
    EXPECT_FALSE(home.says(b.cookie("clinhub_staff"))) << "the session id stays in its HttpOnly cookie";
    EXPECT_NE(home.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(home.header("Cache-Control"), "no-store");
}

TEST_F(StaffPages, ALinkWorksOnceAndAPasswordTooShortOrMistypedIsSaidAtTheField) {
    auto b = browser();
    const auto path = "/staff/set-password/" + signIn->passwords().issueLink(jo.id).token;
    auto form = b.get(path);
    auto reply = b.post(path, {{"csrf", hidden(form, "csrf")}, {"password", "short"}, {"confirm", "short"}});
    EXPECT_EQ(reply.status, 422);
    EXPECT_TRUE(reply.says("A password has at least 12 characters"));
    EXPECT_TRUE(reply.says("href=\"#password\""));
    form = b.get(path);
    reply = b.post(path, {{"csrf", hidden(form, "csrf")}, {"password", kPassword}, {"confirm", "something else!"}});
    EXPECT_EQ(reply.status, 422);
    EXPECT_TRUE(reply.says("The two passwords are not the same"));
    form = b.get(path);
    ASSERT_EQ(b.post(path, {{"csrf", hidden(form, "csrf")}, {"password", kPassword}, {"confirm", kPassword}}).status,
              303);
    const auto again = b.get(path);
    EXPECT_EQ(again.status, 404);
    EXPECT_TRUE(again.says("This link cannot be used"));
}

TEST_F(StaffPages, AWrongPasswordIsRefusedWithoutSayingWhichPartWasWrongAndFiveLockTheAccount) {
    auto b = browser();
    ASSERT_NO_FATAL_FAILURE(setPassword(b));
    for (int i = 0; i < 4; ++i) {
        const auto wrong = signInWith(b, "not the password at all");
        EXPECT_EQ(wrong.status, 422);
        EXPECT_TRUE(wrong.says("Enter a correct email address and password"));
        EXPECT_TRUE(wrong.says("value=\"jo.example@test-surgery.example\"")) << "the email is kept";
        EXPECT_FALSE(wrong.says("not the password at all")) << "the password is never shown back";
    }
    const auto locked = signInWith(b, "not the password at all");
    EXPECT_EQ(locked.status, 422);
    EXPECT_TRUE(locked.says("This account is locked after too many wrong passwords. Try again in 15 minutes"))
        << locked.body;
    EXPECT_EQ(signInWith(b, kPassword).status, 422) << "the right password does not open a locked account";
    EXPECT_EQ(b.get("/staff").status, 303);
}

TEST_F(StaffPages, ASignInPostedFromAnotherSiteWithoutTheFormsCookieIsRefused) {
    auto b = browser();
    ASSERT_NO_FATAL_FAILURE(setPassword(b));
    auto forger = browser();
    const auto reply =
        forger.post("/staff/sign-in", {{"csrf", std::string(43, 'x')}, {"email", kEmail}, {"password", kPassword}});
    EXPECT_EQ(reply.status, 403);
    EXPECT_TRUE(reply.cookies.empty());
}

TEST_F(StaffPages, SigningOutEndsTheSessionAndSigningOutEverywhereEndsTheOthersToo) {
    auto desk = browser();
    ASSERT_NO_FATAL_FAILURE(setPassword(desk));
    ASSERT_EQ(signInWith(desk, kPassword).status, 303);
    auto phone = browser();
    ASSERT_EQ(signInWith(phone, kPassword).status, 303);
    auto laptop = browser();
    ASSERT_EQ(signInWith(laptop, kPassword).status, 303);

    const auto home = desk.get("/staff");
    EXPECT_EQ(desk.post("/staff/sign-out", {{"csrf", "not the token"}}).status, 403) << "a forged sign-out";
    ASSERT_EQ(desk.get("/staff").status, 200);
    const auto out = desk.post("/staff/sign-out", {{"csrf", hidden(home, "csrf")}});
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(desk.get("/staff").status, 303);
    EXPECT_EQ(phone.get("/staff").status, 200);

    const auto phoneHome = phone.get("/staff");
    EXPECT_EQ(phone.post("/staff/sign-out-everywhere", {{"csrf", hidden(phoneHome, "csrf")}}).status, 303);
    EXPECT_EQ(phone.get("/staff").status, 303);
    EXPECT_EQ(laptop.get("/staff").status, 303);
    const auto trail = audit->find({"A12345", jo.id, std::nullopt, std::nullopt, std::nullopt, 100});
    ASSERT_FALSE(trail.empty());
    EXPECT_EQ(trail.back().action, "signOutEverywhere");
}

} // namespace
} // namespace clinhub::test

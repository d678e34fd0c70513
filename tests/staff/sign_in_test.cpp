// Local passwords, set-password links, the lockout, and sessions with their timeouts, against a real store
// (both stores), with a clock the tests move; and the audit entries every sign-in leaves.
#include "hub/staff/SignIn.h"
#include "tests/staff/SignInFixture.h"

#include <Poco/Data/Session.h>

#include <gtest/gtest.h>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using staff::PasswordCheck;
using staff::Role;
using staff::SignInResult;

constexpr int64_t kMinute = 60'000'000;
constexpr const char* kPassword = "correct horse battery staple";

class SignInTest : public SignInFixture {
protected:
    void SetUp() override {
        openSignIn(staff::Lockout{5, 15 * kMinute}, staff::SessionTimeouts{30 * kMinute, 12 * 60 * kMinute}, clock);
        jo = signIn->users().create("Jo Example", "jo.example@test-surgery.example");
        signIn->users().grant(jo.id, "A12345", Role::staff);
        signIn->users().grant(jo.id, "B99999", Role::viewer);
        jo = *signIn->users().byId(jo.id);
    }

    void withPassword(const std::string& password = kPassword) {
        const auto link = signIn->passwords().issueLink(jo.id);
        signIn->passwords().setWithLink(link.token, password);
    }

    int64_t at = 1'800'000'000'000'000;
    std::function<int64_t()> clock = [this] { return at; };
    staff::User jo;
};

TEST_F(SignInTest, APasswordIsStoredAsAnArgon2idHashAndOnlyTheRightOneIsAccepted) {
    withPassword();
    std::vector<std::string> hashes;
    auto s = store->session();
    s << "SELECT hash FROM passwords WHERE user_id = ?", useRef(jo.id), into(hashes), now;
    ASSERT_EQ(hashes.size(), 1U);
    EXPECT_TRUE(hashes[0].starts_with("$argon2id$")) << hashes[0];
    EXPECT_EQ(hashes[0].find(kPassword), std::string::npos);
    EXPECT_EQ(signIn->passwords().check(jo.id, kPassword), PasswordCheck::accepted);
    EXPECT_EQ(signIn->passwords().check(jo.id, "correct horse battery stapl"), PasswordCheck::wrong);
}

TEST_F(SignInTest, ASetPasswordLinkWorksOnceAndOnlyUntilItExpires) {
    const auto link = signIn->passwords().issueLink(jo.id, 60 * kMinute);
    EXPECT_TRUE(link.token.starts_with("spw_"));
    EXPECT_EQ(signIn->passwords().userOfLink(link.token), jo.id);
    EXPECT_EQ(signIn->passwords().setWithLink(link.token, kPassword), jo.id);
    EXPECT_FALSE(signIn->passwords().userOfLink(link.token)) << "used up";
    EXPECT_THROW(signIn->passwords().setWithLink(link.token, "another long password"), staff::UserError);

    const auto late = signIn->passwords().issueLink(jo.id, 60 * kMinute);
    at += 61 * kMinute;
    EXPECT_FALSE(signIn->passwords().userOfLink(late.token));
    EXPECT_THROW(signIn->passwords().setWithLink(late.token, "another long password"), staff::UserError);

    const auto first = signIn->passwords().issueLink(jo.id);
    const auto second = signIn->passwords().issueLink(jo.id);
    EXPECT_FALSE(signIn->passwords().userOfLink(first.token)) << "a newer link replaces an unused one";
    EXPECT_EQ(signIn->passwords().userOfLink(second.token), jo.id);
    EXPECT_EQ(signIn->passwords().check(jo.id, kPassword), PasswordCheck::accepted) << "the first password stays";
}

TEST_F(SignInTest, AShortPasswordOrTheEmailItselfIsRefusedWithTheReason) {
    EXPECT_EQ(staff::Passwords::problem("short", jo.email), "a password has at least 12 characters");
    EXPECT_EQ(staff::Passwords::problem(std::string(257, 'x'), jo.email), "a password has at most 256 characters");
    EXPECT_EQ(staff::Passwords::problem("JO.EXAMPLE@test-surgery.example", jo.email),
              "a password cannot be your email address");
    EXPECT_EQ(staff::Passwords::problem(kPassword, jo.email), "");
}

TEST_F(SignInTest, FiveWrongPasswordsLockTheAccountForAWhileEvenAgainstTheRightOne) {
    withPassword();
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(signIn->withPassword(jo.email, "not the password", "192.0.2.7").kind, SignInResult::Kind::refused);
    const auto fifth = signIn->withPassword(jo.email, "not the password", "192.0.2.7");
    EXPECT_EQ(fifth.kind, SignInResult::Kind::locked);
    EXPECT_EQ(fifth.lockedUntil, at + 15 * kMinute);
    EXPECT_EQ(signIn->withPassword(jo.email, kPassword, "192.0.2.7").kind, SignInResult::Kind::locked);
    at += 15 * kMinute + 1;
    const auto after = signIn->withPassword(jo.email, kPassword, "192.0.2.7");
    EXPECT_EQ(after.kind, SignInResult::Kind::signedIn);
    EXPECT_FALSE(after.session.id.empty());
}

TEST_F(SignInTest, ARightPasswordClearsTheCountOfWrongOnes) {
    withPassword();
    for (int i = 0; i < 4; ++i)
        signIn->withPassword(jo.email, "not the password", "192.0.2.7");
    EXPECT_EQ(signIn->withPassword(jo.email, kPassword, "192.0.2.7").kind, SignInResult::Kind::signedIn);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(signIn->withPassword(jo.email, "not the password", "192.0.2.7").kind, SignInResult::Kind::refused);
}

TEST_F(SignInTest, SettingAPasswordByLinkLiftsALockout) {
    withPassword();
    for (int i = 0; i < 5; ++i)
        signIn->withPassword(jo.email, "not the password", "192.0.2.7");
    ASSERT_GT(signIn->passwords().lockedUntil(jo.id), 0);
    withPassword("a brand new long password");
    EXPECT_EQ(signIn->withPassword(jo.email, "a brand new long password", "192.0.2.7").kind,
              SignInResult::Kind::signedIn);
}

TEST_F(SignInTest, AnUnknownEmailANoPasswordUserAndADisabledUserAreRefusedAlike) {
    EXPECT_EQ(signIn->withPassword("nobody@test-surgery.example", kPassword, "192.0.2.7").kind,
              SignInResult::Kind::refused);
    EXPECT_EQ(signIn->withPassword(jo.email, kPassword, "192.0.2.7").kind, SignInResult::Kind::refused)
        << "invited, no password set yet";
    withPassword();
    signIn->users().setActive(jo.id, false);
    const auto disabled = signIn->withPassword(jo.email, kPassword, "192.0.2.7");
    EXPECT_EQ(disabled.kind, SignInResult::Kind::refused);
    EXPECT_TRUE(disabled.session.id.empty());
}

TEST_F(SignInTest, EverySignInGoodOrBadIsInTheTrailOfEachOrganisationTheUserWorksIn) {
    withPassword();
    signIn->withPassword(jo.email, "not the password", "192.0.2.7");
    signIn->withPassword(jo.email, kPassword, "192.0.2.8");
    signIn->withPassword("nobody@test-surgery.example", kPassword, "192.0.2.9");
    for (const char* organisation : {"A12345", "B99999"}) {
        const auto entries = trail(organisation);
        ASSERT_EQ(entries.size(), 2U) << organisation;
        EXPECT_EQ(entries[0].action, "signIn");
        EXPECT_EQ(entries[0].outcome, audit::Outcome::refused);
        EXPECT_EQ(entries[0].detail, "wrong password");
        EXPECT_EQ(entries[0].actor.address, "192.0.2.7");
        EXPECT_EQ(entries[1].outcome, audit::Outcome::success);
        EXPECT_EQ(entries[1].actor.id, jo.id);
        EXPECT_EQ(entries[1].actor.name, "Jo Example");
        for (const auto& entry : entries)
            EXPECT_EQ(entry.detail.find(kPassword), std::string::npos);
    }
    const auto unknown = trail(staff::kEveryOrganisation);
    ASSERT_EQ(unknown.size(), 1U);
    EXPECT_EQ(unknown[0].detail, "no user has that email");
    EXPECT_EQ(unknown[0].actor.address, "192.0.2.9");
}

TEST_F(SignInTest, ASessionIdIsRandomStoredOnlyAsItsHashAndCarriesADerivedCsrfToken) {
    withPassword();
    const auto a = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    const auto b = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    EXPECT_GE(a.id.size(), 43U) << "256 bits, base64url";
    EXPECT_NE(a.id, b.id);
    EXPECT_NE(a.csrf, b.csrf);
    EXPECT_NE(a.csrf, a.id);
    std::vector<std::string> hashes;
    auto s = store->session();
    s << "SELECT id_hash FROM staff_sessions", into(hashes), now;
    ASSERT_EQ(hashes.size(), 2U);
    for (const auto& hash : hashes) {
        EXPECT_NE(hash, a.id);
        EXPECT_NE(hash, b.id);
    }
    const auto who = signIn->who(a.id);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->user.id, jo.id);
    EXPECT_EQ(who->session.csrf, a.csrf);
    EXPECT_FALSE(signIn->who(a.id.substr(0, 42) + "x"));
}

TEST_F(SignInTest, ASessionEndsWhenIdleTooLongOrTooOldHoweverBusy) {
    withPassword();
    const auto idle = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    at += 29 * kMinute;
    EXPECT_TRUE(signIn->who(idle.id)) << "used within the idle timeout";
    at += 29 * kMinute;
    EXPECT_TRUE(signIn->who(idle.id)) << "each use starts the idle timeout again";
    at += 31 * kMinute;
    EXPECT_FALSE(signIn->who(idle.id)) << "idle for 31 minutes";

    const auto busy = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    for (int i = 0; i < 12 * 3; ++i) {
        at += 20 * kMinute;
        if (i < 12 * 3 - 1) ASSERT_TRUE(signIn->who(busy.id)) << "after " << (i + 1) * 20 << " minutes";
    }
    EXPECT_FALSE(signIn->who(busy.id)) << "12 hours after signing in, however busy";
}

TEST_F(SignInTest, SigningOutEndsOneSessionAndSigningOutEverywhereEndsThemAll) {
    withPassword();
    const auto desk = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    const auto phone = signIn->withPassword(jo.email, kPassword, "192.0.2.8").session;
    const auto laptop = signIn->withPassword(jo.email, kPassword, "192.0.2.9").session;
    signIn->signOut(desk.id, "192.0.2.7");
    EXPECT_FALSE(signIn->who(desk.id));
    ASSERT_TRUE(signIn->who(phone.id));
    signIn->signOutEverywhere(*signIn->who(phone.id), "192.0.2.8");
    EXPECT_FALSE(signIn->who(phone.id));
    EXPECT_FALSE(signIn->who(laptop.id));
    const auto entries = trail("A12345");
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries.back().action, "signOutEverywhere");
    EXPECT_EQ(entries.back().detail, "2 sessions ended");
}

TEST_F(SignInTest, DisablingAUserEndsTheirSessionsAtOnce) {
    withPassword();
    const auto session = signIn->withPassword(jo.email, kPassword, "192.0.2.7").session;
    ASSERT_TRUE(signIn->who(session.id));
    signIn->users().setActive(jo.id, false);
    EXPECT_FALSE(signIn->who(session.id));
    signIn->users().setActive(jo.id, true);
    EXPECT_FALSE(signIn->who(session.id)) << "enabling the user again does not bring the session back";
}

TEST_F(SignInTest, ASingleSignOnUnderWayIsRecalledOnceAndNotAfterTenMinutes) {
    auto& sessions = signIn->sessions();
    const staff::SignInStart start{std::string(43, 'a'), "state-1", "nonce-1", "verifier-1"};
    sessions.remember(start);
    const auto back = sessions.recall(start.id);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->state, "state-1");
    EXPECT_EQ(back->nonce, "nonce-1");
    EXPECT_EQ(back->codeVerifier, "verifier-1");
    EXPECT_FALSE(sessions.recall(start.id)) << "a replayed return finds nothing";

    const staff::SignInStart slow{std::string(43, 'b'), "state-2", "nonce-2", "verifier-2"};
    sessions.remember(slow);
    at += 11 * kMinute;
    EXPECT_FALSE(sessions.recall(slow.id));
}

} // namespace
} // namespace clinhub::test

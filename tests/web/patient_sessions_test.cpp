#include "hub/web/PatientSessions.h"
#include "tests/web/PagesFixture.h"

#include <gtest/gtest.h>

namespace clinhub::test {
namespace {

class PatientSessionsTest : public PagesFixture {
protected:
    std::string linkOf(const std::string& token) { return selfBook->open(token).link.id; }
    // Made once the fixture's store is open.
    web::PatientSessions sessionsOnTheClock() {
        return web::PatientSessions(*store, [this] { return clock.load(); });
    }
};

TEST_F(PatientSessionsTest, ASessionOpensOnlyItsOwnLinkAndEnds) {
    auto sessions = sessionsOnTheClock();
    const std::string mine = linkOf(newLink());
    const std::string other = linkOf(newLink());
    const auto session = sessions.start(mine);
    const auto found = sessions.find(session.id, mine);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->csrf, session.csrf);
    EXPECT_FALSE(sessions.find(session.id, other).has_value());
    EXPECT_FALSE(sessions.find("forged", mine).has_value());
    clock += web::PatientSessions::kLifeMicros + 1;
    EXPECT_FALSE(sessions.find(session.id, mine).has_value());
}

TEST_F(PatientSessionsTest, StartingASessionClearsThoseWhoseTimeIsUp) {
    auto sessions = sessionsOnTheClock();
    const std::string link = linkOf(newLink());
    const auto old = sessions.start(link);
    clock += web::PatientSessions::kLifeMicros + 1;
    sessions.start(link);
    int64_t left = 0;
    auto s = store->session();
    s << "SELECT COUNT(*) FROM patient_sessions", Poco::Data::Keywords::into(left), Poco::Data::Keywords::now;
    EXPECT_EQ(left, 1) << "the lapsed session " << old.id.substr(0, 4) << "… is gone";
}

} // namespace
} // namespace clinhub::test

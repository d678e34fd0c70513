#include "hub/cohorts/MemberRepository.h"
#include "hub/domain/Vaccination.h"
#include "hub/store/Store.h"
#include "tests/TestNhsNumbers.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <algorithm>

using clinhub::cohorts::Contact;
using clinhub::cohorts::Member;
using clinhub::cohorts::MemberFilter;
using clinhub::cohorts::MemberRepository;
using clinhub::store::Session;
namespace cohort = clinhub::domain::cohort;

namespace {

constexpr int64_t kAt = 1'772'000'000'000'000;

class MemberRepositoryTest : public ::testing::Test {
protected:
    MemberRepositoryTest() : db_(dir_), store_(clinhub::store::Store::open(db_.url())) { store_->migrate(); }

    std::string add(const std::string& nhs, const std::string& schoolUrn = {}, const std::string& organisation = "V1",
                    const std::string& campaign = "covid") {
        std::string id;
        store_->write([&](Session& s) {
            id = MemberRepository(s).add(organisation, campaign,
                                         Contact{{nhs, "1950-01-01", "+447700900100", "Ann Example"}, "", schoolUrn},
                                         cohort::pendingCheck, kAt);
        });
        return id;
    }

    void write(const std::function<void(MemberRepository&)>& work) {
        store_->write([&](Session& s) {
            MemberRepository members(s);
            work(members);
        });
    }

    std::vector<std::string> nhsNumbers(const MemberFilter& f) {
        auto s = store_->session();
        std::vector<std::string> out;
        for (const auto& m : MemberRepository(s).select(f))
            out.push_back(m.patient.nhsNumber);
        return out;
    }

    static MemberFilter campaign(MemberFilter::Order order = MemberFilter::Order::nhsNumber) {
        MemberFilter f;
        f.organisation = "V1";
        f.campaign = "covid";
        f.order = order;
        return f;
    }

    clinhub::test::TempDir dir_;
    clinhub::test::TestStore db_;
    std::unique_ptr<clinhub::store::Store> store_;
};

using Numbers = std::vector<std::string>;

TEST_F(MemberRepositoryTest, AddsAMemberAndReadsItBackWhole) {
    const auto id = add("9995260182", "123456");
    EXPECT_EQ(id.rfind("mbr_", 0), 0U);
    auto s = store_->session();
    MemberRepository members(s);
    const auto m = members.byId(id);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->organisation, "V1");
    EXPECT_EQ(m->campaign, "covid");
    EXPECT_EQ(m->patient.nhsNumber, "9995260182");
    EXPECT_EQ(m->patient.dateOfBirth, "1950-01-01");
    EXPECT_EQ(m->patient.mobile, "+447700900100");
    EXPECT_EQ(m->patient.name, "Ann Example");
    EXPECT_EQ(m->schoolUrn, "123456");
    EXPECT_EQ(m->email, "");
    EXPECT_EQ(m->status, cohort::pendingCheck);
    EXPECT_EQ(m->consent, "");
    EXPECT_TRUE(m->events.empty());
    const auto known = members.byNhsNumber("V1", "covid", "9995260182");
    ASSERT_TRUE(known);
    EXPECT_EQ(known->first, id);
    EXPECT_EQ(known->second, cohort::pendingCheck);
    EXPECT_FALSE(members.byNhsNumber("V1", "flu", "9995260182"));
}

TEST_F(MemberRepositoryTest, FindsAMemberOnlyInItsOwnCampaign) {
    const auto id = add("9995260182");
    auto s = store_->session();
    MemberRepository members(s);
    EXPECT_TRUE(members.find("V1", "covid", id));
    EXPECT_FALSE(members.find("V1", "flu", id));
    EXPECT_FALSE(members.find("V2", "covid", id));
    EXPECT_FALSE(members.byId("mbr_none"));
}

TEST_F(MemberRepositoryTest, SelectsOneCampaignOfOneOrganisation) {
    add("9995260182");
    add("9991590838", "", "V1", "flu");
    add("9990166137", "", "V2", "covid");
    add("9990000018");
    EXPECT_EQ(nhsNumbers(campaign()), (Numbers{"9990000018", "9995260182"}));
}

TEST_F(MemberRepositoryTest, SelectsByStatus) {
    const auto a = add("9995260182");
    add("9991590838");
    write([&](MemberRepository& m) { m.setStatus(a, cohort::awaitingResponse1, kAt); });
    auto f = campaign();
    f.status = std::string(cohort::awaitingResponse1);
    EXPECT_EQ(nhsNumbers(f), Numbers{"9995260182"});
    f.status = std::string(cohort::pendingCheck);
    EXPECT_EQ(nhsNumbers(f), Numbers{"9991590838"});
}

TEST_F(MemberRepositoryTest, SelectsTheWeekOfDoseOneMondayToSundayInDoseOrder) {
    const auto sunday = add("9995260182");
    const auto monday = add("9991590838");
    const auto nextMonday = add("9990166137");
    const auto before = add("9990000018");
    const clinhub::config::Code vaccine{"39114911000001105", "Comirnaty"};
    write([&](MemberRepository& m) {
        m.markChecked(sunday, std::string(cohort::awaiting2ndInvite), 1, "2026-01-11", vaccine, 1, kAt);
        m.markChecked(monday, std::string(cohort::awaiting2ndInvite), 1, "2026-01-05", vaccine, 1, kAt);
        m.markChecked(nextMonday, std::string(cohort::awaiting2ndInvite), 1, "2026-01-12", vaccine, 1, kAt);
        m.markChecked(before, std::string(cohort::awaiting2ndInvite), 1, "2026-01-04", vaccine, 1, kAt);
    });
    auto f = campaign(MemberFilter::Order::firstDose);
    f.dose1Week = "2026-01-05";
    EXPECT_EQ(nhsNumbers(f), (Numbers{"9991590838", "9995260182"}));

    auto s = store_->session();
    MemberRepository members(s);
    auto dates = members.firstDoseDates("V1", "covid", cohort::awaiting2ndInvite);
    std::sort(dates.begin(), dates.end());
    EXPECT_EQ(dates, (Numbers{"2026-01-04", "2026-01-05", "2026-01-11", "2026-01-12"}));
    EXPECT_TRUE(members.firstDoseDates("V1", "covid", cohort::completed).empty());
    const auto m = members.byId(monday);
    EXPECT_EQ(m->dose1On, "2026-01-05");
    EXPECT_EQ(m->dose1Vaccine.code, vaccine.code);
    EXPECT_EQ(m->dose1Vaccine.term, vaccine.term);
    EXPECT_EQ(m->doses, 1);
}

// Pages by key in dose order: members without a dose 1 first on both stores, those sharing a date by NHS
// number, each once whatever the page size; the status and week filters hold on every page.
TEST_F(MemberRepositoryTest, PagesInDoseOrderByKeyNeitherRepeatNorSkipAndKeepTheirFilters) {
    clinhub::test::TestNhsNumbers numbers;
    const clinhub::config::Code vaccine{"39114911000001105", "Comirnaty"};
    // 12 members: 3 without dose 1, then 9 over two days of one week and one of the next, 3 a date.
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i)
        ids.push_back(add(numbers.next()));
    const char* dates[] = {"2026-01-05", "2026-01-07", "2026-01-12"};
    write([&](MemberRepository& m) {
        for (int i = 3; i < 12; ++i)
            m.markChecked(ids[static_cast<std::size_t>(i)], std::string(cohort::awaiting2ndInvite), 1,
                          dates[(i - 3) % 3], vaccine, 1, kAt);
        m.setStatus(ids[4], cohort::completed, kAt);
    });
    auto s = store_->session();
    MemberRepository members(s);
    // Every page of `f`, `limit` a page, each after the last member of the one before.
    const auto walk = [&](MemberFilter f, int limit) {
        std::vector<Member> seen;
        f.limit = limit;
        for (int pages = 0; pages < 20; ++pages) {
            const auto page = members.select(f);
            seen.insert(seen.end(), page.begin(), page.end());
            if (static_cast<int>(page.size()) < limit) break;
            f.after = page.back().id;
        }
        return seen;
    };
    const auto whole = members.select(campaign(MemberFilter::Order::firstDose));
    ASSERT_EQ(whole.size(), 12U);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(whole[i].dose1On, "") << "no dose 1 comes first";
    for (std::size_t i = 1; i < whole.size(); ++i)
        EXPECT_LT(std::pair(whole[i - 1].dose1On, whole[i - 1].patient.nhsNumber),
                  std::pair(whole[i].dose1On, whole[i].patient.nhsNumber));
    for (const int limit : {1, 2, 5, 12}) {
        const auto paged = walk(campaign(MemberFilter::Order::firstDose), limit);
        ASSERT_EQ(paged.size(), whole.size()) << limit;
        for (std::size_t i = 0; i < paged.size(); ++i)
            EXPECT_EQ(paged[i].id, whole[i].id) << limit;
    }

    auto week = campaign(MemberFilter::Order::firstDose);
    week.status = std::string(cohort::awaiting2ndInvite);
    week.dose1Week = "2026-01-05";
    const auto inWeek = walk(week, 2);
    ASSERT_EQ(inWeek.size(), 5U) << "3 on the 5th and 3 on the 7th, less the one completed";
    for (const auto& m : inWeek) {
        EXPECT_EQ(m.status, cohort::awaiting2ndInvite);
        EXPECT_TRUE(m.dose1On == "2026-01-05" || m.dose1On == "2026-01-07") << m.dose1On;
    }
    week.after = inWeek[1].id;
    EXPECT_EQ(members.count(week), 5) << "a count is of every page";
}

TEST_F(MemberRepositoryTest, SelectsChildrenOfAnyOfTheSchoolsGiven) {
    add("9995260182", "999999");
    add("9991590838", "888888");
    add("9990166137", "123456");
    add("9990000018");
    auto f = campaign();
    f.schoolUrns = {"999999", "888888"};
    EXPECT_EQ(nhsNumbers(f), (Numbers{"9991590838", "9995260182"}));
    f.schoolUrns = {"123456"};
    EXPECT_EQ(nhsNumbers(f), Numbers{"9990166137"});
    f.schoolUrns = {};
    EXPECT_EQ(nhsNumbers(f).size(), 4U);
}

TEST_F(MemberRepositoryTest, SelectsChecksDueSoonestFirstAcrossOrganisationsUpToTheLimit) {
    const auto late = add("9995260182");
    const auto soon = add("9991590838", "", "V2", "flu");
    const auto notYet = add("9990166137");
    const auto labelled = add("9990000018");
    write([&](MemberRepository& m) {
        m.markCheckFailed(late, cohort::pendingCheck, 1, kAt + 20, "down", kAt);
        m.markCheckFailed(soon, cohort::pendingCheck, 2, kAt + 10, "down", kAt);
        m.markCheckFailed(notYet, cohort::pendingCheck, 1, kAt + 1000, "down", kAt);
        m.markChecked(labelled, std::string(cohort::awaitingResponse1), 0, "", {}, 1, kAt);
    });
    MemberFilter due;
    due.status = std::string(cohort::pendingCheck);
    due.checkDueBy = kAt + 100;
    due.order = MemberFilter::Order::checkDue;
    EXPECT_EQ(nhsNumbers(due), (Numbers{"9991590838", "9995260182"}));
    due.limit = 1;
    EXPECT_EQ(nhsNumbers(due), Numbers{"9991590838"});

    auto s = store_->session();
    MemberRepository members(s);
    const auto m = members.byId(soon);
    EXPECT_EQ(m->checkAttempts, 2);
    EXPECT_EQ(m->checkError, "down");
    EXPECT_TRUE(members.hasStatus(soon, cohort::pendingCheck));
    EXPECT_FALSE(members.hasStatus(labelled, cohort::pendingCheck));
    EXPECT_EQ(members.byId(labelled)->checkError, "");
}

TEST_F(MemberRepositoryTest, SelectsChildrenInvitedToTheCommunityClinicsForAnotherDate) {
    const auto earlier = add("9995260182");
    const auto sameDate = add("9991590838");
    const auto remindedOnly = add("9990166137");
    add("9990000018");
    write([&](MemberRepository& m) {
        m.addEvent(earlier, kAt, "community_invited", "", "community:2026-02-01");
        m.addEvent(sameDate, kAt, "community_invited", "", "community:2026-03-01");
        m.addEvent(remindedOnly, kAt, "reminded", "", "reminder:2026-02-01");
    });
    auto f = campaign();
    f.communityInvitedOtherThan = "community:2026-03-01";
    EXPECT_EQ(nhsNumbers(f), Numbers{"9995260182"});
}

TEST_F(MemberRepositoryTest, AnEventWithAOnceKeyIsWrittenOnce) {
    const auto id = add("9995260182");
    bool first = false;
    bool second = true;
    bool unkeyed = false;
    write([&](MemberRepository& m) {
        first = m.addEvent(id, kAt, "invited", "dose 1: SMS", "dose 1");
        second = m.addEvent(id, kAt + 1, "invited", "dose 1: SMS again", "dose 1");
        m.addEvent(id, kAt + 2, "uploaded", "");
        unkeyed = m.addEvent(id, kAt + 2, "uploaded", "again");
    });
    EXPECT_TRUE(first);
    EXPECT_FALSE(second);
    EXPECT_TRUE(unkeyed);
    auto s = store_->session();
    MemberRepository members(s);
    const auto events = members.events(id);
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].event, "invited");
    EXPECT_EQ(events[0].detail, "dose 1: SMS");
    EXPECT_EQ(events[1].event, "uploaded");
    EXPECT_EQ(events[1].detail, "");
    EXPECT_EQ(events[2].detail, "again");
    EXPECT_TRUE(members.hasEvent(id, "invited", "dose 1"));
    EXPECT_FALSE(members.hasEvent(id, "invited", "dose 2"));
    EXPECT_FALSE(members.hasEvent(id, "not_invited", "dose 1"));
    EXPECT_TRUE(members.hasAnyKey(id, {"community:2026-03-01", "dose 1"}));
    EXPECT_FALSE(members.hasAnyKey(id, {"community:2026-03-01"}));
}

TEST_F(MemberRepositoryTest, CountsACampaignByStatus) {
    const auto a = add("9995260182");
    const auto b = add("9991590838");
    add("9990166137");
    add("9990000018", "", "V1", "flu");
    write([&](MemberRepository& m) {
        m.setStatus(a, cohort::booked1, kAt);
        m.setStatus(b, cohort::booked1, kAt);
    });
    auto s = store_->session();
    const auto counts = MemberRepository(s).countByStatus("V1", "covid");
    EXPECT_EQ(counts, (std::map<std::string, int64_t>{{std::string(cohort::booked1), 2},
                                                      {std::string(cohort::pendingCheck), 1}}));
}

TEST_F(MemberRepositoryTest, UpdatesContactDetailsAndConsent) {
    const auto id = add("9995260182", "123456");
    write([&](MemberRepository& m) {
        m.updateContact(id, Contact{{"9995260182", "1950-02-02", "", "New Name"}, "parent@example.org", ""}, kAt + 1);
        m.setConsent(id, "given", kAt + 2);
    });
    auto s = store_->session();
    const auto m = MemberRepository(s).byId(id);
    EXPECT_EQ(m->patient.dateOfBirth, "1950-02-02");
    EXPECT_EQ(m->patient.mobile, "");
    EXPECT_EQ(m->patient.name, "New Name");
    EXPECT_EQ(m->email, "parent@example.org");
    EXPECT_EQ(m->schoolUrn, "");
    EXPECT_EQ(m->consent, "given");
}

TEST_F(MemberRepositoryTest, RetentionForgetsWhoFinishedMembersAreAndKeepsTheirLabel) {
    const auto done = add("9995260182", "123456");
    const auto open = add("9991590838");
    write([&](MemberRepository& m) {
        m.setStatus(done, cohort::completed, kAt);
        m.setStatus(open, cohort::awaitingResponse1, kAt);
    });
    int64_t forgotten = 0;
    store_->write([&](Session& s) {
        forgotten = MemberRepository::forgetMembers(s, clinhub::store::Forget{"V1", kAt + 1, 500, false});
    });
    EXPECT_EQ(forgotten, 1);
    auto s = store_->session();
    MemberRepository members(s);
    const auto m = members.byId(done);
    EXPECT_EQ(m->patient.nhsNumber, "forgotten-" + done);
    EXPECT_EQ(m->patient.dateOfBirth, "");
    EXPECT_EQ(m->patient.name, "");
    EXPECT_EQ(m->schoolUrn, "");
    EXPECT_EQ(m->status, cohort::completed);
    EXPECT_EQ(members.byId(open)->patient.nhsNumber, "9991590838");
}

} // namespace

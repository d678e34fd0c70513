// Batch Self-Book over a real store and the real local-book and outbox-file plugins: terms, the uploaded
// list's verdicts, what is kept of a malformed list, sending, and what a batch's links let patients do.
#include "tests/workflows/SelfBookFixture.h"

#include "hub/batch/CsvReader.h"
#include "hub/workflows/BatchSelfBook.h"
#include "hub/workflows/Messages.h"
#include "tests/LookingAtOnce.h"
#include "tests/workflows/HeldList.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using workflows::BatchTermsRequest;
using workflows::BookOutcome;

const config::Code kInvite{"1240781000000106", "COVID vaccination invitation SMS sent"};
const config::Code kDeclined{"1240651000000109", "COVID vaccination declined"};

class Batches : public SelfBookFixture {
protected:
    void SetUp() override {
        // For EMIS-style lists, whose mobiles and dates of birth come from the book.
        extraPatients =
            R"(  - {nhs_number: "9991590838", date_of_birth: "1980-02-29", mobile: "07700 900456", name: "Alex"}
)";
        // Telephone appointments of the same slot type: a batch never offers these.
        extraSlots = R"(  - slot_type: Flu clinic
    clinician: Nurse Telephone
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    start: "08:00"
    end: "08:30"
    slot_minutes: 10
    telephone: true
)";
        start(6, 14);
        batches =
            std::make_unique<workflows::BatchSelfBook>(*store, *current, *selfBook, [this] { return clock.load(); });
    }

    workflows::Batch create(const std::string& organisation = "A12345", BatchTermsRequest terms = {}) {
        if (terms.rule.empty()) terms.rule = "flu";
        if (terms.message.empty()) terms.message = "{{practice}}: Dear {{name}}, book your flu jab: {{url}}";
        return batches->create(organisation, terms);
    }

    workflows::Batch upload(const workflows::Batch& batch, const std::string& csv,
                            const std::string& organisation = "A12345") {
        std::istringstream in(csv);
        return batches->upload(organisation, batch.id, in);
    }

    std::string rejected(const workflows::Batch& batch) {
        std::ostringstream out;
        batches->writeRejected("A12345", batch.id, out);
        return out.str();
    }

    int count(const std::string& sql) {
        int n = 0;
        auto s = store->session();
        s << sql, into(n), now;
        return n;
    }

    void mintAll() {
        while (batches->mintPending(2) > 0) {
        }
    }

    std::unique_ptr<workflows::BatchSelfBook> batches;
};

const std::string kList = "NHS Number,Mobile Number,Date of Birth,Name\r\n"
                          "999 526 0182,07700 900123,14/03/1956,Testy\r\n"          // row 2: can be sent
                          "9995260183,07700 900124,1956-03-14,Wrong Check\r\n"      // row 3: check digit
                          "9991590838,0117 496 0860,1980-02-29,Landline\r\n"        // row 4: landline
                          "9990166137,07700900125,2099-01-01,Future\r\n"            // row 5: born in the future
                          "9995260182,07700 900123,14/03/1956,Again\r\n"            // row 6: duplicate of row 2
                          "9990000018,+447700900126,19900101,\"Quoted, Name\"\r\n"; // row 7: can be sent

TEST_F(Batches, CreatingListsEveryProblemWithTheTermsAtOnce) {
    BatchTermsRequest terms{"flu", "Book here please", config::Code{"1240781000000107", "wrong check digit"}, false,
                            kDeclined};
    try {
        batches->create("A12345", terms);
        FAIL() << "expected InvalidRequest";
    } catch (const workflows::InvalidRequest& e) {
        std::set<std::string> fields;
        for (const auto& f : e.errors())
            fields.insert(f.field);
        EXPECT_EQ(fields, (std::set<std::string>{"message", "invite_code.code", "decline.code"}));
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM batches"), 0);
}

TEST_F(Batches, AnUnknownRuleIsNamedAndAMessageTooLongForAnSmsIsRefused) {
    EXPECT_THROW(batches->create("A12345", {"asthma", "{{url}}", {}, false, {}}), workflows::InvalidRequest);
    try {
        batches->create("A12345", {"flu", std::string(900, 'a') + " {{url}}", {}, false, {}});
        FAIL() << "expected InvalidRequest";
    } catch (const workflows::InvalidRequest& e) {
        EXPECT_NE(e.errors().front().message.find("the most this organisation's SMS connectors can carry is 918"),
                  std::string::npos)
            << e.errors().front().message;
    }
}

TEST_F(Batches, ABatchOfATelephoneRuleIsRefused) {
    try {
        batches->create("A12345", {"calls", "{{url}}", {}, false, {}});
        FAIL() << "expected InvalidRequest";
    } catch (const workflows::InvalidRequest& e) {
        ASSERT_EQ(e.errors().size(), 1U);
        EXPECT_EQ(e.errors().front().field, "rule");
        EXPECT_NE(e.errors().front().message.find("face-to-face appointments only"), std::string::npos);
    }
}

TEST_F(Batches, WithoutAMessageTheRulesOwnInviteIsUsedAndItsFragmentsCounted) {
    const auto batch = batches->create("A12345", {"flu", "", {}, false, {}});
    EXPECT_EQ(batch.state, "draft");
    EXPECT_EQ(batch.terms.message, workflows::messages::inviteSms(
                                       *workflows::ruleOf(current->get(), {.organisation = "A12345", .rule = "flu"})));
    EXPECT_EQ(batch.smsFragments, 1);
    EXPECT_EQ(batch.csvFormat, "with_contacts");
}

TEST_F(Batches, EveryRowGetsOneVerdictAndTheSummaryCountsThemByReason) {
    const auto batch = upload(create(), kList);
    EXPECT_EQ(batch.state, "ready");
    EXPECT_EQ(batch.canSend, 2);
    EXPECT_EQ(batch.cannotSend, 4);
    EXPECT_EQ(batch.header, (std::vector<std::string>{"NHS Number", "Mobile Number", "Date of Birth", "Name"}));
    int64_t byReason = 0;
    for (const auto& [reason, n] : batch.reasons)
        byReason += n;
    EXPECT_EQ(byReason, 4);
    EXPECT_EQ(batch.reasons.at("duplicate of an earlier row"), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows WHERE reason IS NULL"), 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows WHERE reason IS NULL AND fields IS NOT NULL"), 0)
        << "a row that can be sent keeps only what its link needs";
}

TEST_F(Batches, TheRowsThatCannotBeSentDownloadAsUploadedWithTheirReason) {
    const auto csv = rejected(upload(create(), kList));
    std::istringstream in(csv);
    std::vector<std::vector<std::string>> rows;
    batch::CsvReader reader(1 << 20, [&](const batch::Record& r) { rows.push_back(r.fields); });
    reader.feed(csv);
    reader.finish();
    ASSERT_EQ(rows.size(), 5U);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"NHS Number", "Mobile Number", "Date of Birth", "Name", "reason"}));
    EXPECT_EQ(std::vector<std::string>(rows[1].begin(), rows[1].end() - 1),
              (std::vector<std::string>{"9995260183", "07700 900124", "1956-03-14", "Wrong Check"}));
    EXPECT_NE(rows[1].back().find("NHS number"), std::string::npos) << rows[1].back();
    EXPECT_NE(rows[2].back().find("landline"), std::string::npos) << rows[2].back();
    EXPECT_NE(rows[3].back().find("future"), std::string::npos) << rows[3].back();
    EXPECT_EQ(rows[4][3], "Again");
    EXPECT_EQ(rows[4].back(), "duplicate of row 2");
}

TEST_F(Batches, APatientWhoAlreadyHasAnOpenLinkForTheRuleIsNotInvitedAgain) {
    createLink("flu"); // 9995260182
    const auto batch = upload(create(), "NHS Number,Mobile Number,Date of Birth\n9995260182,07700900123,1956-03-14\n"
                                        "9990000018,07700900126,1990-01-01\n");
    EXPECT_EQ(batch.canSend, 1);
    EXPECT_EQ(batch.reasons.at("already has an open link for this rule"), 1);
}

TEST_F(Batches, AMalformedListKeepsNothingAndSaysWhereItWentWrong) {
    const auto batch = upload(create(), kList);
    ASSERT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 6);
    const std::string broken = "NHS Number,Mobile Number,Date of Birth\n9995260182,07700900123,1956-03-14\n"
                               "9990000018,\"07700900126,1990-01-01\n";
    try {
        upload(batch, broken);
        FAIL() << "expected FileError";
    } catch (const batch::FileError& e) {
        EXPECT_EQ(e.row, 3);
        EXPECT_NE(std::string(e.what()).find("row 3"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 0) << "not the old list, nor half the new one";
    const auto after = batches->find("A12345", batch.id);
    EXPECT_EQ(after->state, "draft");
    EXPECT_NE(after->uploadError.find("row 3"), std::string::npos);
    EXPECT_THROW(batches->send("A12345", batch.id), workflows::InvalidRequest);
}

TEST_F(Batches, AListOverTheSizeLimitIsRefusedWhole) {
    std::string big = "NHS Number,Mobile Number,Date of Birth\n";
    while (big.size() <= 20U * 1024 * 1024)
        big += "9990000018,07700900126,1990-01-01\n";
    EXPECT_THROW(upload(create(), big), batch::FileError);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 0);
}

TEST_F(Batches, EmisStyleListsTakeMobileDateOfBirthAndNameFromTheBook) {
    const auto batch =
        upload(create("E12345"), "\xEF\xBB\xBFnhs number\r\n9991590838\r\n9990000026\r\n9995260183\r\n", "E12345");
    EXPECT_EQ(batch.csvFormat, "nhs_number_only");
    EXPECT_EQ(batch.canSend, 1);
    EXPECT_EQ(batch.cannotSend, 2);
    EXPECT_EQ(batch.reasons.at("not registered in the appointment book"), 1);
    std::string mobile, dob, name;
    auto s = store->session();
    s << "SELECT mobile, date_of_birth, name FROM batch_rows WHERE reason IS NULL", into(mobile), into(dob), into(name),
        now;
    EXPECT_EQ(mobile, "+447700900456");
    EXPECT_EQ(dob, "1980-02-29");
    EXPECT_EQ(name, "Alex");
}

TEST_F(Batches, SendingMintsOneLinkPerRowWithItsOwnInviteAndTheBatchsCode) {
    BatchTermsRequest terms;
    terms.inviteCode = kInvite;
    const auto batch = upload(create("A12345", terms), kList);
    const auto sending = batches->send("A12345", batch.id);
    EXPECT_EQ(sending.state, "sending");
    EXPECT_EQ(batches->mintPending(1), 1);
    EXPECT_EQ(batches->find("A12345", batch.id)->minted, 1);
    mintAll();
    const auto sent = batches->find("A12345", batch.id);
    EXPECT_EQ(sent->state, "sent");
    EXPECT_EQ(sent->minted, 2);
    EXPECT_EQ(sent->invites.at("queued"), 2);
    EXPECT_EQ(sent->links.at("sent"), 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM links WHERE batch_id IS NOT NULL"), 2);
    const auto sms = queued(outbox::Channel::sms);
    ASSERT_EQ(sms.size(), 2U);
    EXPECT_NE(sms[0].payloadJson.find("Test Surgery: Dear Testy, book your flu jab: https://clinhub.example.test/b/"),
              std::string::npos)
        << sms[0].payloadJson;
    EXPECT_NE(sms[1].payloadJson.find("Dear Quoted, Name"), std::string::npos) << sms[1].payloadJson;
    // The invite code follows each SMS once it is sent: the batch's code, queued as the SMS's follow-up.
    outbox::Outbox box(*store);
    for (const auto& m : sms)
        box.settle({outbox::Outcome::sent(m.reference, "sms", "provider")});
    const auto codes = queued(outbox::Channel::record);
    ASSERT_EQ(codes.size(), 2U);
    for (const auto& code : codes)
        EXPECT_NE(code.payloadJson.find("1240781000000106"), std::string::npos) << code.payloadJson;
    EXPECT_THROW(upload(batch, kList), workflows::InvalidRequest) << "the list cannot change once sending";
    EXPECT_THROW(batches->send("A12345", batch.id), workflows::InvalidRequest) << "nor be sent twice";
}

TEST_F(Batches, ABatchLinkDeclinesWithTheBatchsCodeNotTheRules) {
    BatchTermsRequest terms;
    terms.allowDecline = true;
    terms.declineCode = kDeclined;
    auto batch =
        upload(create("A12345", terms), "NHS Number,Mobile Number,Date of Birth\n9995260182,07700900123,1956-03-14\n");
    batches->send("A12345", batch.id);
    mintAll();
    // The token is only in the SMS: read it from there.
    const auto sms = queued(outbox::Channel::sms).front().payloadJson;
    const auto at = sms.find("/b/") + 3;
    const std::string token = sms.substr(at, sms.find('"', at) - at);
    const auto outcome = selfBook->decline(selfBook->open(token));
    EXPECT_EQ(outcome.kind, BookOutcome::Kind::declined);
    const auto records = queued(outbox::Channel::record);
    ASSERT_EQ(records.size(), 1U);
    EXPECT_NE(records[0].payloadJson.find(kDeclined.code), std::string::npos) << records[0].payloadJson;
}

TEST_F(Batches, ABatchWithoutDeclineTurnsItOffEvenWhereTheRuleAllowsIt) {
    auto batch = upload(create(), "NHS Number,Mobile Number,Date of Birth\n9995260182,07700900123,1956-03-14\n");
    batches->send("A12345", batch.id);
    mintAll();
    const auto sms = queued(outbox::Channel::sms).front().payloadJson;
    const auto at = sms.find("/b/") + 3;
    const std::string token = sms.substr(at, sms.find('"', at) - at);
    EXPECT_EQ(selfBook->decline(selfBook->open(token)).kind, BookOutcome::Kind::notAllowed);
    // And it offers face-to-face appointments only, though the rule's slot type has telephone ones too.
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(token), slots).ok());
    ASSERT_FALSE(slots.empty());
    for (const auto& slot : slots)
        EXPECT_FALSE(slot.telephone) << slot.clinician;
    const auto single = createLink("flu");
    std::vector<Slot> all;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(single.token), all).ok());
    EXPECT_EQ(all.size(), slots.size()) << "a single link of a face-to-face rule leaves them out too";
}

// What became of an upload run on a thread of its own.
struct Uploaded {
    std::mutex mutex;
    std::condition_variable changed;
    int ok = 0;
    int busy = 0;
    std::string other; // any other exception

    void note(const std::function<void()>& upload) {
        bool refused = false;
        std::string what;
        try {
            upload();
        } catch (const workflows::BatchBusy&) {
            refused = true;
        } catch (const std::exception& e) {
            what = e.what();
        }
        std::lock_guard lock(mutex);
        if (refused)
            ++busy;
        else if (what.empty())
            ++ok;
        else
            other += what + "; ";
        changed.notify_all();
    }
    // Waits (at most a minute, so a broken build fails rather than hangs) for `n` refusals.
    void waitForBusy(int n) {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::minutes(1), [&] { return busy >= n || !other.empty(); });
    }
};

// Two uploads of one batch at once: whichever claims it first holds it (and is held reading its list here);
// the other is refused at once, and the batch ends with one whole list, not two mixed.
TEST_F(Batches, OfTwoUploadsAtOnceOneHoldsTheBatchAndTheOtherIsRefused) {
    const auto batch = create();
    HeldList first(kList);
    HeldList second(kList);
    Uploaded uploaded;
    const auto run = [&](HeldList& list) {
        uploaded.note([&] {
            std::istream in(&list);
            batches->upload("A12345", batch.id, in);
        });
    };
    std::thread a(run, std::ref(first));
    std::thread b(run, std::ref(second));
    uploaded.waitForBusy(1);
    {
        std::lock_guard lock(uploaded.mutex);
        EXPECT_EQ(uploaded.busy, 1) << "refused while the other still holds the batch";
        EXPECT_EQ(uploaded.ok, 0);
    }
    first.release();
    second.release();
    a.join();
    b.join();
    EXPECT_EQ(uploaded.other, "");
    EXPECT_EQ(uploaded.busy, 1);
    EXPECT_EQ(uploaded.ok, 1);
    const auto after = batches->find("A12345", batch.id);
    EXPECT_EQ(after->state, "ready");
    EXPECT_EQ(after->canSend, 2);
    EXPECT_EQ(after->cannotSend, 4);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 6);
}

TEST_F(Batches, WhileAListIsUploadingTheBatchIsNeitherSentNorUploadedAgain) {
    const auto batch = upload(create(), kList); // ready: a send would start now
    HeldList held(kList);
    Uploaded uploaded;
    std::thread a([&] {
        uploaded.note([&] {
            std::istream in(&held);
            batches->upload("A12345", batch.id, in);
        });
    });
    held.waitUntilRead();
    EXPECT_EQ(batches->find("A12345", batch.id)->state, "uploading");
    EXPECT_THROW(batches->send("A12345", batch.id), workflows::BatchBusy);
    EXPECT_THROW(upload(batch, kList), workflows::BatchBusy);
    held.release();
    a.join();
    EXPECT_EQ(uploaded.ok, 1) << uploaded.other;
    EXPECT_EQ(batches->find("A12345", batch.id)->state, "ready");
    EXPECT_EQ(batches->send("A12345", batch.id).state, "sending") << "free again once the upload has finished";
    EXPECT_THROW(upload(batch, kList), workflows::InvalidRequest) << "and sending outranks a later upload";
}

// A process that died mid-upload left its hold and half a list: the batch is busy only until the hold
// lapses, then reads as a draft whose upload was interrupted, and the next upload clears what was left.
TEST_F(Batches, AHoldLeftByACrashedUploadLapsesWithinMinutes) {
    const auto batch = upload(create(), kList);
    {
        auto s = store->session();
        int64_t until = clock.load() + 3LL * 60 * 1'000'000;
        s << "UPDATE batches SET state = 'uploading', upload_claim = 'died', upload_claimed_until = ? WHERE id = ?",
            use(until), useRef(batch.id), now;
    }
    EXPECT_THROW(upload(batch, kList), workflows::BatchBusy);
    EXPECT_THROW(batches->send("A12345", batch.id), workflows::BatchBusy);
    clock += 3LL * 60 * 1'000'000;
    const auto lapsed = batches->find("A12345", batch.id);
    EXPECT_EQ(lapsed->state, "draft");
    EXPECT_NE(lapsed->uploadError.find("interrupted"), std::string::npos) << lapsed->uploadError;
    EXPECT_THROW(batches->send("A12345", batch.id), workflows::InvalidRequest) << "no list to send";
    const auto again = upload(batch, "NHS Number,Mobile Number,Date of Birth\n9990000018,07700900126,1990-01-01\n");
    EXPECT_EQ(again.state, "ready");
    EXPECT_EQ(again.canSend, 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 1) << "what the dead upload left is gone";
}

// An upload that stalls past its hold (not dead, just stuck) is taken over; when it wakes it writes
// nothing more and is told so, and the batch keeps the list of the upload that took over.
TEST_F(Batches, AnUploadThatStalledPastItsHoldIsTakenOverAndWritesNothing) {
    const auto batch = create();
    HeldList stalled(kList);
    Uploaded uploaded;
    std::thread a([&] {
        uploaded.note([&] {
            std::istream in(&stalled);
            batches->upload("A12345", batch.id, in);
        });
    });
    stalled.waitUntilRead();
    clock += 4LL * 60 * 1'000'000;
    const auto taken = upload(batch, "NHS Number,Mobile Number,Date of Birth\n9990000018,07700900126,1990-01-01\n");
    EXPECT_EQ(taken.state, "ready");
    stalled.release();
    a.join();
    EXPECT_EQ(uploaded.busy, 1) << uploaded.other;
    const auto after = batches->find("A12345", batch.id);
    EXPECT_EQ(after->state, "ready");
    EXPECT_EQ(after->canSend, 1);
    EXPECT_EQ(after->cannotSend, 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM batch_rows"), 1);
}

constexpr int64_t kHour = 3600LL * 1'000'000;

// The field each refusal names, in order.
std::vector<std::string> fieldsOf(const std::function<void()>& refused) {
    try {
        refused();
    } catch (const workflows::InvalidRequest& e) {
        std::vector<std::string> fields;
        for (const auto& f : e.errors())
            fields.push_back(f.field);
        return fields;
    }
    return {"(not refused)"};
}

std::vector<audit::Entry> trail(store::Store& store, const std::string& batchId) {
    std::vector<audit::Entry> out;
    for (auto& e : audit::AuditLog(store).find({"A12345"}))
        if (e.resource == batchId) out.push_back(std::move(e));
    return out;
}

TEST_F(Batches, AScheduledBatchCanBeMovedAndCancelledUntilItsTimeThenStartsOnce) {
    const auto batch = upload(create(), kList);
    const audit::Context staff{{"user", "usr_1", "Sam", "127.0.0.1"}, "scheduleBatch"};
    const int64_t nine = clock.load() + kHour;
    auto scheduled = batches->schedule("A12345", batch.id, nine, staff);
    EXPECT_EQ(scheduled.state, "scheduled");
    EXPECT_EQ(scheduled.scheduledFor, nine);
    EXPECT_EQ(batches->startDue(), 0) << "not before its time";

    const int64_t ten = nine + kHour;
    EXPECT_EQ(batches->schedule("A12345", batch.id, ten, staff).scheduledFor, ten) << "moved";
    clock += kHour + 1;
    EXPECT_EQ(batches->startDue(), 0) << "no longer due at its first time";
    const auto cancelled = batches->cancelSchedule("A12345", batch.id, {staff.actor, "cancelBatchSchedule"});
    EXPECT_EQ(cancelled.state, "ready");
    EXPECT_EQ(cancelled.scheduledFor, 0);
    EXPECT_THROW(batches->cancelSchedule("A12345", batch.id), workflows::ScheduleConflict) << "nothing left to cancel";

    batches->schedule("A12345", batch.id, clock.load() + 60'000'000, staff);
    clock += 60'000'000;
    EXPECT_EQ(batches->startDue(), 1);
    EXPECT_EQ(batches->startDue(), 0) << "started once";
    const auto sending = batches->find("A12345", batch.id);
    EXPECT_EQ(sending->state, "sending");
    EXPECT_EQ(sending->sendAt, clock.load());
    mintAll();
    EXPECT_EQ(batches->find("A12345", batch.id)->minted, 2);
    EXPECT_EQ(count("SELECT COUNT(*) FROM links WHERE batch_id IS NOT NULL"), 2);

    EXPECT_THROW(batches->schedule("A12345", batch.id, clock.load() + kHour), workflows::ScheduleConflict)
        << "too late to change";
    EXPECT_THROW(batches->cancelSchedule("A12345", batch.id), workflows::ScheduleConflict) << "too late to cancel";

    const auto entries = trail(*store, batch.id);
    std::vector<std::string> actions;
    for (const auto& e : entries)
        actions.push_back(e.action);
    // Created and uploaded with no action named; the refusals are the API's to write.
    EXPECT_EQ(actions, (std::vector<std::string>{"", "", "scheduleBatch", "scheduleBatch", "cancelBatchSchedule",
                                                 "scheduleBatch", "startScheduledBatch"}))
        << "one entry per change";
    EXPECT_EQ(entries[2].actor.name, "Sam");
    EXPECT_EQ(entries.back().actor.kind, "hub") << "the hub itself starts it";
}

TEST_F(Batches, ATimePastOrTooFarAheadOrABatchNotReadyCannotBeScheduled) {
    const auto draft = create();
    const int64_t from = clock.load();
    EXPECT_EQ(fieldsOf([&] { batches->schedule("A12345", draft.id, from + kHour); }), std::vector<std::string>{"batch"})
        << "no list yet";
    const auto batch = upload(draft, kList);
    EXPECT_EQ(fieldsOf([&] { batches->schedule("A12345", batch.id, from - 1); }), std::vector<std::string>{"at"});
    EXPECT_EQ(fieldsOf([&] { batches->schedule("A12345", batch.id, from); }), std::vector<std::string>{"at"})
        << "now is already past";
    const int64_t limit = from + workflows::kMaxScheduleDays * 24 * kHour;
    EXPECT_EQ(fieldsOf([&] { batches->schedule("A12345", batch.id, limit + 1); }), std::vector<std::string>{"at"});
    EXPECT_EQ(batches->find("A12345", batch.id)->state, "ready") << "a refusal changes nothing";
    EXPECT_EQ(batches->schedule("A12345", batch.id, limit).state, "scheduled");
    EXPECT_EQ(fieldsOf([&] { upload(batch, kList); }), std::vector<std::string>{"batch"})
        << "the list cannot change while scheduled";
    EXPECT_THROW(batches->schedule("B99999", batch.id, limit), workflows::NotFound);
    EXPECT_THROW(batches->cancelSchedule("B99999", batch.id), workflows::NotFound);

    const auto nothing = upload(create(), "NHS Number,Mobile Number,Date of Birth\r\n9995260183,07700 900124,"
                                          "1956-03-14\r\n");
    EXPECT_EQ(fieldsOf([&] { batches->schedule("A12345", nothing.id, from + kHour); }),
              std::vector<std::string>{"batch"})
        << "nothing in the list can be sent";
}

TEST_F(Batches, AScheduledBatchSentNowStartsAtOnceAndTheHubDoesNotStartItAgain) {
    const auto batch = upload(create(), kList);
    batches->schedule("A12345", batch.id, clock.load() + kHour);
    const auto sending = batches->send("A12345", batch.id);
    EXPECT_EQ(sending.state, "sending");
    EXPECT_EQ(sending.scheduledFor, 0);
    clock += 2 * kHour;
    EXPECT_EQ(batches->startDue(), 0);
}

TEST_F(Batches, WhileAListIsUploadingTheBatchCannotBeScheduled) {
    const auto batch = upload(create(), kList);
    HeldList held(kList);
    std::thread a([&] {
        std::istream in(&held);
        batches->upload("A12345", batch.id, in);
    });
    held.waitUntilRead();
    EXPECT_THROW(batches->schedule("A12345", batch.id, clock.load() + kHour), workflows::BatchBusy);
    held.release();
    a.join();
    EXPECT_EQ(batches->schedule("A12345", batch.id, clock.load() + kHour).state, "scheduled");
}

// Hub processes sharing a store each look for due batches; a batch is started by exactly one of them.
TEST_F(Batches, OfManyLookingAtOnceExactlyOneStartsADueBatch) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        const auto batch = upload(create(), kList);
        batches->schedule("A12345", batch.id, clock.load() + kHour);
        ids.push_back(batch.id);
    }
    clock += kHour;
    const int started = lookingAtOnce(6, clock, [&](std::function<int64_t()> readClock) {
        return workflows::BatchSelfBook(*store, *current, *selfBook, std::move(readClock)).startDue();
    });
    EXPECT_EQ(started, 3);
    EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'startScheduledBatch'"), 3);
    mintAll();
    EXPECT_EQ(count("SELECT COUNT(*) FROM links WHERE batch_id IS NOT NULL"), 6);
}

TEST_F(Batches, AnotherOrganisationCannotSeeTheBatch) {
    const auto batch = create();
    EXPECT_FALSE(batches->find("B99999", batch.id));
    std::istringstream in(kList);
    EXPECT_THROW(batches->upload("B99999", batch.id, in), workflows::NotFound);
    EXPECT_THROW(batches->send("B99999", batch.id), workflows::NotFound);
}

} // namespace
} // namespace clinhub::test

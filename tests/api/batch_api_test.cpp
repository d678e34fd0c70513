// The staff API's Batch Self-Book routes over real sockets: create, upload, summary, the rejected list,
// send, schedule; and the refusals a client must be able to act on.
#include "tests/api/StaffApiFixture.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>

#include <chrono>
#include <map>
#include <thread>

namespace clinhub::test {
namespace {

const std::string kBatches = "/api/v1/organisations/A12345/batches";
const std::string kList = "NHS Number,Mobile Number,Date of Birth,Name\r\n"
                          "999 526 0182,07700 900123,14/03/1956,Testy\r\n"
                          "9995260183,07700 900124,1956-03-14,Wrong Check\r\n";

std::string newBatch() {
    return R"({"rule": "flu", "message": "{{practice}}: Dear {{name}}, book here: {{url}}",
               "invite_code": {"code": "1240781000000106", "term": "COVID vaccination invitation SMS sent"},
               "decline": {"allowed": true, "code": {"code": "1240651000000109", "term": "COVID vaccination declined"}}})";
}

class BatchApi : public StaffApiFixture {
protected:
    // A batch with its list uploaded: ready to send or schedule. Its path.
    std::string readyBatch() {
        const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
        EXPECT_EQ(call("PUT", kBatches + "/" + id + "/csv", keyA, kList, "text/csv").status, 200);
        return kBatches + "/" + id;
    }
};

// A list of `n` patients who can all be sent a link, from the 999 test range.
std::string listOf(int n) {
    std::string csv = "NHS Number,Mobile Number,Date of Birth,Name\r\n";
    for (int i = 0; i < n; ++i) {
        // Nine digits and their modulus 11 check digit; a number whose check would be 10 is skipped.
        for (int base = 999'100'000 + i * 3;; ++base) {
            const auto digits = std::to_string(base);
            int sum = 0;
            for (int d = 0; d < 9; ++d)
                sum += (digits[d] - '0') * (10 - d);
            const int check = (11 - sum % 11) % 11;
            if (check == 10) continue;
            csv += digits + std::to_string(check) + ",07700 900" + std::to_string(100 + i) + ",1970-01-01,\r\n";
            break;
        }
    }
    return csv;
}

TEST_F(BatchApi, RowsAndBatchesAreListedAPageAtATimeByTheirKey) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    ASSERT_EQ(
        call("PUT", kBatches + "/" + id + "/csv", keyA, listOf(7) + kList.substr(kList.find('\n') + 1), "text/csv")
            .status,
        200);
    std::vector<int> seen;
    std::string next = kBatches + "/" + id + "/rows?limit=3";
    for (int pages = 0; !next.empty(); ++pages) {
        ASSERT_LT(pages, 5);
        const auto page = get(next, keyA);
        ASSERT_EQ(page.status, 200) << page.body;
        const auto rows = page.json()->getArray("rows");
        for (std::size_t i = 0; i < rows->size(); ++i) {
            const auto row = rows->getObject(static_cast<unsigned>(i));
            seen.push_back(row->getValue<int>("row"));
            EXPECT_FALSE(row->has("date_of_birth")) << "the patient proves who they are with it";
            EXPECT_TRUE(row->getValue<std::string>("nhs_number").starts_with("999"));
        }
        const auto after = page.json()->get("next_after");
        next = after.isEmpty() ? std::string()
                               : kBatches + "/" + id + "/rows?limit=3&after=" + std::to_string(after.convert<int>());
    }
    EXPECT_EQ(seen, (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9})) << "the 7 rows and Testy's, in order, once each";

    const auto rejected = get(kBatches + "/" + id + "/rows?can_be_sent=false", keyA);
    ASSERT_EQ(rejected.status, 200);
    const auto bad = rejected.json()->getArray("rows");
    ASSERT_EQ(bad->size(), 1U);
    EXPECT_EQ(bad->getObject(0)->getValue<int>("row"), 10);
    EXPECT_NE(bad->getObject(0)->getValue<std::string>("reason").find("NHS number"), std::string::npos);
    EXPECT_TRUE(rejected.json()->get("next_after").isEmpty());
    EXPECT_EQ(get(kBatches + "/" + id + "/rows?after=x", keyA).status, 422);
    EXPECT_EQ(get(kBatches + "/" + id + "/rows?limit=501", keyA).status, 422);
    EXPECT_EQ(get(kBatches + "/bat_nothing/rows", keyA).status, 404);

    // Three batches, two to a page, newest first.
    const auto second = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    const auto third = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    const auto first = get(kBatches + "?limit=2", keyA).json();
    ASSERT_EQ(first->getArray("batches")->size(), 2U);
    EXPECT_EQ(first->getArray("batches")->getObject(0)->getValue<std::string>("id"), third);
    EXPECT_EQ(first->getArray("batches")->getObject(1)->getValue<std::string>("id"), second);
    const auto rest = get(kBatches + "?limit=2&before=" + first->getValue<std::string>("next_before"), keyA).json();
    ASSERT_EQ(rest->getArray("batches")->size(), 1U);
    EXPECT_EQ(rest->getArray("batches")->getObject(0)->getValue<std::string>("id"), id);
    EXPECT_EQ(get("/api/v1/organisations/B99999/batches", keyB).json()->getArray("batches")->size(), 0U)
        << "another organisation's are not listed";
}

TEST_F(BatchApi, ABatchGoesFromTermsToSummaryToSending) {
    const auto created = post(kBatches, keyA, newBatch());
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = created.json()->getValue<std::string>("id");
    EXPECT_EQ(created.header("Location"), kBatches + "/" + id);
    EXPECT_EQ(created.json()->getValue<std::string>("status"), "draft");
    EXPECT_EQ(created.json()->getValue<int>("sms_fragments"), 1);

    const auto uploaded = call("PUT", kBatches + "/" + id + "/csv", keyA, kList, "text/csv");
    ASSERT_EQ(uploaded.status, 200) << uploaded.body;
    const auto summary = uploaded.json();
    EXPECT_EQ(summary->getValue<std::string>("status"), "ready");
    EXPECT_EQ(summary->getValue<int>("can_be_sent"), 1);
    EXPECT_EQ(summary->getValue<int>("cannot_be_sent"), 1);
    EXPECT_EQ(summary->getObject("invite_code")->getValue<std::string>("term"),
              "COVID vaccination invitation SMS sent");
    EXPECT_TRUE(summary->getObject("decline")->getValue<bool>("allowed"));
    EXPECT_EQ(summary->getArray("columns")->size(), 4U);

    const auto rejected = get(kBatches + "/" + id + "/rejected.csv", keyA);
    ASSERT_EQ(rejected.status, 200);
    EXPECT_TRUE(rejected.header("Content-Type").starts_with("text/csv")) << rejected.header("Content-Type");
    EXPECT_NE(rejected.header("Content-Disposition").find("attachment"), std::string::npos);
    EXPECT_TRUE(rejected.body.starts_with("\"NHS Number\",\"Mobile Number\",\"Date of Birth\",\"Name\",\"reason\"\r\n"))
        << rejected.body;
    EXPECT_NE(rejected.body.find("\"Wrong Check\""), std::string::npos);
    EXPECT_EQ(rejected.body.find("Testy"), std::string::npos) << "only the rows that cannot be sent";

    const auto sent = post(kBatches + "/" + id + "/send", keyA);
    ASSERT_EQ(sent.status, 202) << sent.body;
    EXPECT_EQ(sent.json()->getValue<std::string>("status"), "sending");
    while (batches->mintPending(100) > 0) {
    }
    const auto after = get(kBatches + "/" + id, keyA).json();
    EXPECT_EQ(after->getValue<std::string>("status"), "sent");
    EXPECT_EQ(after->getValue<int>("links_minted"), 1);
    EXPECT_EQ(after->getObject("invites")->getValue<int>("queued"), 1);
    EXPECT_EQ(post(kBatches + "/" + id + "/send", keyA).status, 422) << "a batch is sent once";
}

TEST_F(BatchApi, AMalformedListIsRefusedWithItsRowAndLine) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    const auto reply = call("PUT", kBatches + "/" + id + "/csv", keyA,
                            "NHS Number,Mobile Number,Date of Birth\n9995260182,07700900123\n", "text/csv");
    ASSERT_EQ(reply.status, 422) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(reply.json()->getValue<int>("row"), 2);
    EXPECT_EQ(reply.json()->getValue<int>("line"), 2);
    EXPECT_NE(reply.json()->getValue<std::string>("detail").find("row 2"), std::string::npos) << reply.body;
    const auto batch = get(kBatches + "/" + id, keyA).json();
    EXPECT_EQ(batch->getValue<std::string>("status"), "draft");
    EXPECT_FALSE(batch->isNull("upload_error"));
}

TEST_F(BatchApi, OnlyTextCsvIsTakenAsAList) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    EXPECT_EQ(call("PUT", kBatches + "/" + id + "/csv", keyA, kList, "application/json").status, 415);
}

TEST_F(BatchApi, AListOverTheLimitIsRefusedBeforeItIsRead) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest request("PUT", kBatches + "/" + id + "/csv", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + keyA);
    request.setContentType("text/csv");
    request.setContentLength64(21LL * 1024 * 1024); // says 21 MiB; the reply comes before any of it is sent
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), 413);
    EXPECT_NE(body.find("larger than the limit of 20 MiB"), std::string::npos) << body;
    EXPECT_EQ(get(kBatches + "/" + id, keyA).json()->getValue<std::string>("status"), "draft");
}

TEST_F(BatchApi, BadTermsListEveryField) {
    const auto reply =
        post(kBatches, keyA, R"({"rule": "flu", "message": "no link here", "decline": {"allowed": "yes"}})");
    ASSERT_EQ(reply.status, 422) << reply.body;
    EXPECT_NE(reply.body.find("\"message\""), std::string::npos);
    EXPECT_NE(reply.body.find("\"decline.allowed\""), std::string::npos);
}

TEST_F(BatchApi, AnotherOrganisationsKeyFindsNoBatch) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    EXPECT_EQ(get("/api/v1/organisations/B99999/batches/" + id, keyB).status, 404);
    EXPECT_EQ(get(kBatches + "/" + id, keyB).status, 404);
    EXPECT_EQ(get(kBatches + "/" + id, "").status, 401);
    EXPECT_EQ(get("/api/v1/organisations/A12345/batches/bat_unknown", keyA).status, 404);
}

// One upload sends its head and the start of its list, then stops: the batch is `uploading`, and another
// upload or a send is refused with 409 (a problem body saying why) instead of being mixed into it. Once
// the list has all arrived the first upload finishes as if alone.
TEST_F(BatchApi, WhileAListIsUploadingAnotherUploadOrASendIsRefusedWith409) {
    const auto id = post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    ASSERT_EQ(call("PUT", kBatches + "/" + id + "/csv", keyA, kList, "text/csv").status, 200); // ready
    // Larger than the front door waits for before handing the request on, so the upload starts reading it
    // while the rest has not been sent.
    std::string list = kList;
    while (list.size() < 64 * 1024)
        list += "9995260183,07700 900124,1956-03-14,Wrong Check\r\n";
    Poco::Net::HTTPClientSession held("127.0.0.1", server->port());
    held.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest put("PUT", kBatches + "/" + id + "/csv", Poco::Net::HTTPMessage::HTTP_1_1);
    put.set("Authorization", "Bearer " + keyA);
    put.setContentType("text/csv");
    put.setContentLength64(static_cast<Poco::Int64>(list.size()));
    auto& body = held.sendRequest(put);
    body << list.substr(0, 100) << std::flush;
    const auto status = [&] { return get(kBatches + "/" + id, keyA).json()->getValue<std::string>("status"); };
    for (int i = 0; i < 1000 && status() != "uploading"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(status(), "uploading");

    const auto second = call("PUT", kBatches + "/" + id + "/csv", keyA, kList, "text/csv");
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(second.header("Content-Type"), "application/problem+json");
    EXPECT_NE(second.json()->getValue<std::string>("detail").find("being uploaded"), std::string::npos) << second.body;
    const auto send = post(kBatches + "/" + id + "/send", keyA);
    EXPECT_EQ(send.status, 409) << send.body;

    body << list.substr(100) << std::flush;
    Poco::Net::HTTPResponse response;
    std::string reply;
    Poco::StreamCopier::copyToString(held.receiveResponse(response), reply);
    ASSERT_EQ(response.getStatus(), 200) << reply;
    const auto summary = Poco::JSON::Parser().parse(reply).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(summary->getValue<std::string>("status"), "ready");
    EXPECT_EQ(summary->getValue<int>("can_be_sent"), 1);
    EXPECT_EQ(post(kBatches + "/" + id + "/send", keyA).status, 202) << "free again once the upload has finished";
}

constexpr int64_t kHour = 3600LL * 1'000'000;

std::string iso(int64_t micros) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%SZ");
}
std::string at(int64_t micros) { return R"({"at": ")" + iso(micros) + R"("})"; }

// The fields a 422 names.
std::vector<std::string> fieldsOf(const Reply& reply) {
    std::vector<std::string> out;
    if (reply.status != 422) return {"HTTP " + std::to_string(reply.status)};
    const auto errors = reply.json()->getArray("errors");
    for (std::size_t i = 0; errors && i < errors->size(); ++i)
        out.push_back(errors->getObject(static_cast<unsigned>(i))->getValue<std::string>("field"));
    return out;
}

TEST_F(BatchApi, AScheduleIsSetMovedAndCancelledUntilTheBatchStarts) {
    const auto batch = readyBatch();
    const auto id = batch.substr(batch.rfind('/') + 1);
    const int64_t nine = store::nowMicros() / 1'000'000 * 1'000'000 + kHour;
    const auto scheduled = call("PUT", batch + "/schedule", keyA, at(nine));
    ASSERT_EQ(scheduled.status, 200) << scheduled.body;
    EXPECT_EQ(scheduled.json()->getValue<std::string>("status"), "scheduled");
    EXPECT_EQ(scheduled.json()->getValue<std::string>("scheduled_for"), iso(nine));

    // Moved, given in summer-time style with an offset: the same instant an hour on.
    const auto moved =
        call("PUT", batch + "/schedule", keyA, R"({"at": ")" + iso(nine + kHour).substr(0, 19) + R"(.250+00:00"})");
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(get(batch, keyA).json()->getValue<std::string>("scheduled_for"), iso(nine + kHour));
    const auto upload = call("PUT", batch + "/csv", keyA, kList, "text/csv");
    EXPECT_EQ(upload.status, 422) << "the list cannot change while scheduled";
    EXPECT_NE(upload.body.find("cancel its schedule"), std::string::npos) << upload.body;

    const auto cancelled = call("DELETE", batch + "/schedule", keyA);
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(cancelled.json()->getValue<std::string>("status"), "ready");
    EXPECT_TRUE(cancelled.json()->isNull("scheduled_for"));
    EXPECT_EQ(call("DELETE", batch + "/schedule", keyA).status, 409) << "not scheduled any more";

    // The hub's job, an hour and a bit later.
    ASSERT_EQ(call("PUT", batch + "/schedule", keyA, at(nine)).status, 200);
    workflows::BatchSelfBook later(*store, *current, *selfBook, [nine] { return nine + 1; });
    EXPECT_EQ(later.startDue(), 1);
    const auto started = get(batch, keyA).json();
    EXPECT_EQ(started->getValue<std::string>("status"), "sending");
    EXPECT_EQ(started->getValue<std::string>("scheduled_for"), iso(nine)) << "kept, to show it was scheduled";
    const auto tooLate = call("PUT", batch + "/schedule", keyA, at(nine + kHour));
    EXPECT_EQ(tooLate.status, 409) << tooLate.body;
    EXPECT_NE(tooLate.json()->getValue<std::string>("detail").find("started sending"), std::string::npos);
    EXPECT_EQ(call("DELETE", batch + "/schedule", keyA).status, 409);
    while (batches->mintPending(100) > 0) {
    }
    EXPECT_EQ(get(batch, keyA).json()->getValue<int>("links_minted"), 1);

    // One success entry per change, written by the workflow (the guard writes none beside it); the
    // refusals are each written once too.
    std::map<std::string, int> successes, others;
    for (const auto& e : audit->find({"A12345"}))
        if (e.resource == id) ++(e.outcome == audit::Outcome::success ? successes : others)[e.action];
    EXPECT_EQ(successes, (std::map<std::string, int>{{"createBatch", 1},
                                                     {"uploadBatchCsv", 1},
                                                     {"scheduleBatch", 3},
                                                     {"cancelBatchSchedule", 1},
                                                     {"startScheduledBatch", 1}}));
    EXPECT_EQ(others,
              (std::map<std::string, int>{{"uploadBatchCsv", 1}, {"cancelBatchSchedule", 2}, {"scheduleBatch", 1}}));
}

TEST_F(BatchApi, AScheduleTimeThatIsMissingMalformedPastOrTooFarAheadIsA422NamingAt) {
    const auto batch = readyBatch();
    const int64_t from = store::nowMicros();
    EXPECT_EQ(fieldsOf(call("PUT", batch + "/schedule", keyA, "{}")), std::vector<std::string>{"at"});
    EXPECT_EQ(fieldsOf(call("PUT", batch + "/schedule", keyA, R"({"at": 1765098000})")),
              std::vector<std::string>{"at"});
    for (const auto* text : {"tomorrow", "2026-12-07", "2026-12-07T09:00:00", "2026-13-07T09:00:00Z",
                             "2026-02-30T09:00:00Z", "2026-12-07 09:00:00Z"})
        EXPECT_EQ(fieldsOf(call("PUT", batch + "/schedule", keyA, R"({"at": ")" + std::string(text) + R"("})")),
                  std::vector<std::string>{"at"})
            << text;
    EXPECT_EQ(fieldsOf(call("PUT", batch + "/schedule", keyA, at(from - kHour))), std::vector<std::string>{"at"});
    EXPECT_EQ(fieldsOf(call("PUT", batch + "/schedule", keyA, at(from + 91 * 24 * kHour))),
              std::vector<std::string>{"at"});
    EXPECT_EQ(get(batch, keyA).json()->getValue<std::string>("status"), "ready");
    EXPECT_EQ(call("PUT", batch + "/schedule", keyA, at(from + 89 * 24 * kHour)).status, 200);

    const auto draft = kBatches + "/" + post(kBatches, keyA, newBatch()).json()->getValue<std::string>("id");
    EXPECT_EQ(fieldsOf(call("PUT", draft + "/schedule", keyA, at(from + kHour))), std::vector<std::string>{"batch"})
        << "no list yet";
    EXPECT_EQ(call("DELETE", draft + "/schedule", keyA).status, 409);
    EXPECT_EQ(call("PUT", kBatches + "/bat_unknown/schedule", keyA, at(from + kHour)).status, 404);
    EXPECT_EQ(call("PUT", "/api/v1/organisations/B99999/batches/" + batch.substr(batch.rfind('/') + 1) + "/schedule",
                   keyB, at(from + kHour))
                  .status,
              404)
        << "another organisation's batch";
}

TEST_F(BatchApi, SendingAScheduledBatchStartsItNow) {
    const auto batch = readyBatch();
    ASSERT_EQ(call("PUT", batch + "/schedule", keyA, at(store::nowMicros() + kHour)).status, 200);
    const auto sent = post(batch + "/send", keyA);
    ASSERT_EQ(sent.status, 202) << sent.body;
    EXPECT_EQ(sent.json()->getValue<std::string>("status"), "sending");
    EXPECT_TRUE(sent.json()->isNull("scheduled_for"));
}

} // namespace
} // namespace clinhub::test

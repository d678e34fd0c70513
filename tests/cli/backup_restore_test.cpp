// `clinhub backup` of a hub that is serving and writing (a batch's links being minted, their invites queued),
// then `clinhub restore` into another config's store: what was there at the instant of the backup is there,
// whole. Quiet hours hold the invites (all day but a minute), so the outbox is full of messages waiting.
#include "hub/store/Store.h"
#include "tests/TestNhsNumbers.h"
#include "tests/cli/HubProcess.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace clinhub::test {
namespace {

using namespace Poco::Data::Keywords;

constexpr int kRows = 6000; // six chunks of minting (Hub's kLinksPerMint), a quarter second apart
constexpr const char* kBatches = "/api/v1/organisations/A12345/batches";

std::string writeConfig(const TempDir& dir, const std::string& name, const std::string& store) {
    std::string path = dir.file(name);
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "23:59"}
  listen: 127.0.0.1:0
  store: sqlite:)" << store
                        << R"(
connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Test Surgery
    batch_csv: with_contacts
    route: {appointment_book: book, sms: [outbox], email: outbox}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic], horizon_days: 14, link_expiry_days: 7}
)";
    return path;
}

// Patients of the 999 test range with mobiles of the 07700 900xxx drama range.
std::string patientList(int rows) {
    std::ostringstream out;
    out << "NHS Number,Mobile Number,Date of Birth\r\n";
    TestNhsNumbers nhsNumbers;
    for (int i = 0; i < rows; ++i) {
        char mobile[16];
        std::snprintf(mobile, sizeof mobile, "07700 900%03d", i % 1000);
        out << nhsNumbers.next() << ',' << mobile << ",14/03/1956\r\n";
    }
    return out.str();
}

HubProcess::Reply apiCall(uint16_t port, const std::string& method, const std::string& target, const std::string& key,
                          const std::string& body, const std::string& contentType = "application/json") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + key);
    request.setContentType(contentType);
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    HubProcess::Reply reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
    reply.status = static_cast<int>(response.getStatus());
    return reply;
}

struct Counts {
    int links = 0;
    int invites = 0; // of those links, their invite in the outbox
};

// What a store holds of the batch, read in one transaction.
Counts countIn(const std::string& database, const std::string& batch) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", database);
    Counts c;
    std::string id = batch;
    s << "BEGIN", now;
    s << "SELECT COUNT(*) FROM links WHERE batch_id = ?", use(id), into(c.links), now;
    s << "SELECT COUNT(*) FROM links l JOIN outbox o ON o.reference = l.invite_reference "
         "WHERE l.batch_id = ?",
        use(id), into(c.invites), now;
    s << "COMMIT", now;
    return c;
}

TEST(BackupRestore, ABackupTakenMidBatchWhileTheHubServesRestoresEveryLinkWithItsQueuedInvite) {
    TempDir dir;
    const std::string config = writeConfig(dir, "hub.yaml", "hub.db");
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    std::string why;
    const std::string key = createKey(config, "A12345", dir, why);
    ASSERT_FALSE(key.empty()) << why;

    const auto created = apiCall(hub.port(), "POST", kBatches, key,
                                 R"({"rule": "flu", "message": "{{practice}}: book your flu jab at {{url}}"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string batch =
        Poco::JSON::Parser().parse(created.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");
    const std::string path = std::string(kBatches) + "/" + batch;
    const auto uploaded = apiCall(hub.port(), "PUT", path + "/csv", key, patientList(kRows), "text/csv");
    ASSERT_EQ(uploaded.status, 200) << uploaded.body;
    ASSERT_EQ(apiCall(hub.port(), "POST", path + "/send", key, "").status, 202);

    // Backups taken one after another while the hub mints: each holds at least what was there before it
    // started and at most what was there after it finished, every link with its invite.
    ASSERT_TRUE(HubProcess::eventually([&] { return countIn(dir.file("hub.db"), batch).links > 0; }));
    std::string midBatch; // the first backup that caught the batch part sent
    int links = 0;
    for (int i = 0; i < 50 && (midBatch.empty() || links < kRows); ++i) {
        const Counts before = countIn(dir.file("hub.db"), batch);
        const std::string backup = dir.file("backup-" + std::to_string(i) + ".db");
        const auto taken = runClinhub({"backup", "--config", config, backup}, dir);
        const Counts after = countIn(dir.file("hub.db"), batch);
        ASSERT_EQ(taken.exitCode, 0) << taken.err;
        EXPECT_NE(taken.out.find("schema version " + std::to_string(store::Store::knownVersion())), std::string::npos)
            << taken.out;
        const Counts copy = countIn(backup, batch);
        EXPECT_GE(copy.links, before.links);
        EXPECT_LE(copy.links, after.links);
        EXPECT_EQ(copy.invites, copy.links) << "every link has its invite";
        if (midBatch.empty() && copy.links < kRows) {
            midBatch = backup;
            links = copy.links;
            RecordProperty("links_in_mid_batch_backup", copy.links); // in the XML report: how far the batch was
        }
        links = std::max(links, after.links);
    }
    ASSERT_FALSE(midBatch.empty()) << "the batch was sent before the first backup: make it longer";
    EXPECT_EQ(std::filesystem::status(midBatch).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << "the copy holds sealed patient data";
    EXPECT_FALSE(std::filesystem::exists(midBatch + ".part"));

    EXPECT_EQ(runClinhub({"backup", "--config", config, midBatch}, dir).exitCode, 1) << "never overwritten unasked";
    EXPECT_EQ(runClinhub({"restore", "--config", config, midBatch}, dir).exitCode, 1)
        << "a store a hub is serving from is not replaced under it";

    const Counts inBackup = countIn(midBatch, batch);
    const std::string other = writeConfig(dir, "restored.yaml", "restored.db");
    const auto restored = runClinhub({"restore", "--config", other, midBatch}, dir);
    ASSERT_EQ(restored.exitCode, 0) << restored.err;
    const Counts copy = countIn(dir.file("restored.db"), batch);
    EXPECT_GT(copy.links, 0);
    EXPECT_EQ(copy.links, inBackup.links);
    EXPECT_EQ(copy.invites, copy.links) << "every link restored has its invite";

    // A hub started on the restored store serves, its links there to be found.
    EXPECT_EQ(hub.stop(), 0);
    HubProcess second(other, dir, "restored.log");
    ASSERT_TRUE(second.started()) << second.log();
    const auto listed = second.get(second.port(), path, key);
    EXPECT_EQ(listed.status, 200) << listed.body;
}

TEST(BackupRestore, RestoreRefusesWhatIsNotAClinhubStoreOrIsFromANewerClinhubAndChangesNothing) {
    TempDir dir;
    const std::string config = writeConfig(dir, "hub.yaml", "hub.db");
    ASSERT_EQ(runClinhub({"migrate", "--config", config}, dir).exitCode, 0);
    const auto sizeBefore = std::filesystem::file_size(dir.file("hub.db"));

    std::ofstream(dir.file("notes.db")) << "not a database at all\n";
    const auto notSqlite = runClinhub({"restore", "--config", config, dir.file("notes.db")}, dir);
    EXPECT_EQ(notSqlite.exitCode, 1);
    EXPECT_NE(notSqlite.err.find("is not an SQLite database"), std::string::npos) << notSqlite.err;

    ASSERT_EQ(std::system(("sqlite3 '" + dir.file("other.db") + "' 'CREATE TABLE t (x)'").c_str()), 0);
    const auto notOurs = runClinhub({"restore", "--config", config, dir.file("other.db")}, dir);
    EXPECT_EQ(notOurs.exitCode, 1);
    EXPECT_NE(notOurs.err.find("is not a clinhub store"), std::string::npos) << notOurs.err;

    const std::string newer = dir.file("newer.db");
    ASSERT_EQ(runClinhub({"backup", "--config", config, newer}, dir).exitCode, 0);
    const int future = store::Store::knownVersion() + 1;
    ASSERT_EQ(std::system(("sqlite3 '" + newer + "' \"INSERT INTO schema_migrations VALUES (" + std::to_string(future) +
                           ", 'from the future', 0)\"")
                              .c_str()),
              0);
    const auto fromTheFuture = runClinhub({"restore", "--config", config, newer}, dir);
    EXPECT_EQ(fromTheFuture.exitCode, 1);
    EXPECT_NE(fromTheFuture.err.find("schema version " + std::to_string(future) + ", newer than this clinhub"),
              std::string::npos)
        << fromTheFuture.err;
    EXPECT_EQ(std::filesystem::file_size(dir.file("hub.db")), sizeBefore);
    EXPECT_EQ(runClinhub({"migrate", "--config", config}, dir).exitCode, 0) << "the store was left as it was";

    // And the newer store itself, restored by force of a file copy, is refused by every verb that opens it.
    std::filesystem::copy_file(newer, dir.file("hub.db"), std::filesystem::copy_options::overwrite_existing);
    const auto refused = runClinhub({"migrate", "--config", config}, dir);
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.err.find("store schema version " + std::to_string(future) + " is newer than this clinhub (" +
                               std::to_string(store::Store::knownVersion()) +
                               "): upgrade clinhub, or restore a backup taken by this version"),
              std::string::npos)
        << refused.err;
}

TEST(BackupRestore, APostgresqlStoreIsPgDumpsToBackUp) {
    TempDir dir;
    const std::string config = writeConfig(dir, "hub.yaml", "hub.db");
    std::string yaml;
    {
        std::ifstream in(config);
        std::stringstream text;
        text << in.rdbuf();
        yaml = text.str();
    }
    yaml.replace(yaml.find("sqlite:hub.db"), std::string("sqlite:hub.db").size(),
                 "postgresql://clinhub@127.0.0.1:1/clinhub");
    std::ofstream(config) << yaml;
    const auto refused = runClinhub({"backup", "--config", config, dir.file("out.db")}, dir);
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.err.find("pg_dump -Fc"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("docs/operations.md"), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.db")));
}

} // namespace
} // namespace clinhub::test

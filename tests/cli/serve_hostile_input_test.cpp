// Bodies that once took a whole `clinhub serve` down (issue 14), sent to a running process over real HTTP:
// each is refused with a status that says why, and the process goes on answering.
#include "tests/cli/HubProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <fstream>

namespace clinhub::test {
namespace {

constexpr const char* kBatches = "/api/v1/organisations/A12345/batches";

std::string writeConfig(const TempDir& dir) {
    std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: sqlite:hub.db
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
    route: {appointment_book: book, sms: [outbox]}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic]}
)";
    return path;
}

struct Reply {
    int status = 0; // 0: the connection failed
    std::string body;
};

Reply post(uint16_t port, const std::string& key, const std::string& body) {
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, kBatches, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", "Bearer " + key);
        request.setContentType("application/json");
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        Reply reply{static_cast<int>(response.getStatus()), {}};
        Poco::StreamCopier::copyToString(in, reply.body);
        return reply;
    } catch (const Poco::Exception& e) {
        return {0, e.displayText()};
    }
}

// The message of the field error on "message", or "" when there is none.
std::string messageError(const Reply& reply) {
    try {
        const auto body = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
        const auto errors = body->getArray("errors");
        for (std::size_t i = 0; errors && i < errors->size(); ++i) {
            const auto e = errors->getObject(static_cast<unsigned>(i));
            if (e->getValue<std::string>("field") == "message") return e->getValue<std::string>("message");
        }
    } catch (const Poco::Exception&) {
    }
    return {};
}

std::string batchWith(const std::string& message) { return R"({"rule":"flu","message":")" + message + R"("})"; }

std::string repeated(const std::string& text, int times) {
    std::string out;
    out.reserve(text.size() * static_cast<std::size_t>(times));
    for (int i = 0; i < times; ++i)
        out += text;
    return out;
}

class ServeHostileInput : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string path = writeConfig(dir);
        ASSERT_EQ(runClinhub({"migrate", "--config", path}, dir).exitCode, 0);
        std::string why;
        key = createKey(path, "A12345", dir, why);
        ASSERT_FALSE(key.empty()) << why;
        hub = std::make_unique<HubProcess>(path, dir);
        ASSERT_TRUE(hub->started()) << hub->log();
    }

    // The body is refused with `status`, a 422's error on "message" says `says`, and the hub still answers.
    // Poco's JSON parser refuses broken UTF-8 and lone surrogates itself (400), so the scanner's own UTF-8
    // check is for texts from the YAML.
    void refused(const std::string& what, const std::string& body, int status, const std::string& says) {
        const Reply reply = post(hub->port(), key, body);
        // A body over the limit is answered 413 without being read, so the client may still be writing
        // when the hub closes the connection: a broken pipe is the same refusal, seen from this side.
        const bool cutOff = status == 413 && reply.status == 0;
        if (!cutOff) {
            EXPECT_EQ(reply.status, status) << what << ": " << reply.body.substr(0, 400);
        }
        if (status == 422) {
            EXPECT_NE(messageError(reply).find(says), std::string::npos) << what << ": " << reply.body;
        }
        EXPECT_EQ(::kill(hub->pid(), 0), 0) << what << " killed the hub: " << hub->log().substr(0, 2000);
        EXPECT_EQ(hub->get("/healthz").status, 200) << what;
    }

    TempDir dir;
    std::string key;
    std::unique_ptr<HubProcess> hub;
};

TEST_F(ServeHostileInput, PathologicalMessagesAreRefusedAndTheHubStaysUp) {
    refused("50,000 spaces inside a tag", batchWith("{{" + std::string(50'000, ' ') + "name}} {{url}}"), 422,
            "the text is 50016 bytes long; a message template is at most 4096");
    refused("20,000 nested sections",
            batchWith(repeated("{{#name}}", 20'000) + "{{url}}" + repeated("{{/name}}", 20'000)), 422,
            "a message template is at most 4096");
    refused("nested sections under the cap", batchWith(repeated("{{#name}}", 200) + "{{url}}"), 422,
            "'{{#name}}' at character 1: sections, partials and other mustache tags are not supported");
    refused("100,000 opening braces", batchWith(repeated("{{", 100'000)), 422, "a message template is at most 4096");
    refused("opening braces under the cap", batchWith(repeated("{{", 1'000)), 422, "at character 1 is never closed");
    refused("an unknown placeholder", batchWith("Dear {{ nhs_number }}, book: {{url}}"), 422,
            "unknown placeholder '{{ nhs_number }}' at character 6");
    refused("a message of just under 1 MiB", batchWith(std::string(1024 * 1024 - 100, 'a')), 422,
            "the text is 1048476 bytes long");
    refused("a body over 1 MiB", batchWith(std::string(1024 * 1024 + 10, 'a')), 413, "");
    refused("invalid UTF-8", batchWith("Book \xC3\x28 here: {{url}}"), 400, "");
    refused("an escaped lone surrogate", batchWith("Book \\udc00 here: {{url}}"), 400, "");
    refused("an escaped NUL", batchWith("Book\\u0000 here: {{url}}"), 422, "a control character at character 5");
    refused("a raw NUL in the JSON", batchWith(std::string("Book\0 here: {{url}}", 19)), 400, "");
    refused("JSON nested 100,000 deep", repeated("[", 100'000), 400, "");

    const Reply fine = post(hub->port(), key, batchWith("{{practice}}: book your {{ title }} here: {{url}}"));
    EXPECT_EQ(fine.status, 201) << fine.body;
}

} // namespace
} // namespace clinhub::test

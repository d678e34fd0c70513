#include "HttpSmsFixture.h"

namespace {

using httpsms::test::HttpSmsFixture;

class HttpSmsConfigTest : public HttpSmsFixture {
protected:
    // Every problem checkConfig finds, as "pointer: message" lines.
    std::string problems(const std::string& json) {
        const auto* info = host_.find("http-sms");
        EXPECT_NE(info, nullptr);
        if (info == nullptr || !info->checkConfig) return "no checkConfig";
        std::string out;
        for (const auto& e : info->checkConfig(json))
            out += e.pointer + ": " + e.message + "\n";
        return out;
    }

    static std::string with(const std::string& field) {
        return R"({"url": "http://127.0.0.1:9/messages", "body": "{\"to\":\"{{to}}\"}", "provider_id": "/id", )" +
               field + "}";
    }
};

TEST_F(HttpSmsConfigTest, AGoodConfigHasNoProblems) {
    EXPECT_EQ(problems(with(R"("error": "/error/message", "lookup": {"url": "https://x.example/m?r={{reference}}",)"
                            R"( "status": "/status", "states": {"DELIVRD": "delivered"}})")),
              "");
}

TEST_F(HttpSmsConfigTest, AUrlThatIsNotHttpIsRefused) {
    const auto found = problems(R"({"url": "ftp://x.example/m", "body": "{{to}}", "provider_id": "/id"})");
    EXPECT_NE(found.find("/url: must be an http:// or https:// URL"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, APointerWithoutALeadingSlashIsRefusedAtItsPlace) {
    const auto found = problems(R"({"url": "http://x.example/m", "body": "{{to}}", "provider_id": "messages/0/id"})");
    EXPECT_NE(found.find("/provider_id: 'messages/0/id' must be a JSON Pointer starting with '/'"), std::string::npos)
        << found;
}

TEST_F(HttpSmsConfigTest, ABadTildeEscapeInAPointerIsRefused) {
    const auto found = problems(with(R"("error": "/error/~2")"));
    EXPECT_NE(found.find("/error: '/error/~2'"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, AnUnknownTemplateTagIsRefusedNamingTheKnownOnes) {
    const auto found =
        problems(R"({"url": "http://x.example/m", "body": "{\"to\":\"{{phone}}\"}", "provider_id": "/id"})");
    EXPECT_NE(found.find("/body: unknown tag '{{phone}}'"), std::string::npos) << found;
    EXPECT_NE(found.find("{{reference}}"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, AnUnescapedTagIsRefused) {
    const auto found =
        problems(R"({"url": "http://x.example/m", "body": "{\"t\":\"{{{body}}}\"}", "provider_id": "/id"})");
    EXPECT_NE(found.find("/body: only plain tags"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, AnUnclosedTagIsRefused) {
    const auto found = problems(R"({"url": "http://x.example/m", "body": "{{to", "provider_id": "/id"})");
    EXPECT_NE(found.find("/body: a '{{' is never closed"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, ALongTemplateIsRefusedBeforeItIsScanned) {
    const auto found = problems(R"({"url": "http://x.example/m", "body": "{{)" + std::string(50'000, ' ') +
                                R"(to}}", "provider_id": "/id"})");
    EXPECT_NE(found.find("/body: the template is 50006 bytes long; at most 4096 are allowed"), std::string::npos)
        << found;
    std::string nested;
    for (int i = 0; i < 20'000; ++i)
        nested += "{{#to}}";
    EXPECT_NE(
        problems(R"({"url": "http://x.example/m", "body": ")" + nested.substr(0, 4000) + R"(", "provider_id": "/id"})")
            .find("/body: only plain tags"),
        std::string::npos);
}

TEST_F(HttpSmsConfigTest, ALookupWithABadPointerOrStateIsRefused) {
    const auto found = problems(
        with(R"("lookup": {"url": "http://x.example/m/{{reference}}", "status": "status", "states": {"X": "sent"}})"));
    EXPECT_NE(found.find("/lookup/status: 'status' must be a JSON Pointer"), std::string::npos) << found;
    EXPECT_NE(found.find("/lookup/states/X: must be accepted, delivered or failed"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, ALookupUrlMayOnlyUseTheReference) {
    const auto found = problems(with(R"("lookup": {"url": "http://x.example/m/{{to}}", "status": "/s"})"));
    EXPECT_NE(found.find("/lookup/url: unknown tag '{{to}}'"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, AStatusListedAsBothPermanentAndRetryableIsRefused) {
    const auto found = problems(with(R"("permanent_statuses": [409, 503], "retryable_statuses": [503])"));
    EXPECT_NE(found.find("503 is also listed as permanent"), std::string::npos) << found;
}

TEST_F(HttpSmsConfigTest, CreatingWithABadConfigFailsNamingTheProblem) {
    const auto error = createError(R"({"url": "http://x.example/m", "body": "{{to}}", "provider_id": "id"})");
    EXPECT_NE(error.find("/provider_id"), std::string::npos) << error;
}

} // namespace

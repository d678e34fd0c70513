// clinhub-plugin as a plugin author runs it: a process of its own, its output and exit status, against the
// http-sms plugin and sms_gateway_sim over a real socket (and local-book for slots).
#include "SimProcess.h"
#include "TempDir.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace clinhub::test {
namespace {

struct ToolRun {
    int status = -1;
    std::string output; // stdout and stderr together
};

std::string quoted(const std::string& arg) {
    std::string out = "'";
    for (char c : arg)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

class PluginTool : public ::testing::Test {
protected:
    ToolRun tool(const std::vector<std::string>& args) {
        std::string command = PLUGIN_TOOL;
        for (const auto& a : args)
            command += " " + quoted(a);
        const std::string out = dir.file("tool.out");
        const int raw = std::system((command + " > " + quoted(out) + " 2>&1").c_str());
        std::ifstream in(out);
        std::ostringstream text;
        text << in.rdbuf();
        return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, text.str()};
    }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = dir.file(name);
        std::ofstream(path) << text;
        return path;
    }

    // A section a sysadmin would write for sms_gateway_sim; the gateway at `url`.
    std::string smsConfig(const std::string& url) {
        return write("sms.json",
                     R"({"url": ")" + url +
                         R"(/messages", "headers": {"X-Api-Key": "test-key-0001"},)"
                         R"( "body": "{\"to\":\"{{to}}\",\"text\":\"{{body}}\",\"client_ref\":\"{{reference}}\"}",)"
                         R"( "provider_id": "/messages/0/id", "timeout_ms": 2000,)"
                         R"( "lookup": {"url": ")" +
                         url +
                         R"(/messages?client_ref={{reference}}", "status": "/messages/0/status",)"
                         R"( "states": {"accepted": "accepted", "delivered": "delivered"}}})");
    }

    SimProcess& sim() {
        if (!sim_)
            sim_ = std::make_unique<SimProcess>(SMS_GATEWAY_SIM,
                                                std::vector<std::string>{"--fixture", SMS_GATEWAY_FIXTURE});
        return *sim_;
    }

    TempDir dir;
    std::unique_ptr<SimProcess> sim_;
};

TEST_F(PluginTool, InfoSaysWhatThePluginDeclares) {
    const auto r = tool({"info", HTTP_SMS_PLUGIN});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("plugin: http-sms\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("abi: 1.3\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("kinds: sms\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("sms length: not declared (the hub's default, 918 characters)"), std::string::npos)
        << r.output;
    EXPECT_NE(tool({"info", HTTP_SMS_PLUGIN, "--schema"}).output.find("\"provider_id\""), std::string::npos);
}

TEST_F(PluginTool, InfoRefusesAFileThatIsNotAPlugin) {
    const auto r = tool({"info", write("libnot-a-plugin.so", "not an ELF file\n")});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("refused"), std::string::npos) << r.output;
}

TEST_F(PluginTool, CheckReportsEachProblemAtItsLineAndColumn) {
    // The schema's problem first; the plugin's own check runs on a section that passes it, as in the hub.
    const std::string outOfRange = write("range.json", "{\n  \"url\": \"https://sms.example.org\",\n  \"body\": "
                                                       "\"x\",\n  \"provider_id\": \"/id\",\n  \"timeout_ms\": 0\n}\n");
    const auto r = tool({"check", HTTP_SMS_PLUGIN, "--config", outOfRange});
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find(outOfRange + ":5:"), std::string::npos) << "the timeout, at its line: " << r.output;
    const std::string ftp = write("ftp.json", "{\n  \"url\": \"ftp://sms.example.org\",\n  \"body\": \"x\",\n"
                                              "  \"provider_id\": \"/id\"\n}\n");
    const auto plugin = tool({"check", HTTP_SMS_PLUGIN, "--config", ftp});
    EXPECT_EQ(plugin.status, 1) << plugin.output;
    EXPECT_NE(plugin.output.find(ftp + ":2:"), std::string::npos) << "the url, at its line: " << plugin.output;
    EXPECT_NE(plugin.output.find("plugin 'http-sms': "), std::string::npos) << plugin.output;

    const auto good = tool({"check", HTTP_SMS_PLUGIN, "--config", smsConfig("http://127.0.0.1:9")});
    EXPECT_EQ(good.status, 0) << good.output;
    EXPECT_NE(good.output.find("valid for plugin 'http-sms'"), std::string::npos) << good.output;
    EXPECT_NE(good.output.find("sms length: at most 918 characters (the hub's default)"), std::string::npos)
        << good.output;
}

TEST_F(PluginTool, SmsSendsOneMessageThroughTheGatewayAndLookupFindsIt) {
    const auto r = tool({"sms", HTTP_SMS_PLUGIN, "--config", smsConfig(sim().url()), "--to", "+447700900123", "--body",
                         "Your flu jab is booked", "--reference", "msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e"});
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("sent: reference msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e, provider id "),
              std::string::npos)
        << r.output;
    const auto messages = Poco::JSON::Parser()
                              .parse(sim().control("GET", "/_sim/messages"))
                              .extract<Poco::JSON::Object::Ptr>()
                              ->getArray("messages");
    ASSERT_EQ(messages->size(), 1U);
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("text"), "Your flu jab is booked");

    const auto found = tool({"lookup", HTTP_SMS_PLUGIN, "--config", smsConfig(sim().url()), "--reference",
                             "msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e"});
    EXPECT_EQ(found.status, 0) << found.output;
    EXPECT_NE(found.output.find("msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e: accepted"), std::string::npos)
        << found.output;
}

TEST_F(PluginTool, AGatewayThatRefusesTheConnectionExitsNotSent) {
    // Port 1: nothing listens, so the request never left.
    const auto r = tool({"sms", HTTP_SMS_PLUGIN, "--config", smsConfig("http://127.0.0.1:1"), "--to", "+447700900123",
                         "--body", "hello"});
    EXPECT_EQ(r.status, 4) << r.output;
    EXPECT_NE(r.output.find("retryable, not sent"), std::string::npos) << r.output;
}

TEST_F(PluginTool, ATimeoutExitsPossiblySent) {
    sim().setFaults(R"({"latency_ms": 3000})");
    const auto r =
        tool({"sms", HTTP_SMS_PLUGIN, "--config", smsConfig(sim().url()), "--to", "+447700900123", "--body", "hello"});
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_NE(r.output.find("send retryable: "), std::string::npos) << r.output;
}

TEST_F(PluginTool, AWrongCommandLineExitsTwoWithTheUsage) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"send", HTTP_SMS_PLUGIN},
             {"sms", HTTP_SMS_PLUGIN, "--config"},
             {"sms", HTTP_SMS_PLUGIN, "--config", smsConfig("http://127.0.0.1:9"), "--to", "+447700900123"}}) {
        const auto r = tool(args);
        EXPECT_EQ(r.status, 2) << r.output;
        EXPECT_NE(r.output.find("usage: clinhub-plugin"), std::string::npos) << r.output;
    }
}

TEST_F(PluginTool, SlotsListsTheFreeSlotsOfABook) {
    const std::string config = write("book.json", R"({"database": ")" + dir.file("book.db") + R"(", "seed": ")" +
                                                      std::string(CLINHUB_SOURCE_DIR) +
                                                      R"(/config/demo-book.yaml", "generate": {"days": 21}})");
    const auto r = tool({"slots", LOCAL_BOOK_PLUGIN, "--config", config, "--days", "14"});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(" free from tomorrow for 14 days"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  id "), std::string::npos) << "at least one slot: " << r.output;
}

TEST_F(PluginTool, ConformanceRunsTheKitsSmsChecksAgainstThePlugin) {
    const auto fixture = write("fixture.json", R"({"sms": {"lookup": true}})");
    const auto r = tool(
        {"conformance", HTTP_SMS_PLUGIN, "--config", smsConfig(sim().url()), "--kind", "sms", "--fixture", fixture});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("sms plugin 'http-sms'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("[  PASSED  ]"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("SmsLookup.SaysUnknownForAReferenceNeverSent"), std::string::npos) << r.output;

    const auto none = tool({"conformance", HTTP_SMS_PLUGIN, "--config", smsConfig(sim().url()), "--kind", "email"});
    EXPECT_EQ(none.status, 1) << none.output;
    EXPECT_NE(none.output.find("implements no email"), std::string::npos) << none.output;
}

} // namespace
} // namespace clinhub::test

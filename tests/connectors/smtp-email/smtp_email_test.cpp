#include "hub/host/PluginHost.h"
#include "simulators/SimProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace {

using clinhub::Status;
using Poco::JSON::Object;
namespace fs = std::filesystem;

const std::string kUser = "clinhub-test";
const std::string kPassword = "test-password-1";

class SmtpEmailTest : public ::testing::Test {
protected:
    SmtpEmailTest() {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("clinhub-smtp-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        fs::create_directories(dir_);
    }
    ~SmtpEmailTest() override {
        server_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-smtp-email.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    clinhub::test::SimProcess& server(std::vector<std::string> flags = {}) {
        if (!server_) {
            std::vector<std::string> args{SMTP_SERVER_SCRIPT, "--dir",  dir_.string(), "--user", kUser,
                                          "--password",       kPassword};
            args.insert(args.end(), flags.begin(), flags.end());
            server_ = std::make_unique<clinhub::test::SimProcess>(SYSTEM_PYTHON, args);
        }
        return *server_;
    }

    // The config a sysadmin would write for the test server; `extra` is spliced into the object.
    std::string config(const std::string& extra = {}, const std::string& password = kPassword) {
        const int port = server().port(); // first: the server makes its certificate before it listens
        const auto cert = dir_ / "tls" / "cert.pem";
        // A server without TLS made no certificate: there is nothing to trust then.
        const std::string tls = fs::exists(cert) ? R"("tls": {"ca_file": ")" + cert.string() + R"("}, )" : "";
        return R"({"host": "127.0.0.1", "port": )" + std::to_string(port) + R"(, "username": ")" + kUser +
               R"(", "password": ")" + password + R"(", "from": "noreply@surgery.example.org", )" + tls +
               R"("timeout_ms": 5000)" + (extra.empty() ? "" : ", " + extra) + "}";
    }

    clinhub::EmailSender& connector(const std::string& json) {
        std::string error;
        instance_ = host_.create("mail", "smtp-email", json, error);
        if (!instance_) throw std::runtime_error(error);
        return *instance_->email();
    }

    // What arrived, in order, as the server's email package read it.
    std::vector<Object::Ptr> arrived() const {
        std::vector<Object::Ptr> out;
        for (int n = 1;; ++n) {
            std::ifstream in(dir_ / "messages" / (std::to_string(n) + ".json"));
            if (!in) return out;
            out.push_back(Poco::JSON::Parser().parse(in).extract<Object::Ptr>());
        }
    }

    static std::string header(const Object::Ptr& message, const std::string& name) {
        return message->getObject("headers")->optValue<std::string>(name, "<absent>");
    }

    static clinhub::Email invitation(const std::string& reference = "ref-42") {
        return {"parent@example.org", "Your child's flu vaccination", "Book here: https://x.example/b/abc\nThanks",
                "<p>Book <a href=\"https://x.example/b/abc\">here</a></p>", reference};
    }

    clinhub::host::PluginHost host_;
    std::shared_ptr<clinhub::host::ConnectorInstance> instance_;
    std::unique_ptr<clinhub::test::SimProcess> server_;
    fs::path dir_;
};

TEST_F(SmtpEmailTest, DeliversFromToSubjectAndBothPartsAsMultipartAlternative) {
    auto& mail = connector(config());
    std::string id;
    const auto r = mail.send(invitation(), id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    const auto& m = all[0];
    EXPECT_EQ(m->getValue<std::string>("mail_from"), "noreply@surgery.example.org");
    EXPECT_EQ(m->getArray("rcpt_tos")->getElement<std::string>(0), "parent@example.org");
    EXPECT_EQ(header(m, "from"), "noreply@surgery.example.org");
    EXPECT_EQ(header(m, "to"), "parent@example.org");
    EXPECT_EQ(header(m, "subject"), "Your child's flu vaccination");
    EXPECT_EQ(m->getValue<std::string>("content_type"), "multipart/alternative");
    EXPECT_EQ(m->getValue<std::string>("text"), "Book here: https://x.example/b/abc\nThanks");
    EXPECT_EQ(m->getValue<std::string>("html"), "<p>Book <a href=\"https://x.example/b/abc\">here</a></p>");
}

TEST_F(SmtpEmailTest, AuthPlainHappensOverTls) {
    auto& mail = connector(config());
    std::string id;
    {
        const auto sent = mail.send(invitation(), id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_TRUE(all[0]->getValue<bool>("tls"));
    const auto auth = all[0]->getObject("auth");
    ASSERT_FALSE(auth.isNull());
    EXPECT_EQ(auth->getValue<std::string>("user"), kUser);
    EXPECT_EQ(auth->getValue<std::string>("mechanism"), "PLAIN");
    EXPECT_TRUE(auth->getValue<bool>("over_tls"));
}

TEST_F(SmtpEmailTest, AuthLoginIsUsedWhenConfigured) {
    auto& mail = connector(config(R"("auth": "login")"));
    std::string id;
    {
        const auto sent = mail.send(invitation(), id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0]->getObject("auth")->getValue<std::string>("mechanism"), "LOGIN");
    EXPECT_TRUE(all[0]->getObject("auth")->getValue<bool>("over_tls"));
}

TEST_F(SmtpEmailTest, TheMessageIdAndReferenceHeaderComeFromTheReferenceSoADuplicateIsRecognisable) {
    auto& mail = connector(config());
    std::string first;
    std::string second;
    {
        const auto sent = mail.send(invitation("ref-42"), first);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    {
        const auto sent = mail.send(invitation("ref-42"), second);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    {
        const auto sent = mail.send(invitation("ref/43 x"), second);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(first, "clinhub.ref-42@surgery.example.org");
    EXPECT_EQ(header(all[0], "message-id"), "<clinhub.ref-42@surgery.example.org>");
    EXPECT_EQ(header(all[1], "message-id"), header(all[0], "message-id"));
    EXPECT_EQ(header(all[0], "x-clinhub-reference"), "ref-42");
    EXPECT_EQ(header(all[2], "message-id"), "<clinhub.ref=2F43=20x@surgery.example.org>");
    EXPECT_EQ(header(all[2], "x-clinhub-reference"), "ref/43 x");
}

TEST_F(SmtpEmailTest, FromNameAndReplyToComeFromTheConfig) {
    auto& mail = connector(config(R"("from_name": "Demo \"Surgery\"", "reply_to": "reception@surgery.example.org")"));
    std::string id;
    {
        const auto sent = mail.send(invitation(), id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(header(all[0], "from"), "\"Demo \\\"Surgery\\\"\" <noreply@surgery.example.org>");
    EXPECT_EQ(header(all[0], "reply-to"), "reception@surgery.example.org");
}

TEST_F(SmtpEmailTest, AnEmailWithoutHtmlIsPlainText) {
    auto& mail = connector(config());
    std::string id;
    {
        const auto sent = mail.send({"parent@example.org", "Reminder", "Just text", "", "ref-1"}, id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0]->getValue<std::string>("content_type"), "text/plain");
    EXPECT_EQ(all[0]->getValue<std::string>("text"), "Just text\n");
}

TEST_F(SmtpEmailTest, DotLinesNonAsciiAndLongLinesArriveIntact) {
    auto& mail = connector(config());
    const std::string text = ".\n..two dots\nCaf\xC3\xA9 \xE2\x80\x94 r\xC3\xA9sum\xC3\xA9\n" + std::string(200, 'x');
    std::string id;
    {
        const auto sent = mail.send({"parent@example.org", "Caf\xC3\xA9 appointment", text, "<p>.</p>", "ref-1"}, id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(header(all[0], "subject"), "Caf\xC3\xA9 appointment");
    EXPECT_EQ(all[0]->getValue<std::string>("text"), text);
}

TEST_F(SmtpEmailTest, ALineBreakInTheSubjectCannotAddAHeader) {
    auto& mail = connector(config());
    std::string id;
    {
        const auto sent = mail.send({"parent@example.org", "Hello\r\nBcc: other@example.com", "t", "", "ref-1"}, id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const auto all = arrived();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(header(all[0], "bcc"), "<absent>");
    EXPECT_EQ(all[0]->getArray("rcpt_tos")->size(), 1U);
}

TEST_F(SmtpEmailTest, AWrongPasswordIsPermanentWithTheServersReply) {
    auto& mail = connector(config({}, "not-the-password"));
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("535"), std::string::npos) << r.message;
    EXPECT_TRUE(arrived().empty());
}

TEST_F(SmtpEmailTest, ARejectedRecipientIsPermanentAndTheReplyDoesNotRepeatTheAddress) {
    auto& mail = connector(config());
    auto email = invitation();
    email.to = "reject-7@example.org";
    std::string id;
    const auto r = mail.send(email, id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("550"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("mailbox unavailable"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("reject-7@example.org"), std::string::npos) << r.message;
    EXPECT_TRUE(arrived().empty());
}

TEST_F(SmtpEmailTest, AReplyThatRepeatsPatientDetailsIsScrubbedOfThem) {
    auto& mail = connector(config());
    auto email = invitation();
    email.to = "chatty@example.org";
    std::string id;
    const auto r = mail.send(email, id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("550"), std::string::npos) << r.message;
    for (const char* detail : {"943 476 5919", "14/03/1956", "07700 900123", "900123"})
        EXPECT_EQ(r.message.find(detail), std::string::npos) << detail << " in " << r.message;
}

TEST_F(SmtpEmailTest, ATemporaryRefusalIsRetryable) {
    auto& mail = connector(config());
    auto email = invitation();
    email.to = "busy@example.org";
    std::string id;
    const auto r = mail.send(email, id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("451"), std::string::npos) << r.message;
}

TEST_F(SmtpEmailTest, AServerThatIsDownIsRetryable) {
    const std::string json = config();
    server_->stop();
    auto& mail = connector(json);
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("connection refused"), std::string::npos) << r.message;
}

TEST_F(SmtpEmailTest, AServerThatNeverAnswersIsRetryable) {
    server({"--silent", "1"});
    auto& mail = connector(config(R"("timeout_ms": 300)"));
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
}

TEST_F(SmtpEmailTest, AnUntrustedCertificateIsPermanentWithAClearMessage) {
    const std::string json = R"({"host": "127.0.0.1", "port": )" + std::to_string(server().port()) +
                             R"(, "username": "clinhub-test", "password": "test-password-1",)"
                             R"( "from": "noreply@surgery.example.org"})";
    auto& mail = connector(json);
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("TLS handshake failed"), std::string::npos) << r.message;
    EXPECT_TRUE(arrived().empty());
}

TEST_F(SmtpEmailTest, VerificationCanBeTurnedOffForATestServer) {
    const std::string json = R"({"host": "127.0.0.1", "port": )" + std::to_string(server().port()) +
                             R"(, "username": "clinhub-test", "password": "test-password-1",)"
                             R"( "from": "noreply@surgery.example.org", "tls": {"verify": false}})";
    auto& mail = connector(json);
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(arrived().size(), 1U);
}

TEST_F(SmtpEmailTest, AServerWithoutStartTlsIsPermanentWhenTlsIsRequired) {
    server({"--no-tls", "1"});
    auto& mail = connector(config());
    std::string id;
    const auto r = mail.send(invitation(), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("does not offer STARTTLS"), std::string::npos) << r.message;
    EXPECT_TRUE(arrived().empty());
}

TEST_F(SmtpEmailTest, TheLogNamesTheReferenceButNoAddressOrContent) {
    auto& mail = connector(config());
    std::string id;
    testing::internal::CaptureStderr();
    {
        const auto sent = mail.send(invitation("ref-log"), id);
        ASSERT_TRUE(sent.ok()) << sent.message;
    }
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("ref-log"), std::string::npos) << log;
    EXPECT_EQ(log.find("parent@"), std::string::npos) << log;
    EXPECT_EQ(log.find("flu vaccination"), std::string::npos) << log;
}

class SmtpEmailConfigTest : public SmtpEmailTest {
protected:
    std::string problems(const std::string& json) {
        const auto* info = host_.find("smtp-email");
        EXPECT_NE(info, nullptr);
        if (info == nullptr || !info->checkConfig) return "no checkConfig";
        std::string out;
        for (const auto& e : info->checkConfig(json))
            out += e.pointer + ": " + e.message + "\n";
        return out;
    }
};

TEST_F(SmtpEmailConfigTest, AGoodConfigHasNoProblems) {
    EXPECT_EQ(problems(R"({"host": "smtp.example.org", "username": "u", "password": "p", "from": "a@example.org",)"
                       R"( "reply_to": "b@example.org", "auth": "login"})"),
              "");
}

TEST_F(SmtpEmailConfigTest, AuthWithoutTlsIsRefused) {
    const auto found = problems(
        R"({"host": "smtp.example.org", "starttls": "none", "username": "u", "password": "p", "from": "a@example.org"})");
    EXPECT_NE(found.find("/starttls: AUTH without TLS"), std::string::npos) << found;
}

TEST_F(SmtpEmailConfigTest, AUsernameWithoutAPasswordIsRefused) {
    const auto found = problems(R"({"host": "smtp.example.org", "username": "u", "from": "a@example.org"})");
    EXPECT_NE(found.find("/password: a password is required"), std::string::npos) << found;
}

TEST_F(SmtpEmailConfigTest, AFromThatIsNotAPlainAddressIsRefused) {
    const auto found = problems(R"({"host": "smtp.example.org", "from": "Surgery <a@example.org>"})");
    EXPECT_NE(found.find("/from: must be a plain address"), std::string::npos) << found;
}

TEST_F(SmtpEmailConfigTest, AHostWithASchemeIsRefused) {
    const auto found = problems(R"({"host": "smtp://smtp.example.org", "from": "a@example.org"})");
    EXPECT_NE(found.find("/host:"), std::string::npos) << found;
}

TEST_F(SmtpEmailConfigTest, AMissingCaFileFailsCreationNamingIt) {
    std::string error;
    EXPECT_EQ(host_.create(
                  "mail", "smtp-email",
                  R"({"host": "smtp.example.org", "from": "a@example.org", "tls": {"ca_file": "/nonexistent/ca.pem"}})",
                  error),
              nullptr);
    EXPECT_NE(error.find("/tls/ca_file"), std::string::npos) << error;
    EXPECT_NE(error.find("/nonexistent/ca.pem"), std::string::npos) << error;
}

} // namespace

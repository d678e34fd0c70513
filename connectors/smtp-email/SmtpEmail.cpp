// smtp-email: sends each email through an SMTP submission server (RFC 6409): STARTTLS, AUTH PLAIN or
// LOGIN, then one message as multipart/alternative text + HTML.
//
// Failures are sorted the way SMTP sorts them: a 4xx reply, a refused connection or a timeout is
// retryable; a 5xx reply (bad password, mailbox unavailable) is permanent with the server's text; a TLS
// handshake that fails is permanent (retrying will meet the same certificate). A retryable failure is "not
// sent" (plugin.h) when the server refused the message in words, or anything went wrong before the body
// was handed over: only a failure after the body went and before the server's answer to it may have
// left the message with the server. Addresses and bodies are
// never logged, and a server's reply is quoted with the recipient's address blanked out.
#include <clinhub/kit/Scrub.hpp>
#include <clinhub/plugin.hpp>

#include "Config.h"
#include "Message.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <sstream>
#include <stdexcept>

namespace {

using clinhub::Result;
using smtpemail::AuthMethod;
using smtpemail::Config;

Poco::Timespan span(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "<recipient>");
    return text;
}

std::string base64(const std::string& text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << text;
    encoder.close();
    return out.str();
}

// An SMTP reply with a code we act on: thrown out of the conversation and sorted in one place.
struct Refused {
    int status;
    std::string text;
};

// Poco's session, plus a STARTTLS that verifies the server by its configured name (Poco's own uses the
// name given to a session that connected itself, which has no connect timeout).
class Session : public Poco::Net::SMTPClientSession {
public:
    using SMTPClientSession::SMTPClientSession;

    void startTls(const std::string& helo, const std::string& host, const Poco::Net::Context::Ptr& context,
                  const Poco::Timespan& timeout) {
        std::string reply;
        command("EHLO", "EHLO", helo, 2, reply);
        if (reply.find("STARTTLS") == std::string::npos)
            throw Refused{530, "the server does not offer STARTTLS (starttls: required)"};
        const int status = sendCommand("STARTTLS", reply);
        // 454 (RFC 3207) is a temporary lack of TLS: retryable, like any 4xx.
        if (status / 100 != 2) throw Refused{status, "STARTTLS refused: " + reply};
        socket() = Poco::Net::SecureStreamSocket::attach(socket(), host, context);
        setTimeout(timeout);
    }

    // AUTH PLAIN (RFC 4616) or LOGIN. Done here rather than by Poco, whose LOGIN gives up silently on a
    // server whose prompts are not exactly "Username:" and "Password:" and then sends the next command into
    // the middle of the exchange.
    void authenticate(AuthMethod method, const std::string& user, const std::string& password) {
        if (method == AuthMethod::plain) {
            command("AUTH PLAIN", "AUTH", "PLAIN " + base64(std::string(1, '\0') + user + '\0' + password), 2);
            return;
        }
        command("AUTH LOGIN", "AUTH", "LOGIN", 3);
        command("AUTH LOGIN", base64(user), "", 3);
        command("AUTH LOGIN", base64(password), "", 2);
    }

    void command(const std::string& what, const std::string& verb, const std::string& arg, int expected,
                 std::string& reply) {
        const int status = arg.empty() ? sendCommand(verb, reply) : sendCommand(verb, arg, reply);
        if (status / 100 != expected) throw Refused{status, what + " refused: " + reply};
    }
    void command(const std::string& what, const std::string& verb, const std::string& arg, int expected) {
        std::string reply;
        command(what, verb, arg, expected, reply);
    }
};

class SmtpEmail final : public clinhub::Connector, public clinhub::EmailSender {
public:
    SmtpEmail(const clinhub::Host& host, const std::string& configJson)
        : host_(host), config_(load(configJson)), where_(config_.host + ":" + std::to_string(config_.port)) {
        Poco::Net::initializeSSL();
        context_ = makeContext(config_);
    }

    static void checkConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
        smtpemail::parseConfig(json, errors);
    }

    Result send(const clinhub::Email& email, std::string& providerId) override {
        if (email.reference.empty()) return Result::permanent("message has no reference");
        if (!smtpemail::plainAddress(email.to)) return Result::permanent("the recipient is not a plain email address");
        const std::string messageId = smtpemail::messageIdFor(email.reference, config_.from);
        Result r = deliver(email.to, smtpemail::compose(config_, email, messageId));
        if (!r.ok()) {
            r.message = "send " + email.reference + ": " + r.message;
            return r;
        }
        providerId = messageId.substr(1, messageId.size() - 2);
        host_.info("email sent: reference=" + email.reference + " message id=" + providerId);
        return r;
    }

private:
    static Config load(const std::string& json) {
        std::vector<clinhub::ConfigError> errors;
        auto config = smtpemail::parseConfig(json, errors);
        if (!errors.empty()) {
            std::string message = "config";
            for (const auto& e : errors)
                message += " " + (e.pointer.empty() ? std::string("/") : e.pointer) + ": " + e.message + ";";
            throw std::runtime_error(message);
        }
        return config;
    }

    static Poco::Net::Context::Ptr makeContext(const Config& c) {
        Poco::Net::Context::Params params;
        params.verificationMode = c.tls.verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
        params.caLocation = c.tls.caFile;
        params.loadDefaultCAs = true;
        Poco::Net::Context::Ptr context;
        try {
            context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("config /tls/ca_file: cannot load '" + c.tls.caFile + "': " + e.displayText());
        }
        context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                  Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableExtendedCertificateVerification(c.tls.verify);
        return context;
    }

    Result deliver(const std::string& to, const std::string& message) {
        // Set once the body starts to go: from then until the server's answer, a broken connection may
        // have left the message with the server.
        bool bodyGone = false;
        try {
            Poco::Net::StreamSocket socket;
            socket.connect(Poco::Net::SocketAddress(config_.host, config_.port), span(config_.connectTimeout));
            Session session(socket);
            session.setTimeout(span(config_.timeout));
            const std::string helo = config_.heloName.empty() ? Poco::Net::DNS::hostName() : config_.heloName;
            session.open(); // the greeting
            if (config_.starttls) session.startTls(helo, config_.host, context_, span(config_.timeout));
            session.login(helo); // EHLO (again after STARTTLS: the TLS session starts afresh)
            if (config_.auth != AuthMethod::none)
                session.authenticate(config_.auth, config_.username, config_.password);
            session.command("MAIL FROM", "MAIL FROM:", "<" + config_.from + ">", 2);
            session.command("RCPT TO", "RCPT TO:", "<" + to + ">", 2);
            session.command("DATA", "DATA", "", 3);
            std::istringstream in(message);
            bodyGone = true;
            session.sendMessage(in); // dot-stuffs, ends with CRLF.CRLF, throws on a refusal
            try {
                session.close();
            } catch (const Poco::Exception&) {
                // The message was taken: a QUIT that goes wrong changes nothing.
            }
            return Result::success();
        } catch (const Refused& r) {
            return classify(r.status, redact(r.text, to), bodyGone);
        } catch (const Poco::Net::SMTPException& e) {
            // A reply refusing the message, even to its body: the server said it did not take it.
            return classify(e.code(), redact(e.message(), to), bodyGone);
        } catch (const Poco::Net::SSLException& e) {
            return Result::permanent(
                where_ + ": TLS handshake failed (check the server's certificate, or tls.ca_file): " + e.message());
        } catch (const Poco::TimeoutException&) {
            return lost(bodyGone, where_ + ": timed out waiting for the server");
        } catch (const Poco::Net::ConnectionRefusedException&) {
            return Result::retryableNotSent(where_ + ": connection refused");
        } catch (const Poco::Exception& e) {
            return lost(bodyGone, where_ + ": " + e.displayText());
        }
    }

    // A connection that failed without an answer: possibly sent only once the body had started to go.
    static Result lost(bool bodyGone, const std::string& why) {
        return bodyGone ? Result::retryable(why) : Result::retryableNotSent(why);
    }

    // The server's reply may repeat what it was sent (a recipient, a line of the body): it reaches logs and
    // staff only scrubbed of anything shaped like a patient detail.
    [[nodiscard]] Result classify(int status, const std::string& text, bool bodyGone) const {
        std::string message = where_ + ": " + clinhub::kit::scrub(text, 300);
        while (!message.empty() && (message.back() == '\r' || message.back() == '\n'))
            message.pop_back();
        if (status / 100 == 5) return Result::permanent(message);
        // A 4xx is the server's word that it did not take the message; anything else is no clear answer.
        if (status / 100 == 4) return Result::retryableNotSent(message);
        return lost(bodyGone, message);
    }

    clinhub::Host host_;
    Config config_;
    std::string where_;
    Poco::Net::Context::Ptr context_;
};

} // namespace

CLINHUB_PLUGIN(SmtpEmail, "smtp-email", "1.0.0",
               "Email through an SMTP submission server: STARTTLS, AUTH PLAIN/LOGIN, multipart text + HTML",
               smtpemail::kConfigMap.schema())

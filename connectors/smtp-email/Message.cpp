#include "Message.h"

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/StringPartSource.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace smtpemail {

namespace {

using Poco::Net::MailMessage;

bool ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x80; });
}

// Header text: line breaks and other controls become spaces (no header injection), non-ASCII goes as an
// RFC 2047 encoded word.
std::string headerText(const std::string& s) {
    std::string out = s;
    std::replace_if(
        out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
    return ascii(out) ? out : MailMessage::encodeWord(out, "UTF-8");
}

std::string mailbox(const std::string& name, const std::string& address) {
    if (name.empty()) return address;
    if (!ascii(name)) return headerText(name) + " <" + address + ">";
    std::string quoted;
    for (char c : name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return "\"" + headerText(quoted) + "\" <" + address + ">";
}

} // namespace

std::string messageIdFor(const std::string& reference, const std::string& from) {
    std::string left = "clinhub.";
    for (unsigned char c : reference) {
        if (std::isalnum(c) || c == '-' || c == '_') {
            left += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789ABCDEF";
            left += '=';
            left += hex[c >> 4];
            left += hex[c & 15];
        }
    }
    return "<" + left + "@" + from.substr(from.find('@') + 1) + ">";
}

std::string compose(const Config& config, const clinhub::Email& email, const std::string& messageId) {
    MailMessage message;
    message.setSender(mailbox(config.fromName, config.from));
    message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, email.to));
    message.setSubject(headerText(email.subject));
    if (!config.replyTo.empty()) message.set("Reply-To", config.replyTo);
    message.set("Message-ID", messageId);
    message.set("X-Clinhub-Reference", headerText(email.reference));
    if (email.html.empty()) {
        message.setContentType("text/plain; charset=UTF-8");
        message.setContent(email.text, MailMessage::ENCODING_QUOTED_PRINTABLE);
    } else {
        message.addPart("", new Poco::Net::StringPartSource(email.text, "text/plain; charset=UTF-8"),
                        MailMessage::CONTENT_INLINE, MailMessage::ENCODING_QUOTED_PRINTABLE);
        message.addPart("", new Poco::Net::StringPartSource(email.html, "text/html; charset=UTF-8"),
                        MailMessage::CONTENT_INLINE, MailMessage::ENCODING_QUOTED_PRINTABLE);
        // Parts make the message multipart/mixed; alternative tells the reader to show the best one.
        message.setContentType("multipart/alternative");
    }
    std::ostringstream out;
    message.write(out);
    return out.str();
}

} // namespace smtpemail

// Builds the RFC 5322 message for one email: From (and Reply-To) from the config, multipart/alternative
// text + HTML, and a Message-ID made from the hub's reference so a message sent twice is recognisably the
// same message to the receiving side.
#pragma once

#include "Config.h"

#include <clinhub/plugin.hpp>

#include <string>

namespace smtpemail {

// "<clinhub.REF@domain-of-from>", the reference's unusual characters written as =XX.
std::string messageIdFor(const std::string& reference, const std::string& from);

// The message, headers and body, with LF line ends (the SMTP session makes them CRLF and dot-stuffs).
std::string compose(const Config& config, const clinhub::Email& email, const std::string& messageId);

} // namespace smtpemail

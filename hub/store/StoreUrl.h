// Store URLs as people may see them: in logs, in errors, in `config check`. A config may hold a password
// in its store URL (best not: libpq's PGPASSWORD or ~/.pgpass keep it out), so nothing shows one.
#pragma once

#include <string>

namespace clinhub::store {

// `url` with any password replaced by "***", whatever the scheme or shape: the user-info part
// (scheme://USER:PASSWORD@…, or scheme:USER:PASSWORD@… without the slashes, a password holding '@' or '/'
// included) and any query parameter whose name holds "password" (?password=…, ?sslpassword=…).
std::string withoutPassword(const std::string& url);

// `text` (a driver's message, say) with every copy of the password in `url`, as written and
// percent-decoded, replaced by "***".
std::string hidingPassword(std::string text, const std::string& url);

} // namespace clinhub::store

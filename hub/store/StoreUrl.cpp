#include "hub/store/StoreUrl.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace clinhub::store {
namespace {

constexpr const char* kHidden = "***";

// Where the part after "scheme:" (and its "//", if any) starts; 0 when `url` has no scheme.
std::size_t afterScheme(const std::string& url) {
    const auto colon = url.find(':');
    if (colon == std::string::npos || colon == 0) return 0;
    const bool scheme = std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
    });
    if (!scheme) return 0;
    return url.compare(colon + 1, 2, "//") == 0 ? colon + 3 : colon + 1;
}

// The [begin, end) of each password in `url`: the user-info's, then the query's.
std::vector<std::pair<std::size_t, std::size_t>> passwords(const std::string& url) {
    std::vector<std::pair<std::size_t, std::size_t>> found;
    const std::size_t start = afterScheme(url);
    const std::size_t query = std::min(url.find('?', start), url.size());
    // The last '@' before the query ends the user-info: a password may hold an unescaped '@' or '/', and
    // showing a little too little of a URL is better than a little of a password.
    const auto at = url.rfind('@', query == 0 ? 0 : query - 1);
    if (at != std::string::npos && at >= start)
        if (const auto colon = url.find(':', start); colon != std::string::npos && colon < at)
            found.emplace_back(colon + 1, at);
    for (std::size_t pos = query; pos < url.size();) {
        const std::size_t end = std::min(url.find('&', pos + 1), url.size());
        const std::size_t equals = url.find('=', pos + 1);
        if (equals != std::string::npos && equals < end) {
            std::string name = url.substr(pos + 1, equals - pos - 1);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (name.find("password") != std::string::npos) found.emplace_back(equals + 1, end);
        }
        pos = end;
    }
    return found;
}

void replaceAll(std::string& text, const std::string& secret) {
    if (secret.empty()) return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), kHidden);
}

} // namespace

std::string withoutPassword(const std::string& url) {
    std::string out = url;
    const auto found = passwords(url);
    // From the last, so the earlier positions stay right.
    for (auto it = found.rbegin(); it != found.rend(); ++it)
        out.replace(it->first, it->second - it->first, kHidden);
    return out;
}

std::string hidingPassword(std::string text, const std::string& url) {
    for (const auto& [begin, end] : passwords(url)) {
        std::string raw = url.substr(begin, end - begin);
        std::string decoded;
        try {
            Poco::URI::decode(raw, decoded);
        } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): a malformed escape is hidden as written
        }
        // The longer first, so a shorter one inside it cannot leave part of it showing.
        if (decoded.size() > raw.size()) std::swap(decoded, raw);
        replaceAll(text, raw);
        replaceAll(text, decoded);
    }
    return text;
}

} // namespace clinhub::store

#include "hub/store/Session.h"

namespace clinhub::store {

ThreadCounts& threadCounts() {
    thread_local ThreadCounts counts;
    return counts;
}

std::string placeholdersFor(Dialect dialect, std::string_view sql) {
    if (dialect == Dialect::sqlite || sql.find('?') == std::string_view::npos) return std::string(sql);
    std::string out;
    out.reserve(sql.size() + 16);
    int number = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'' || c == '"') { // a quoted literal or identifier, with its quote doubled inside
            const std::size_t end = sql.find(c, i + 1);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { // a comment to the end of the line
            const std::size_t end = sql.find('\n', i);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '?') {
            out += '$';
            out += std::to_string(++number);
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace clinhub::store

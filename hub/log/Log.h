// Structured JSON log lines on stderr, one object per line.
//
// Fields are chosen by the caller, so the rule lives here: never pass a name, NHS number, phone number,
// date of birth or message body. Log references and ids instead.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace clinhub::log {

enum class Level { debug, info, warning, error };

using Field = std::pair<std::string_view, std::string>;

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::info, event, fields);
}
inline void warning(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::warning, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::error, event, fields);
}

void setMinimumLevel(Level level);

// The request id of the HTTP request this thread is serving, added to every line it logs.
class RequestScope {
public:
    explicit RequestScope(std::string requestId);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;
    static const std::string& current();

private:
    std::string previous_;
};

} // namespace clinhub::log

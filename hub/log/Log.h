// Structured JSON log lines on stderr, one object per line.
//
// Fields are chosen by the caller, so the rule lives here: never pass a name, NHS number, phone number,
// date of birth or message body. Log references and ids instead.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace clinhub::log {

enum class Level { debug, info, warning, error };

// "debug", "info", "warning" or "error"; nullopt for anything else.
std::optional<Level> levelNamed(std::string_view name);

// A field's value: text, or a count, number or switch written as JSON's own ("port":8080, not "8080"), so a
// log pipeline can compare and sum them. Implicit, so a call reads {{"port", port}, {"file", path}}.
class Value {
public:
    Value(std::string text) : value_(std::move(text)) {}
    Value(const char* text) : value_(std::string(text)) {}
    Value(std::string_view text) : value_(std::string(text)) {}
    template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>) Value(T number)
        : value_(static_cast<std::int64_t>(number)) {}
    Value(double number) : value_(number) {}
    Value(bool flag) : value_(flag) {}

    [[nodiscard]] const std::variant<std::string, std::int64_t, double, bool>& get() const { return value_; }

private:
    std::variant<std::string, std::int64_t, double, bool> value_;
};

using Field = std::pair<std::string_view, Value>;

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

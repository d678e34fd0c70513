#include "hub/log/Log.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <sstream>

namespace clinhub::log {
namespace {

std::atomic<Level> minimum{Level::info};
std::mutex outputMutex;
thread_local std::string requestId;

const char* name(Level level) {
    switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
    }
    return "info";
}

} // namespace

void setMinimumLevel(Level level) { minimum = level; }

std::optional<Level> levelNamed(std::string_view name) {
    for (const Level level : {Level::debug, Level::info, Level::warning, Level::error})
        if (name == ::clinhub::log::name(level)) return level;
    return std::nullopt;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (level < minimum.load()) return;
    Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
    line.set("time", Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%iZ"));
    line.set("level", name(level));
    line.set("event", std::string(event));
    if (!requestId.empty()) line.set("request_id", requestId);
    for (const auto& field : fields)
        std::visit([&line, &field](const auto& v) { line.set(std::string(field.first), v); }, field.second.get());
    std::ostringstream out;
    line.stringify(out);
    out << '\n';
    const std::lock_guard lock(outputMutex);
    std::cerr << out.str() << std::flush;
}

RequestScope::RequestScope(std::string id) : previous_(std::exchange(requestId, std::move(id))) {}
RequestScope::~RequestScope() { requestId = std::move(previous_); }
const std::string& RequestScope::current() { return requestId; }

} // namespace clinhub::log

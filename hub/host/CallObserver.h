// What the host tells about each call it makes into a plugin, so that a layer above it (app: metrics and
// /status) can watch every connector without the host knowing how it is watched.
#pragma once

#include <clinhub/plugin.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace clinhub::host {

// The calls of the plugin ABI, as metric labels: a fixed set, so a label never carries data. Lookups and
// receipts of the SMS, email and patient-messaging kinds share their names, as the calls do.
enum class Operation {
    slotTypes,
    freeSlots,
    book,
    cancel,
    reschedule,
    writeCode,
    findPatient,
    history,
    send,
    lookup,
    receipt,
};
inline constexpr std::size_t kOperations = 11;

constexpr std::string_view toString(Operation op) {
    constexpr std::array<std::string_view, kOperations> names{"slot_types", "free_slots", "book",         "cancel",
                                                              "reschedule", "write_code", "find_patient", "history",
                                                              "send",       "lookup",     "receipt"};
    return names.at(static_cast<std::size_t>(op));
}

// The watcher of one connector instance, made when the instance is. Called on the calling thread after
// every call, however it ended, so it must be cheap and must not throw. `ended` is when the call returned,
// on the clock that timed it: a watcher that wants the time of day reads it when it is asked, not per call
// (a clock read is most of what watching costs).
class ConnectorCalls {
public:
    virtual ~ConnectorCalls() = default;
    virtual void called(Operation operation, const Result& result, std::chrono::nanoseconds took,
                        std::chrono::steady_clock::time_point ended) noexcept = 0;
};

class CallObserver {
public:
    virtual ~CallObserver() = default;
    // A watcher for a new instance of `connector` (a reload makes new instances under the same names); may
    // return nullptr to watch nothing. `plugin` is the plugin's name.
    virtual std::shared_ptr<ConnectorCalls> watch(const std::string& connector, const std::string& plugin) = 0;
};

} // namespace clinhub::host

#include "hub/app/Supervisor.h"

#include "hub/log/Log.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>

namespace clinhub::app {
namespace {

void notify(const std::string& state) {
    // Not unsetting the environment: a reload's and a stop's notices go to the same socket.
    if (const int rc = sd_notify(0, state.c_str()); rc < 0)
        log::warning("systemd_notify_failed", {{"error", std::strerror(-rc)}});
}

// systemd 253's Type=notify-reload wants the time of a reload; earlier ones ignore it.
std::string monotonicNow() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::to_string(static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                          static_cast<std::uint64_t>(now.tv_nsec) / 1000);
}

} // namespace

Supervisor::Supervisor(std::function<bool()> alive) : alive_(std::move(alive)) {}

Supervisor::~Supervisor() = default;

void Supervisor::ready(const std::string& status) {
    notify("READY=1\nSTATUS=" + status);
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    // Half the interval, as sd_watchdog_enabled(3) advises: one late ping is not a restart.
    const auto every = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::microseconds(usec / 2));
    log::info("systemd_watchdog", {{"ping_every_ms", every.count()}});
    watchdog_ = std::make_unique<Periodic>("systemd_watchdog", std::max(every, std::chrono::milliseconds(1)), [this] {
        if (alive_()) notify("WATCHDOG=1");
    });
    if (alive_()) notify("WATCHDOG=1");
}

void Supervisor::reloading() { notify("RELOADING=1\nMONOTONIC_USEC=" + monotonicNow()); }

void Supervisor::reloaded(const std::string& status) { notify("READY=1\nSTATUS=" + status); }

void Supervisor::stopping() {
    // The pings stop with the hub: a shutdown that hangs is then systemd's to end (TimeoutStopSec).
    watchdog_.reset();
    notify("STOPPING=1\nSTATUS=stopping");
}

} // namespace clinhub::app

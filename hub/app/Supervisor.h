// What systemd is told of a serving hub (Type=notify): ready, reloading, stopping, and, while the hub is
// alive, the watchdog's ping. Without NOTIFY_SOCKET (run by hand, by a test, by another supervisor) every
// call does nothing.
#pragma once

#include "hub/app/Periodic.h"

#include <functional>
#include <memory>
#include <string>

namespace clinhub::app {

class Supervisor {
public:
    // `alive` says whether the hub still serves; the watchdog is fed only while it does, so a hub whose
    // server or outbox workers have gone is restarted rather than kept on as a shell.
    explicit Supervisor(std::function<bool()> alive);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Serving: systemd's start job ends here (so `systemctl start` returns once the port answers), and
    // with WatchdogSec= the pings start, at half its interval.
    void ready(const std::string& status);
    // Around a SIGHUP's reload: systemctl reload waits for the second.
    void reloading();
    void reloaded(const std::string& status);
    void stopping();

private:
    std::function<bool()> alive_;
    std::unique_ptr<Periodic> watchdog_;
};

} // namespace clinhub::app

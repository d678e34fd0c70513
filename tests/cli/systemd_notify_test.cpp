// `clinhub serve` under systemd's Type=notify, for real: the test is systemd's end of NOTIFY_SOCKET, a unix
// datagram socket the hub's notices arrive at.
#include "tests/cli/HubProcess.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace clinhub::test {
namespace {

// systemd's side of the socket: every notice the hub sends, one datagram each.
class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof address.sun_path - 1);
        bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
        // A wait for a notice ends within a few seconds when none comes, so a hub that never sends fails
        // the test rather than hanging it.
        timeval patience{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    }
    ~NotifySocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] bool bound() const { return bound_; }

    // Notices until one holds `line` (as a line of its own); every notice read is kept in seen().
    bool awaitLine(const std::string& line) {
        for (int i = 0; i < 1000; ++i) {
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n < 0) return false;
            seen_.emplace_back(buffer, static_cast<std::size_t>(n));
            if (("\n" + seen_.back() + "\n").find("\n" + line + "\n") != std::string::npos) return true;
        }
        return false;
    }

    [[nodiscard]] std::string seen() const {
        std::string out;
        for (const auto& s : seen_)
            out += "[" + s + "] ";
        return out;
    }

private:
    std::string path_;
    int fd_ = -1;
    bool bound_ = false;
    std::vector<std::string> seen_;
};

// The child inherits the environment it is started with: set for the start only.
class StartedUnderSystemd {
public:
    StartedUnderSystemd(const std::string& socket, const std::string& watchdogMicros) {
        ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
        if (!watchdogMicros.empty()) ::setenv("WATCHDOG_USEC", watchdogMicros.c_str(), 1);
    }
    ~StartedUnderSystemd() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
    }
    StartedUnderSystemd(const StartedUnderSystemd&) = delete;
    StartedUnderSystemd& operator=(const StartedUnderSystemd&) = delete;
};

TEST(SystemdNotify, ServeSaysReadyPingsTheWatchdogMarksAReloadAndSaysStoppingOnSigterm) {
    TempDir dir;
    NotifySocket systemd(dir.file("notify.sock"));
    ASSERT_TRUE(systemd.bound());
    std::unique_ptr<HubProcess> hub;
    {
        // 200 ms: pings every 100 ms, so the test sees several without waiting long.
        const StartedUnderSystemd env(dir.file("notify.sock"), "200000");
        hub = std::make_unique<HubProcess>(writeEmbeddedConfig(dir), dir);
    }
    ASSERT_TRUE(hub->started()) << hub->log();

    ASSERT_TRUE(systemd.awaitLine("READY=1")) << systemd.seen();
    EXPECT_NE(systemd.seen().find("STATUS=serving on port " + std::to_string(hub->port())), std::string::npos)
        << systemd.seen();
    ASSERT_TRUE(systemd.awaitLine("WATCHDOG=1")) << systemd.seen();
    ASSERT_TRUE(systemd.awaitLine("WATCHDOG=1")) << "pinged again: " << systemd.seen();

    hub->signal(SIGHUP);
    ASSERT_TRUE(systemd.awaitLine("RELOADING=1")) << systemd.seen();
    ASSERT_TRUE(systemd.awaitLine("READY=1")) << "ready again after the reload: " << systemd.seen();

    hub->signal(SIGTERM);
    EXPECT_TRUE(systemd.awaitLine("STOPPING=1")) << systemd.seen();
    EXPECT_EQ(hub->wait(), 0);
    const std::string log = hub->log();
    EXPECT_NE(log.find("\"event\":\"hub_stopping\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"event\":\"hub_stopped\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"requests_finished\""), std::string::npos) << log;
}

TEST(SystemdNotify, WithoutAWatchdogServeSaysReadyAndNeverPings) {
    TempDir dir;
    NotifySocket systemd(dir.file("notify.sock"));
    ASSERT_TRUE(systemd.bound());
    std::unique_ptr<HubProcess> hub;
    {
        const StartedUnderSystemd env(dir.file("notify.sock"), ""); // no WatchdogSec=
        hub = std::make_unique<HubProcess>(writeEmbeddedConfig(dir), dir);
    }
    ASSERT_TRUE(hub->started()) << hub->log();
    ASSERT_TRUE(systemd.awaitLine("READY=1")) << systemd.seen();
    hub->signal(SIGTERM);
    EXPECT_TRUE(systemd.awaitLine("STOPPING=1")) << systemd.seen();
    EXPECT_EQ(systemd.seen().find("WATCHDOG=1"), std::string::npos) << "the notices up to STOPPING: " << systemd.seen();
    EXPECT_EQ(hub->wait(), 0);
}

} // namespace
} // namespace clinhub::test

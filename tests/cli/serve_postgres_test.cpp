// `clinhub serve` on PostgreSQL when the database goes away under it.
#include "tests/cli/HubProcess.h"
#include "tests/pg/PgDatabase.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <list>
#include <mutex>
#include <thread>

namespace clinhub::test {
namespace {

// A TCP relay to the test cluster that the test can cut, as a failed network or a stopped server would.
class Relay {
public:
    explicit Relay(std::uint16_t target)
        : target_("127.0.0.1", target), listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
        acceptor_ = std::thread([this] { accept(); });
    }
    ~Relay() {
        cut();
        acceptor_.join();
        for (auto& pump : pumps_)
            pump.join();
    }
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    [[nodiscard]] std::uint16_t port() const { return listener_.address().port(); }

    // Ends every connection and takes no more.
    void cut() {
        const std::lock_guard lock(mutex_);
        cut_ = true;
        for (auto& socket : sockets_)
            try {
                socket.shutdown();
            } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): already closed by its peer
            }
    }

private:
    void accept() {
        while (!cut_) {
            if (!listener_.poll(Poco::Timespan(0, 50'000), Poco::Net::Socket::SELECT_READ)) continue;
            Poco::Net::StreamSocket client = listener_.acceptConnection();
            const std::lock_guard lock(mutex_);
            if (cut_) break;
            Poco::Net::StreamSocket server(target_);
            auto& a = sockets_.emplace_back(client);
            auto& b = sockets_.emplace_back(server);
            pumps_.emplace_back([&a, &b] { pump(a, b); });
            pumps_.emplace_back([&a, &b] { pump(b, a); });
        }
        listener_.close();
    }

    static void pump(Poco::Net::StreamSocket from, Poco::Net::StreamSocket to) {
        char buffer[16384];
        try {
            for (int n; (n = from.receiveBytes(buffer, sizeof buffer)) > 0;)
                to.sendBytes(buffer, n);
            to.shutdown();
        } catch (const Poco::Exception&) { // NOLINT(bugprone-empty-catch): the relay was cut
        }
    }

    Poco::Net::SocketAddress target_;
    Poco::Net::ServerSocket listener_;
    std::atomic<bool> cut_{false};
    std::mutex mutex_;
    std::list<Poco::Net::StreamSocket> sockets_;
    std::list<std::thread> pumps_;
    std::thread acceptor_;
};

// /readyz may be seen by whoever reaches the port: the driver's words (host, user, database, libpq's
// message) stay in the log.
TEST(ServeOnPostgresql, ReadyzSaysStoreUnreachableAndNothingOfTheDriver) {
    TempDir dir;
    PgDatabase db;
    // postgresql://USER@127.0.0.1:PORT/NAME, through the relay, with a password the cluster does not ask for.
    const std::string& url = db.url();
    const auto hostAt = url.find("@127.0.0.1:");
    const auto portEnd = url.find('/', hostAt);
    Relay relay(static_cast<std::uint16_t>(std::stoi(url.substr(hostAt + 11, portEnd - hostAt - 11))));
    const std::string relayed =
        url.substr(0, hostAt) + ":s3cret-pw@127.0.0.1:" + std::to_string(relay.port()) + url.substr(portEnd);
    std::ofstream(dir.file("hub.yaml"))
        << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:0\n  store: \"" << relayed
        << R"("
organisations:
  A12345:
    name: Test Surgery
    route: {}
)";
    HubProcess hub(dir.file("hub.yaml"), dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_EQ(hub.get("/readyz").status, 200) << hub.get("/readyz").body;

    relay.cut();
    const auto ready = hub.get("/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.body, R"({"status":"not ready","problems":["store unreachable"]})");
    const std::string log = hub.log();
    EXPECT_NE(log.find("\"event\":\"store_unreachable\""), std::string::npos) << "the reason is logged: " << log;
    EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << log;
}

} // namespace
} // namespace clinhub::test

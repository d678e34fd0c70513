#include "TcpListener.h"

#include <Poco/Exception.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>

#include <chrono>
#include <thread>

namespace systmone {

namespace {

constexpr const char* kEnd = "<EOF>";
constexpr std::size_t kEndSize = 5;
constexpr std::size_t kMaxMessage = 1 << 20;

class Connection : public Poco::Net::TCPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, ClientIntegration& api, clinhub::sim::Faults& faults, int idleMs)
        : TCPServerConnection(socket), api_(api), faults_(faults), idleMs_(idleMs) {}

    void run() override {
        auto& s = socket();
        s.setNoDelay(true);
        s.setReceiveTimeout(Poco::Timespan(static_cast<long>(idleMs_) * 1000));
        std::string buffer;
        try {
            while (true) {
                std::string request;
                if (!next(buffer, request)) return;
                if (const int ms = faults_.latencyMs(); ms > 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                if (faults_.drop()) return;
                const Answer a = api_.serve(request, true);
                if (a.kind == Answer::Kind::drop) return;
                const std::string out = a.body + kEnd;
                for (std::size_t sent = 0; sent < out.size();)
                    sent +=
                        static_cast<std::size_t>(s.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent)));
            }
        } catch (const Poco::Exception&) {
            // Idle timeout, or the client went away: either way this connection is over.
        }
    }

private:
    // Reads up to the next <EOF>; false when the client closed, or sent more than a message may hold.
    bool next(std::string& buffer, std::string& request) {
        char chunk[16384];
        std::size_t at;
        while ((at = buffer.find(kEnd)) == std::string::npos) {
            if (buffer.size() > kMaxMessage) return false;
            const int n = socket().receiveBytes(chunk, sizeof chunk);
            if (n <= 0) return false;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
        request = buffer.substr(0, at);
        buffer.erase(0, at + kEndSize);
        return true;
    }

    ClientIntegration& api_;
    clinhub::sim::Faults& faults_;
    int idleMs_;
};

class Factory : public Poco::Net::TCPServerConnectionFactory {
public:
    Factory(ClientIntegration& api, clinhub::sim::Faults& faults, int idleMs)
        : api_(api), faults_(faults), idleMs_(idleMs) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, api_, faults_, idleMs_);
    }

private:
    ClientIntegration& api_;
    clinhub::sim::Faults& faults_;
    int idleMs_;
};

} // namespace

TcpListener::TcpListener(const Poco::Net::ServerSocket& socket, ClientIntegration& api, clinhub::sim::Faults& faults,
                         int idleMs)
    : pool_(2, 64) {
    auto* params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(64);
    server_ = std::make_unique<Poco::Net::TCPServer>(new Factory(api, faults, idleMs), pool_, socket, params);
    server_->start();
}

TcpListener::~TcpListener() { server_->stop(); }

Poco::JSON::Object TcpListener::stats() const {
    Poco::JSON::Object o;
    o.set("accepted", server_->totalConnections());
    o.set("open", server_->currentConnections());
    o.set("max_open", server_->maxConcurrentConnections());
    return o;
}

} // namespace systmone

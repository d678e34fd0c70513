// The TCP transport of the simulated local client: XML messages each ended by the literal <EOF>, any
// number per connection, answered in order. The same faults as over HTTP: latency before answering,
// a dropped connection (closed without a reply), and whatever ClientIntegration decides. A connection
// idle for `idleMs` is closed, as the real client does, so connectors must reconnect.
#pragma once

#include "ClientIntegration.h"

#include "Faults.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>

namespace systmone {

class TcpListener {
public:
    TcpListener(const Poco::Net::ServerSocket& socket, ClientIntegration& api, clinhub::sim::Faults& faults,
                int idleMs);
    // Connections accepted, open now and open at most at once, so tests can see how a client keeps them.
    [[nodiscard]] Poco::JSON::Object stats() const;
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

private:
    Poco::ThreadPool pool_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
};

} // namespace systmone

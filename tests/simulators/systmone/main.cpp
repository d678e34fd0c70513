// systmone_sim: a SystmOne-style Client Integration endpoint for connector tests, over both transports.
//
//   systmone_sim --fixture fixture.json [common SimServer flags]
//                [--tcp-port N] [--tcp-port-file FILE] [--idle-timeout-ms N] [--report-port http|tcp]
//
// HTTP variant: GET <any path>?requestString=<url-encoded ClientIntegrationRequest> on the SimServer port,
// which also carries /_sim/. TCP variant: messages ended by <EOF> on a second port (--tcp-port, default a
// free one), written to --tcp-port-file. --report-port tcp writes the TCP port to --port-file instead and
// puts the HTTP server on the TCP port + 1, for harnesses that substitute a single {port}.
//
// Inspection (JSON): GET /_sim/appointments, /_sim/records (coded entries), /_sim/slots, /_sim/requests
// (per Function, RequestUIDs seen and repeated, TCP connections accepted, open and most open at once).
// POST /_sim/canned {"body": "...", "count": N} answers the next N requests with body ("{uid}" becomes the
// request's RequestUID); DELETE /_sim/canned forgets them.
#include "Book.h"
#include "ClientIntegration.h"
#include "Fixture.h"
#include "TcpListener.h"

#include "SimServer.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

namespace {

using clinhub::sim::send;
using namespace systmone;

std::string json(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

void serveProtocol(ClientIntegration& api, Poco::Net::HTTPServerRequest& request,
                   Poco::Net::HTTPServerResponse& response) {
    if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET)
        return send(response, 405, "text/plain", "the HTTP variant is GET ?requestString=<xml>\n");
    std::string xml;
    bool found = false;
    for (const auto& [name, value] : Poco::URI(request.getURI()).getQueryParameters())
        if (name == "requestString") {
            xml = value;
            found = true;
        }
    if (!found) return send(response, 400, "text/plain", "requestString is missing\n");
    const Answer a = api.serve(xml, false);
    switch (a.kind) {
    case Answer::Kind::reply: return send(response, 200, "text/xml; charset=utf-8", a.body);
    case Answer::Kind::serverError: return send(response, 500, "text/plain", a.body);
    case Answer::Kind::drop: throw clinhub::sim::DropConnection{};
    }
}

void inspect(Book& book, ClientIntegration& api, const TcpListener& tcp, Poco::Net::HTTPServerRequest& request,
             Poco::Net::HTTPServerResponse& response) {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const std::string& method = request.getMethod();
    if (method == "GET" && path == "/_sim/appointments")
        return send(response, 200, "application/json", json(book.appointmentsJson()));
    if (method == "GET" && path == "/_sim/records")
        return send(response, 200, "application/json", json(book.recordsJson()));
    if (method == "GET" && path == "/_sim/slots")
        return send(response, 200, "application/json", json(book.slotsJson()));
    if (method == "GET" && path == "/_sim/requests") {
        Poco::JSON::Object o = api.requestsJson();
        o.set("tcp", tcp.stats());
        return send(response, 200, "application/json", json(o));
    }
    if (method == "POST" && path == "/_sim/canned") {
        try {
            const auto o =
                Poco::JSON::Parser().parse(clinhub::sim::readBody(request)).extract<Poco::JSON::Object::Ptr>();
            api.addCanned(o->getValue<std::string>("body"), o->optValue<int>("count", 1));
        } catch (const Poco::Exception& e) {
            return send(response, 400, "text/plain", e.displayText() + "\n");
        }
        return send(response, 200, "application/json", "{}");
    }
    if (method == "DELETE" && path == "/_sim/canned") {
        api.clearCanned();
        return send(response, 200, "application/json", "{}");
    }
    send(response, 404, "text/plain", "no such control path\n");
}

// Takes a free TCP port whose successor is free too, for --report-port tcp.
Poco::Net::ServerSocket pairedTcpSocket(std::uint16_t& httpPort) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        Poco::Net::ServerSocket tcp(Poco::Net::SocketAddress("127.0.0.1", 0), 64);
        const auto next = static_cast<std::uint16_t>(tcp.address().port() + 1);
        try {
            Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", next), 1);
            probe.close();
            httpPort = next;
            return tcp;
        } catch (const Poco::Exception&) {
            // Taken: try another pair.
        }
    }
    throw std::runtime_error("no free pair of adjacent ports");
}

// Writes the report file once the HTTP server answers, so a harness that reads it can use /_sim/ at once.
void reportWhenListening(std::uint16_t httpPort, std::string file, std::uint16_t port) {
    std::thread([=] {
        for (int i = 0; i < 400; ++i) {
            try {
                Poco::Net::StreamSocket probe(Poco::Net::SocketAddress("127.0.0.1", httpPort));
                clinhub::sim::SimServer::writePortFile(file, std::to_string(port));
                return;
            } catch (const Poco::Exception&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
            }
        }
    }).detach();
}

} // namespace

int main(int argc, char** argv) {
    auto options = clinhub::sim::Options::parse(argc, argv, "systmone_sim",
                                                {"tcp-port", "tcp-port-file", "idle-timeout-ms", "report-port"});
    try {
        Book book;
        Access access = loadFixture(options.fixture, book);
        const int idleMs = std::stoi(options.extraOr("idle-timeout-ms", "30000"));
        const std::string report = options.extraOr("report-port", "http");
        if (report != "http" && report != "tcp") throw std::invalid_argument("--report-port is http or tcp");

        Poco::Net::ServerSocket tcpSocket;
        std::string reportFile;
        if (report == "tcp") {
            tcpSocket = pairedTcpSocket(options.port);
            reportFile = options.portFile;
            options.portFile.clear();
        } else {
            const auto port = static_cast<std::uint16_t>(std::stoul(options.extraOr("tcp-port", "0")));
            tcpSocket = Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", port), 64);
        }
        const std::uint16_t tcpPort = tcpSocket.address().port();

        clinhub::sim::SimServer server(options);
        ClientIntegration api(book, access, server.faults());
        TcpListener tcp(tcpSocket, api, server.faults(), idleMs);
        std::cerr << "systmone_sim: TCP transport on 127.0.0.1:" << tcpPort << '\n';
        clinhub::sim::SimServer::writePortFile(options.extraOr("tcp-port-file", ""), std::to_string(tcpPort));
        if (!reportFile.empty()) reportWhenListening(options.port, reportFile, tcpPort);

        const int status = server.run([&](auto& req, auto& res) { serveProtocol(api, req, res); },
                                      [&](auto& req, auto& res) { inspect(book, api, tcp, req, res); });
        // Connection threads may sit in a long idle read; the process is done, so leave without joining them.
        std::cerr.flush();
        std::_Exit(status);
    } catch (const Poco::Exception& e) {
        std::cerr << "systmone_sim: " << e.displayText() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "systmone_sim: " << e.what() << '\n';
        return 1;
    }
}

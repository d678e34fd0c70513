#include "SimServer.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <thread>

namespace clinhub::sim {

namespace {

[[noreturn]] void usage(const std::string& name, const std::string& problem,
                        const std::vector<std::string>& extraFlags) {
    std::cerr << name << ": " << problem << "\nusage: " << name
              << " --fixture FILE [--port N] [--port-file FILE] [--seed N] [--latency-ms N] [--error-rate P]"
                 " [--drop-rate P] [--malformed-rate P] [--steal-rate P] [--after-commit-rate P]";
    for (const auto& flag : extraFlags)
        std::cerr << " [--" << flag << " V]";
    std::cerr << '\n';
    std::exit(2);
}

class Dispatch : public Poco::Net::HTTPRequestHandler {
public:
    Dispatch(Faults& faults, const Handler& protocol, const Handler& inspect)
        : faults_(faults), protocol_(protocol), inspect_(inspect) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        const std::string path = request.getURI().substr(0, request.getURI().find('?'));
        try {
            if (path == "/_sim/faults") return control(request, response);
            if (path.rfind("/_sim/", 0) == 0) {
                if (inspect_) return inspect_(request, response);
                return send(response, 404, "text/plain", "no such control path\n");
            }
            if (const int ms = faults_.latencyMs(); ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            if (faults_.drop()) throw DropConnection{};
            protocol_(request, response);
            // A handler that answered without reading the body (an injected 500, a 429) must not leave it
            // on a kept-alive connection, where it would be read as the start of the next request.
            request.stream().ignore(std::numeric_limits<std::streamsize>::max());
        } catch (const DropConnection&) {
            // Poco answers 500 for a handler that throws before answering; closing the socket first, taken
            // from the session, leaves that answer nowhere to go: the client sees no reply at all.
            response.setKeepAlive(false);
            static_cast<Poco::Net::HTTPServerRequestImpl&>(request).detachSocket().close();
            throw Poco::Net::ConnectionAbortedException("simulated dropped connection");
        }
    }

private:
    void control(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
        const std::string& method = request.getMethod();
        if (method == "DELETE") {
            faults_.reset();
        } else if (method == "POST") {
            try {
                FaultSettings s = faults_.settings();
                const auto parsed = Poco::JSON::Parser().parse(readBody(request));
                s.merge(*parsed.extract<Poco::JSON::Object::Ptr>());
                faults_.set(s);
            } catch (const std::exception& e) {
                return send(response, 400, "text/plain", std::string(e.what()) + "\n");
            }
        } else if (method != "GET") {
            return send(response, 405, "text/plain", "GET, POST or DELETE\n");
        }
        std::ostringstream out;
        faults_.settings().toJson().stringify(out);
        send(response, 200, "application/json", out.str());
    }

    Faults& faults_;
    const Handler& protocol_;
    const Handler& inspect_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(Faults& faults, const Handler& protocol, const Handler& inspect)
        : faults_(faults), protocol_(protocol), inspect_(inspect) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Dispatch(faults_, protocol_, inspect_);
    }

private:
    Faults& faults_;
    const Handler& protocol_;
    const Handler& inspect_;
};

} // namespace

Options Options::parse(int argc, char** argv, const std::string& name, const std::vector<std::string>& extraFlags) {
    Options o;
    o.name = name;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag.rfind("--", 0) != 0) usage(name, "unexpected argument '" + flag + "'", extraFlags);
        if (i + 1 >= argc) usage(name, flag + " needs a value", extraFlags);
        const std::string value = argv[++i];
        const std::string key = flag.substr(2);
        try {
            if (key == "fixture")
                o.fixture = value;
            else if (key == "port")
                o.port = static_cast<std::uint16_t>(std::stoul(value));
            else if (key == "port-file")
                o.portFile = value;
            else if (key == "seed")
                o.seed = static_cast<unsigned>(std::stoul(value));
            else if (key == "latency-ms")
                o.faults.latencyMs = std::stoi(value);
            else if (key == "error-rate")
                o.faults.errorRate = std::stod(value);
            else if (key == "drop-rate")
                o.faults.dropRate = std::stod(value);
            else if (key == "malformed-rate")
                o.faults.malformedRate = std::stod(value);
            else if (key == "steal-rate")
                o.faults.stealRate = std::stod(value);
            else if (key == "after-commit-rate")
                o.faults.afterCommitRate = std::stod(value);
            else if (std::find(extraFlags.begin(), extraFlags.end(), key) != extraFlags.end())
                o.extra[key] = value;
            else
                usage(name, "unknown flag " + flag, extraFlags);
        } catch (const std::logic_error&) {
            usage(name, "bad value '" + value + "' for " + flag, extraFlags);
        }
    }
    if (o.fixture.empty()) usage(name, "--fixture is required", extraFlags);
    return o;
}

std::string Options::extraOr(const std::string& flag, const std::string& fallback) const {
    auto it = extra.find(flag);
    return it == extra.end() ? fallback : it->second;
}

SimServer::SimServer(Options options)
    : options_(std::move(options)), faults_(options_.faults, options_.seed.value_or(std::random_device{}())) {}

void SimServer::writePortFile(const std::string& file, const std::string& text) {
    if (file.empty()) return;
    // Written whole then renamed, so a reader never sees half a port number.
    const std::string tmp = file + ".tmp";
    std::ofstream(tmp) << text << '\n';
    std::rename(tmp.c_str(), file.c_str());
}

int SimServer::run(const Handler& protocol, const Handler& inspect) {
    // Blocked before any server thread starts, so only sigwait below ever sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", options_.port), 64);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    // A pool of its own: the default one stops at 16 threads, and every kept-alive client connection
    // holds a thread while it idles, so a few concurrent clients would leave new connections queued.
    Poco::ThreadPool pool(2, 64);
    Poco::Net::HTTPServer server(new Factory(faults_, protocol, inspect), pool, socket, params);
    server.start();
    const std::uint16_t port = socket.address().port();
    std::cerr << options_.name << ": listening on 127.0.0.1:" << port << '\n';
    writePortFile(options_.portFile, std::to_string(port));
    int signal = 0;
    sigwait(&stop, &signal);
    server.stopAll(true);
    return 0;
}

std::string readBody(Poco::Net::HTTPServerRequest& request) {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    return body;
}

void send(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType,
          const std::string& body) {
    // Poco 1.11's setStatus() keeps the reason phrase it had ("OK"): a 401 would go out as "401 OK".
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType(contentType);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

void sendOversized(Poco::Net::HTTPServerResponse& response, const std::string& contentType, const std::string& head,
                   int mebibytes) {
    response.setContentType(contentType);
    response.setChunkedTransferEncoding(true);
    const std::string padding(1 << 20, ' ');
    try {
        std::ostream& out = response.send();
        out << head;
        for (int i = 0; i < mebibytes && out; ++i)
            out.write(padding.data(), static_cast<std::streamsize>(padding.size()));
    } catch (const Poco::Exception&) {
        // The client stopped reading, as it should.
    }
}

} // namespace clinhub::sim

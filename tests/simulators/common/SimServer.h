// What every simulator shares: its command line, an HTTP server on a loopback port written to a port
// file, the fault injector and the control endpoint tests use to change faults mid-run.
//
//   <simulator> --fixture FILE [--port N] [--port-file FILE] [--seed N]
//               [--latency-ms N] [--error-rate P] [--drop-rate P] [--malformed-rate P] [--steal-rate P]
//               [--after-commit-rate P] [protocol flags...]
//
// Control endpoint (never part of the simulated protocol):
//   GET /_sim/faults          the faults in force
//   POST /_sim/faults         JSON with any of latency_ms, error_rate, drop_rate, malformed_rate, steal_rate,
//                             after_commit_rate: sets those
//   DELETE /_sim/faults       back to the flags given at start
//   Other /_sim/ paths go to the simulator's own inspection handler, if it has one.
#pragma once

#include "Faults.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::sim {

struct Options {
    std::string name;
    std::string fixture;
    std::uint16_t port = 0;
    std::string portFile;
    FaultSettings faults;
    std::optional<unsigned> seed;
    std::map<std::string, std::string> extra; // --flag value pairs the common parser does not know

    // Parses argv; on a bad or missing flag prints usage to stderr and exits with status 2.
    static Options parse(int argc, char** argv, const std::string& name, const std::vector<std::string>& extraFlags);
    [[nodiscard]] std::string extraOr(const std::string& flag, const std::string& fallback) const;
};

using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

// Thrown by a handler to close the connection without an answer.
struct DropConnection {};

class SimServer {
public:
    explicit SimServer(Options options);

    Faults& faults() { return faults_; }
    [[nodiscard]] const Options& options() const { return options_; }

    // Serves `protocol` for every path outside /_sim/ and `inspect` (if set) for /_sim/ paths other than
    // /_sim/faults, after applying latency and dropped connections. Writes the port file once listening,
    // then blocks until SIGTERM or SIGINT.
    int run(const Handler& protocol, const Handler& inspect = {});

    // For simulators with a second listener (plain TCP): the same atomic port-file convention.
    static void writePortFile(const std::string& file, const std::string& text);

private:
    Options options_;
    Faults faults_;
};

// Small helpers for handlers.
std::string readBody(Poco::Net::HTTPServerRequest& request);
void send(Poco::Net::HTTPServerResponse& response, int status, const std::string& contentType, const std::string& body);
// `head`, then `mebibytes` MiB of spaces, chunked: a reply whose size the client learns only by reading it.
void sendOversized(Poco::Net::HTTPServerResponse& response, const std::string& contentType, const std::string& head,
                   int mebibytes);

} // namespace clinhub::sim

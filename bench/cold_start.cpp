// Cold start to ready, and idle memory: `clinhub serve` with every shipped plugin against a bare Poco
// HTTP server (the named baseline), started the same way in the same run.
//
//   cold_start CLINHUB_EXE BASELINE_EXE [RUNS]
//
// The hub's store is CLINHUB_BENCH_STORE's (bench/Report.h): start-up opens it and checks its schema.
#include "Report.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace bench = clinhub::bench;
using Clock = std::chrono::steady_clock;

struct Run {
    double readyMs = 0;
    double rssMiB = 0;
};

bool ready(uint16_t port) {
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/readyz");
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response);
        return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
    } catch (const Poco::Exception&) {
        return false;
    }
}

double rssMiB(Poco::ProcessHandle::PID pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

// Starts the command, waits for its "on port N" line and then for /readyz to answer 200.
Run measure(const std::string& command) {
    Poco::Pipe out;
    const auto start = Clock::now();
    Poco::ProcessHandle handle =
        Poco::Process::launch("/bin/sh", {"-c", "exec " + command + " 2>/dev/null"}, nullptr, &out, nullptr);
    Poco::PipeInputStream stream(out);
    uint16_t port = 0;
    for (std::string line; port == 0 && std::getline(stream, line);)
        if (auto at = line.find("on port "); at != std::string::npos)
            port = static_cast<uint16_t>(std::stoi(line.substr(at + 8)));
    while (port != 0 && !ready(port))
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    Run run;
    run.readyMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(500)); // idle: let start-up work settle
    run.rssMiB = rssMiB(handle.id());
    ::kill(static_cast<pid_t>(handle.id()), SIGTERM);
    handle.wait();
    if (port == 0) throw std::runtime_error("no port line from: " + command);
    return run;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double p95(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * 0.95))];
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: cold_start CLINHUB_EXE BASELINE_EXE [RUNS]\n";
        return 2;
    }
    const std::string clinhub = argv[1];
    const std::string baseline = argv[2];
    const int runs = argc > 3 ? std::stoi(argv[3]) : 15;

    const auto dir = std::filesystem::temp_directory_path() / ("clinhub-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "hub.yaml") << R"(hub:
  listen: 127.0.0.1:0
)" << bench::storeYaml() << R"(connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Bench Surgery
    route: {appointment_book: book, sms: [outbox], email: outbox}
)";
    const std::string hubCommand = "'" + clinhub + "' serve --config '" + (dir / "hub.yaml").string() + "'";
    measure(hubCommand); // the first start migrates and creates files: measure restarts, as in production

    std::vector<double> hubMs, hubRss, baseMs, baseRss;
    for (int i = 0; i < runs; ++i) {
        const Run b = measure("'" + baseline + "'");
        baseMs.push_back(b.readyMs);
        baseRss.push_back(b.rssMiB);
        const Run h = measure(hubCommand);
        hubMs.push_back(h.readyMs);
        hubRss.push_back(h.rssMiB);
    }
    std::filesystem::remove_all(dir);

    std::printf("cold start to /readyz, %d runs each, %s store (baseline: bare Poco HTTPServer process)\n", runs,
                bench::storeName());
    std::printf("%-34s %12s %12s %8s\n", "figure", "clinhub", "baseline", "ratio");
    std::printf("%-34s %12.1f %12.1f %7.2fx\n", "start to ready, median (ms)", median(hubMs), median(baseMs),
                median(hubMs) / median(baseMs));
    std::printf("%-34s %12.1f %12.1f %7.2fx\n", "start to ready, p95 (ms)", p95(hubMs), p95(baseMs),
                p95(hubMs) / p95(baseMs));
    std::printf("%-34s %12.1f %12.1f %7.2fx\n", "idle RSS, median (MiB)", median(hubRss), median(baseRss),
                median(hubRss) / median(baseRss));
    // No target is set for start-up or idle memory: the figures are for comparison only.
    const auto row = [](const std::string& name, double hub, double base, const char* unit) {
        bench::result(name, bench::format("%.1f %s", hub, unit), bench::format("%.1f %s", base, unit),
                      bench::ratio(hub / base), bench::kNone, bench::kNone);
    };
    row("cold start: to ready, median", median(hubMs), median(baseMs), "ms");
    row("cold start: to ready, p95", p95(hubMs), p95(baseMs), "ms");
    row("cold start: idle RSS, median", median(hubRss), median(baseRss), "MiB");
    return 0;
}

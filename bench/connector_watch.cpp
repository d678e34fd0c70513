// What watching a connector costs a call: the same SMS send through the plugin host, to the tests' smallest
// plugin (test-good: it answers at once, so nothing hides the cost), with the app's ConnectorBoard watching
// (counted, timed, last outcome kept) against the host with no observer. Calls that reach a real provider
// take milliseconds; the target is that watching adds well under a microsecond to each.
//
//   bench_connector_watch [CALLS]   default 2,000,000
#include "Report.h"
#include "hub/app/ConnectorBoard.h"
#include "hub/host/PluginHost.h"

#include <chrono>
#include <cstdio>
#include <string>

using clinhub::bench::format;
using clinhub::bench::ratio;
using clinhub::bench::result;
using clinhub::bench::verdict;

namespace {

// Nanoseconds a call, the best of three runs of `calls` sends (the least disturbed by the machine).
double nsPerCall(clinhub::host::ConnectorInstance& connector, long calls, bool fail) {
    const clinhub::Sms sms{"+447700900123", "hello", fail ? "timeout" : "ref"};
    std::string providerId;
    double best = 1e18;
    for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < calls; ++i)
            (void)connector.sms()->send(sms, providerId);
        const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
        best = std::min(best, took.count() / static_cast<double>(calls));
    }
    return best;
}

std::shared_ptr<clinhub::host::ConnectorInstance> make(clinhub::host::PluginHost& host) {
    std::string error;
    auto connector = host.create("texts", "good", "{}", error);
    if (!connector) throw std::runtime_error(error);
    return connector;
}

} // namespace

int main(int argc, char** argv) {
    const long calls = argc > 1 ? std::stol(argv[1]) : 2'000'000;
    clinhub::host::PluginHost host;
    if (!host.loadFile(std::string(BROKEN_DIR) + "/libtest-good.so")) {
        std::fprintf(stderr, "cannot load test-good: %s\n", host.refused().front().reason.c_str());
        return 1;
    }
    const auto bare = make(host);
    clinhub::metrics::Metrics metrics;
    host.observe(std::make_shared<clinhub::app::ConnectorBoard>(metrics));
    const auto watched = make(host);

    for (const bool fail : {false, true}) {
        const double baseline = nsPerCall(*bare, calls, fail);
        const double figure = nsPerCall(*watched, calls, fail);
        std::printf("%s sends: %.0f ns a call watched, %.0f ns bare: %.0f ns added\n", fail ? "failing" : "ok", figure,
                    baseline, figure - baseline);
        result(fail ? "connector watch, failing call" : "connector watch, ok call", format("%.0f ns", figure),
               format("%.0f ns", baseline), ratio(figure / baseline), "added <= 1000 ns",
               verdict(figure - baseline <= 1000));
    }
    return 0;
}

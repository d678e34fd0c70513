// The outbox end to end: `clinhub serve` sending queued SMS through the notify plugin to notify_sim.
//   1. unthrottled: sends/s from the hub's store to the provider (target >= 2,000/s), against the named
//      baseline of the same POSTs sent straight to the simulator by 8 threads (no hub, no store);
//   2. with `rate_limit: {per_minute: 3000}`: the rate held over RATE_SECONDS (default two minutes; target
//      within 1%), counted from 2 s after the first send. The limiter's bucket starts full (a second's
//      worth, 50) and those go at once; counted in, they alone would put a 20 s run (bench/run --quick)
//      5% over, so they are printed apart and the window measures the rate the limiter holds.
// Prints figures; asserts nothing.
//
//   bench_outbox_delivery CLINHUB_EXE [MESSAGES] [RATE_SECONDS]
//
// The store is CLINHUB_BENCH_STORE's (bench/Report.h). The messages are queued straight into its outbox
// table by one INSERT ... SELECT (sqlite3, or psql on PostgreSQL), so the hub does the same work on both.
#include "Report.h"
#include "SimProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <signal.h>
#include <thread>

namespace {

namespace bench = clinhub::bench;
using Clock = std::chrono::steady_clock;
using clinhub::test::SimProcess;

// A made-up service of tests/simulators/notify/fixture.json, not a key of any real Notify service.
constexpr const char* kApiKey =
    "clinhub_bench-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
constexpr const char* kSmsTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";

int simCount(const SimProcess& sim) {
    const auto o =
        Poco::JSON::Parser().parse(sim.control("GET", "/_sim/notifications/count")).extract<Poco::JSON::Object::Ptr>();
    return o->getValue<int>("count");
}

struct Hub {
    std::filesystem::path dir;
    std::unique_ptr<Poco::ProcessHandle> process;

    Hub(const std::string& exe, const std::string& simUrl, int messages, int perMinute) {
        dir = std::filesystem::temp_directory_path() /
              ("clinhub-bench-outbox-" + std::to_string(::getpid()) + "-" + std::to_string(perMinute));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        setenv("CLINHUB_BENCH_NOTIFY_KEY", kApiKey, 1);
        std::ofstream(dir / "hub.yaml")
            << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:0\n"
            << bench::storeYaml()
            << "  outbox: {poll_ms: 20, workers: 8, batch_size: 50, backoff_base_s: 1, backoff_cap_s: 2}\n"
               "connectors:\n  book: {plugin: local-book, config: {database: book.db}}\n"
               "  notify:\n    plugin: notify\n"
            << (perMinute > 0 ? "    rate_limit: {per_minute: " + std::to_string(perMinute) + "}\n" : "")
            << "    config: {base_url: \"" << simUrl
            << "\", api_key: \"${CLINHUB_BENCH_NOTIFY_KEY}\", sms_template_id: \"" << kSmsTemplate
            << "\"}\norganisations:\n  A12345:\n    name: Bench Surgery\n"
               "    route: {appointment_book: book, sms: [notify], email: notify}\n";
        const std::string config = (dir / "hub.yaml").string();
        bench::emptyStore(); // the second hub of a run must not see the first one's messages
        bench::run("'" + exe + "' migrate --config '" + config + "' >/dev/null 2>&1");
        // The same rows on both stores: only the row generator and the string formatting differ.
        std::ofstream queue(dir / "queue.sql");
        if (bench::onPostgres())
            queue << "INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, "
                     "claimed_until, created_at, updated_at) SELECT 'msg-bench-' || lpad(i::text, 7, '0'), "
                     "'A12345', 'sms', format('{\"to\":\"+447700900%s\",\"body\":\"Bench Surgery: test message "
                     "%s\"}', lpad((i % 1000)::text, 3, '0'), i), 'queued', 0, 0, 0, 0, 0 FROM generate_series(1, "
                  << messages << ") AS i;\n";
        else
            queue << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " << messages
                  << ") INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, "
                     "claimed_until, created_at, updated_at) SELECT printf('msg-bench-%07d', i), 'A12345', 'sms', "
                     "printf('{\"to\":\"+447700900%03d\",\"body\":\"Bench Surgery: test message %d\"}', i % 1000, "
                     "i), 'queued', 0, 0, 0, 0, 0 FROM n;\n";
        queue.close();
        bench::runSql(dir, dir / "queue.sql");
        Poco::Pipe out;
        process = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
            "/bin/sh",
            {"-c", "exec '" + exe + "' serve --config '" + config + "' 2>>'" + (dir / "hub.log").string() + "'"},
            nullptr, &out, nullptr));
        Poco::PipeInputStream stream(out);
        std::string line;
        while (std::getline(stream, line) && line.find("serving on port") == std::string::npos) {
        }
    }
    ~Hub() {
        ::kill(static_cast<pid_t>(process->id()), SIGTERM);
        process->wait();
        std::filesystem::remove_all(dir);
    }
};

// The baseline: the same POST bodies straight to the simulator from 8 threads on kept-alive connections.
double baselinePerSecond(const SimProcess& sim, int messages) {
    std::atomic<int> next{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim.port()));
            for (int i = next++; i < messages; i = next++) {
                const std::string body = R"({"phone_number":"+447700900123","template_id":")" +
                                         std::string(kSmsTemplate) + R"(","personalisation":{"body":"test"},)" +
                                         R"("reference":"msg-baseline-)" + std::to_string(i) + R"("})";
                Poco::Net::HTTPRequest request("POST", "/_sim/baseline", Poco::Net::HTTPMessage::HTTP_1_1);
                request.setContentType("application/json");
                request.setContentLength(static_cast<std::streamsize>(body.size()));
                session.sendRequest(request) << body;
                Poco::Net::HTTPResponse response;
                session.receiveResponse(response).ignore(std::numeric_limits<std::streamsize>::max());
            }
        });
    for (auto& t : threads)
        t.join();
    return messages / std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_outbox_delivery CLINHUB_EXE [MESSAGES] [RATE_SECONDS]\n";
        return 2;
    }
    const std::string exe = argv[1];
    const int messages = argc > 2 ? std::stoi(argv[2]) : 20'000;
    const int rateSeconds = argc > 3 ? std::stoi(argv[3]) : 120;

    std::printf("outbox delivery: clinhub serve -> notify plugin -> notify_sim (%s store, 8 workers)\n",
                bench::storeName());
    {
        SimProcess sim(NOTIFY_SIM, {"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0"});
        Hub hub(exe, sim.url(), messages, 0);
        const auto start = Clock::now();
        while (simCount(sim) < messages)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const double rate = messages / seconds;
        // Unknown paths of the simulator answer 404 at once: the baseline is the HTTP round trip alone.
        const double baseline = baselinePerSecond(sim, messages);
        std::printf("  unthrottled: %d SMS in %.2f s = %.0f sends/s   target >= 2000/s: %s\n", messages, seconds, rate,
                    rate >= 2000 ? "met" : "NOT met");
        std::printf("  baseline (bare HTTP round trips to the simulator, 8 threads): %.0f/s   ratio %.2f\n", baseline,
                    rate / baseline);
        bench::result("outbox: unthrottled", bench::format("%.0f sends/s", rate), bench::format("%.0f/s", baseline),
                      bench::ratio(rate / baseline), ">= 2000/s", bench::verdict(rate >= 2000));
    }
    {
        constexpr int kPerMinute = 3000;
        // More than the window can take, so the limit, not the queue, decides.
        SimProcess sim(NOTIFY_SIM, {"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0"});
        Hub hub(exe, sim.url(), kPerMinute * rateSeconds / 60 + 2000, kPerMinute);
        while (simCount(sim) == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::this_thread::sleep_for(std::chrono::seconds(2));
        const int first = simCount(sim);
        const auto start = Clock::now();
        std::this_thread::sleep_for(std::chrono::seconds(rateSeconds));
        const int sent = simCount(sim) - first;
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const double perMinute = sent * 60.0 / seconds;
        const double off = (perMinute - kPerMinute) / kPerMinute * 100;
        std::printf("  rate_limit %d/min: %d sent in the first 2 s (the bucket's burst of %d, then the limit)\n",
                    kPerMinute, first, kPerMinute / 60);
        std::printf("  rate_limit %d/min over the next %.0f s: %d sent = %.1f/min (%+.2f%%)   target within 1%%: %s\n",
                    kPerMinute, seconds, sent, perMinute, off, std::abs(off) <= 1 ? "met" : "NOT met");
        // No baseline: the figure is held against the configured limit itself.
        bench::result(bench::format("outbox: rate_limit %d/min", kPerMinute), bench::format("%.1f/min", perMinute),
                      bench::kNone, bench::kNone, bench::format("%d/min ±1%%", kPerMinute),
                      bench::verdict(std::abs(off) <= 1));
    }
    return 0;
}

// Vaccination cohort upload end to end: N patients (default 2,000) uploaded to `clinhub serve` as CSV, each
// looked up in the national immunisation records through the fhir-immunisation plugin against
// immunisation_sim (its own process, real sockets, signed-JWT token), labelled and stored. The named
// baseline: the same N lookups made straight through the plugin host in this process, one after another,
// against the same simulator: what the records cost without the hub. Prints both, the ratio, and the
// hub's peak RSS. Asserts nothing.
//
//   bench_cohort_labelling CLINHUB_EXE [N] [LATENCY_MS]
//
// LATENCY_MS (default 0) makes the simulator answer each request that much later, as a remote API does;
// the hub keeps several lookups in flight, the baseline one at a time. The hub's store is
// CLINHUB_BENCH_STORE's (bench/Report.h).
//
// While the upload runs, a probe asks the hub for one small write after another (a staff API request that
// creates a clinic, one transaction taking the store's write lock): its slowest answer bounds how long the
// upload kept the hub's other writers waiting at a stretch.
#include "Report.h"
#include "SimProcess.h"
#include "hub/host/PluginHost.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
namespace fs = std::filesystem;

constexpr const char* kApiKeyEnv = "CLINHUB_BENCH_IMMUNISATION_API_KEY";

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::vector<std::string> nhsNumbers(int count) {
    std::vector<std::string> out;
    for (long long prefix = 999400000; static_cast<int>(out.size()) < count; ++prefix) {
        const std::string s = std::to_string(prefix);
        int sum = 0;
        for (int d = 0; d < 9; ++d)
            sum += (s[static_cast<std::size_t>(d)] - '0') * (10 - d);
        const int check = (11 - sum % 11) % 11;
        if (check != 10) out.push_back(s + std::to_string(check));
    }
    return out;
}

long peakRssKiB(Poco::ProcessHandle::PID pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

std::string connectorConfig(const std::string& simUrl, const fs::path& keys) {
    return R"({"base_url": ")" + simUrl + R"(/immunisation-fhir-api/FHIR/R4", "token_url": ")" + simUrl +
           R"(/oauth2/token", "api_key_env": ")" + kApiKeyEnv + R"(", "private_key_file": ")" +
           (keys / "private.pem").string() + R"(", "kid": "clinhub-test-1", "timeout_ms": 5000})";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_cohort_labelling CLINHUB_EXE [N] [LATENCY_MS]\n";
        return 2;
    }
    const int n = argc > 2 ? std::stoi(argv[2]) : 2000;
    const std::string latency = argc > 3 ? argv[3] : "0";
    const fs::path dir = fs::temp_directory_path() / ("clinhub-bench-cohort-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    setenv(kApiKeyEnv, "clinhub-test-api-key-not-real", 1);
    clinhub::test::SimProcess sim(IMMUNISATION_SIM, {"--fixture", IMMUNISATION_FIXTURE, "--keys-out",
                                                     (dir / "keys").string(), "--latency-ms", latency});
    const auto numbers = nhsNumbers(n);
    std::printf("cohort labelling: %d patients through clinhub serve -> fhir-immunisation -> immunisation_sim "
                "(%s ms a request, %s store)\n",
                n, latency.c_str(), bench::storeName());
    std::fflush(stdout);

    // Baseline: the lookups alone, through the plugin host, one after another.
    clinhub::host::PluginHost host;
    if (!host.loadFile(IMMUNISATION_PLUGIN)) {
        std::cerr << "cannot load " << IMMUNISATION_PLUGIN << '\n';
        return 1;
    }
    std::string error;
    auto records = host.create("bench", "fhir-immunisation", connectorConfig(sim.url(), dir / "keys"), error);
    if (!records) {
        std::cerr << "cannot create the connector: " << error << '\n';
        return 1;
    }
    auto start = Clock::now();
    for (const auto& nhs : numbers) {
        std::vector<clinhub::Immunisation> doses;
        const auto r = records->immunisationRecords()->history(nhs, {"COVID"}, doses);
        if (!r.ok()) {
            std::cerr << "lookup failed: " << r.message << '\n';
            return 1;
        }
    }
    const double baseline = seconds(start);

    std::ofstream(dir / "hub.yaml")
        << "hub:\n  listen: 127.0.0.1:0\n"
        << bench::storeYaml()
        << "  public_url: https://book.example.test\n"
           "connectors:\n  book: {plugin: local-book, config: {database: book.db}}\n"
           "  records: {plugin: fhir-immunisation, config: "
        << connectorConfig(sim.url(), dir / "keys")
        << "}\n  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}\n"
           "organisations:\n  V12345:\n    name: Bench Vaccination Service\n"
           "    route: {appointment_book: book, sms: [texts], immunisations: records}\n"
           "    rules:\n      covid: {title: COVID-19 vaccination, slot_types: [COVID clinic]}\n"
           "    campaigns:\n      covid: {rule: covid, target: COVID, doses: 2}\n";
    const std::string config = (dir / "hub.yaml").string();
    const std::string exe = fs::absolute(argv[1]).string();
    if (std::system(("'" + exe + "' migrate --config '" + config + "' >/dev/null 2>&1").c_str()) != 0 ||
        std::system(("'" + exe + "' keys create --config '" + config +
                     "' --org V12345 --name bench 2>/dev/null | head -n1 > '" + (dir / "key").string() + "'")
                        .c_str()) != 0) {
        std::cerr << "clinhub migrate or keys create failed\n";
        return 1;
    }
    std::string key;
    std::ifstream(dir / "key") >> key;
    Poco::Pipe out;
    Poco::ProcessHandle hub = Poco::Process::launch(
        "/bin/sh", {"-c", "cd '" + dir.string() + "' && exec '" + exe + "' serve --config '" + config + "' 2>>hub.log"},
        nullptr, &out, nullptr);
    Poco::PipeInputStream stream(out);
    Poco::UInt16 port = 0;
    for (std::string line; port == 0 && std::getline(stream, line);)
        if (const auto at = line.find("serving on port "); at != std::string::npos)
            port = static_cast<Poco::UInt16>(std::stoi(line.substr(at + 16)));

    std::string csv = "NHS Number,Name,Date of Birth,Mobile Number\r\n";
    for (std::size_t i = 0; i < numbers.size(); ++i)
        csv += numbers[i] + ",Bench Patient " + std::to_string(i) + ",1960-01-01,07700 900" +
               std::to_string(100 + i % 900) + "\r\n";
    // A clinic years ahead, unpublished: one write, nothing patients see.
    const std::string clinic = R"({"dose": "second", "vaccine": {"code": "39114911000001105", "term": "Comirnaty"},
        "location": "Probe", "date": "2030-01-10", "start": "09:00", "end": "10:00", "capacity": 1,
        "published": false})";
    const auto probeOnce = [&] {
        Poco::Net::HTTPClientSession probeSession("127.0.0.1", port);
        probeSession.setTimeout(Poco::Timespan(60, 0));
        Poco::Net::HTTPRequest post("POST", "/api/v1/organisations/V12345/campaigns/covid/clinics",
                                    Poco::Net::HTTPMessage::HTTP_1_1);
        post.set("Authorization", "Bearer " + key);
        post.setContentType("application/json");
        post.setContentLength64(static_cast<Poco::Int64>(clinic.size()));
        probeSession.sendRequest(post) << clinic;
        Poco::Net::HTTPResponse answer;
        std::string ignored;
        Poco::StreamCopier::copyToString(probeSession.receiveResponse(answer), ignored);
        return answer.getStatus() == 201;
    };
    if (!probeOnce()) {
        std::cerr << "the probe cannot create a clinic\n";
        return 1;
    }
    std::atomic<bool> uploading{true};
    double longestWait = 0;
    int probes = 0;
    std::thread probe([&] {
        while (uploading) {
            const auto asked = Clock::now();
            probeOnce();
            longestWait = std::max(longestWait, seconds(asked));
            ++probes;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    start = Clock::now();
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(3600, 0));
    Poco::Net::HTTPRequest request("PUT", "/api/v1/organisations/V12345/campaigns/covid/cohort",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + key);
    request.setContentType("text/csv");
    request.setContentLength64(static_cast<Poco::Int64>(csv.size()));
    session.sendRequest(request) << csv;
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    const double upload = seconds(start);
    uploading = false;
    probe.join();
    const long rss = peakRssKiB(hub.id());
    ::kill(static_cast<pid_t>(hub.id()), SIGTERM);
    hub.wait();
    if (response.getStatus() != 200) {
        std::cerr << "upload failed: " << response.getStatus() << ' ' << body << '\n';
        return 1;
    }
    const auto summary = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    std::printf("  lookups alone through the plugin host (baseline) %7.2f s   %.0f lookups/s\n", baseline,
                n / baseline);
    std::printf("  upload + lookups + labels stored                 %7.2f s   %.0f patients/s   ratio %.2fx\n", upload,
                n / upload, upload / baseline);
    std::printf("  labelled %lld, by status %s\n", static_cast<long long>(summary->getValue<int64_t>("accepted")),
                [&] {
                    std::ostringstream s;
                    summary->getObject("by_status")->stringify(s);
                    return s.str();
                }()
                    .c_str());
    std::printf("  hub peak RSS %.1f MiB\n", rss / 1024.0);
    std::printf("  slowest of %d small writes asked of the hub during the upload %.0f ms\n", probes,
                longestWait * 1000);
    // No target is set for cohort uploads: the figures are for comparison only.
    const std::string name = bench::format("cohort labelling %d patients, %s ms: ", n, latency.c_str());
    bench::result(name + "upload + lookups + labels", bench::format("%.2f s", upload),
                  bench::format("%.2f s", baseline), bench::ratio(upload / baseline), bench::kNone, bench::kNone);
    bench::result(name + "slowest small write during upload", bench::format("%.0f ms", longestWait * 1000),
                  bench::kNone, bench::kNone, bench::kNone, bench::kNone);
    bench::result(name + "hub peak RSS", bench::format("%.1f MiB", rss / 1024.0), bench::kNone, bench::kNone,
                  bench::kNone, bench::kNone);
    fs::remove_all(dir);
    return 0;
}

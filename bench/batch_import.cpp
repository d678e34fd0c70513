// Batch Self-Book end to end through `clinhub serve`: 100,000 SystmOne-style rows (generated, 10% invalid)
// uploaded over HTTP → every row verdicted → persisted → sent (one link and invite minted per valid row).
// The named baseline: `sqlite3 .import` of the same file into a table of a fresh database on the same disk.
// Prints both times, the ratio and the hub's peak RSS; asserts nothing.
//
//   bench_batch_import CLINHUB_EXE [ROWS]
//
// The store is CLINHUB_BENCH_STORE's (bench/Report.h). On PostgreSQL the baseline is that database's own
// bulk load, psql's \copy of the same file into a new table (dropped again before the hub starts).
#include "Report.h"
#include "tests/TestNhsNumbers.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <sstream>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <signal.h>
#include <thread>
#include <unistd.h>

namespace {

namespace bench = clinhub::bench;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

void generate(const fs::path& file, int rows) {
    std::ofstream out(file);
    out << "NHS Number,Mobile Number,Date of Birth,Name\r\n";
    clinhub::test::TestNhsNumbers nhsNumbers;
    for (int i = 0; i < rows; ++i) {
        std::string nhs = nhsNumbers.next();
        std::string mobile = "07700 900" + std::to_string(100 + i % 900);
        if (i % 20 == 5) nhs.back() = static_cast<char>('0' + (nhs.back() - '0' + 1) % 10); // wrong check digit
        if (i % 20 == 15) mobile = "0117 496 0860";                                         // a landline
        out << nhs << ',' << mobile << ",14/03/1956,\"Test, Patient " << i << "\"\r\n";
    }
}

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

long peakRssKiB(Poco::ProcessHandle::PID pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// CPU seconds (user + system) the process has used: steadier than wall time on a shared machine.
double cpuSeconds(Poco::ProcessHandle::PID pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2)); // the name may hold spaces
    std::string skip;
    for (int i = 3; i < 14; ++i)
        fields >> skip;
    long user = 0, system = 0;
    fields >> user >> system;
    return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct Reply {
    int status = 0;
    std::string body;
    Poco::JSON::Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>(); }
};

class Hub {
public:
    Hub(const std::string& exe, const fs::path& dir) : dir_(dir) {
        std::ofstream(dir / "hub.yaml")
            << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:0\n"
            << bench::storeYaml()
            << "  public_url: https://book.example.test\n"
               "  http: {max_upload_mb: 50}\n  outbox: {poll_ms: 60000}\n"
               "connectors:\n  book: {plugin: local-book, config: {database: book.db}}\n"
               "  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}\n"
               "organisations:\n  A12345:\n    name: Bench Surgery\n    batch_csv: with_contacts\n"
               "    route: {appointment_book: book, sms: [texts]}\n"
               "    rules:\n      flu: {title: Flu vaccination, slot_types: [Flu clinic]}\n";
        const std::string config = (dir / "hub.yaml").string();
        bench::run("'" + exe + "' migrate --config '" + config + "' >/dev/null 2>&1");
        bench::run("'" + exe + "' keys create --config '" + config +
                   "' --org A12345 --name bench 2>/dev/null | head -n1 > '" + (dir / "key").string() + "'");
        std::ifstream(dir / "key") >> key_;
        Poco::Pipe out;
        process_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
            "/bin/sh",
            {"-c", "exec '" + exe + "' serve --config '" + config + "' 2>>'" + (dir / "hub.log").string() + "'"},
            nullptr, &out, nullptr));
        Poco::PipeInputStream stream(out);
        const std::string marker = "serving on port ";
        for (std::string line; std::getline(stream, line);)
            if (const auto at = line.find(marker); at != std::string::npos) {
                port_ = static_cast<Poco::UInt16>(std::stoi(line.substr(at + marker.size())));
                break;
            }
    }
    ~Hub() { stop(); }
    // Before its folder is removed: a running hub may still be writing there.
    void stop() {
        if (!process_) return;
        ::kill(static_cast<pid_t>(process_->id()), SIGTERM);
        process_->wait();
        process_.reset();
    }

    Reply call(const std::string& method, const std::string& target, std::istream* body = nullptr,
               const std::string& type = "application/json", std::streamsize length = 0) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", port_);
        session.setTimeout(Poco::Timespan(600, 0));
        Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Authorization", "Bearer " + key_);
        if (body) {
            request.setContentType(type);
            request.setContentLength64(length);
        } else if (method == "POST") {
            request.setContentLength(0);
        }
        auto& out = session.sendRequest(request);
        if (body) Poco::StreamCopier::copyStream(*body, out);
        Poco::Net::HTTPResponse response;
        Reply reply;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
        reply.status = response.getStatus();
        return reply;
    }

    Poco::ProcessHandle::PID pid() const { return process_->id(); }

private:
    fs::path dir_;
    std::string key_;
    Poco::UInt16 port_ = 0;
    std::unique_ptr<Poco::ProcessHandle> process_;
};

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_batch_import CLINHUB_EXE [ROWS]\n";
        return 2;
    }
    const int rows = argc > 2 ? std::stoi(argv[2]) : 100'000;
    const fs::path dir = fs::temp_directory_path() / ("clinhub-bench-batch-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path csv = dir / "list.csv";
    generate(csv, rows);
    const auto bytes = static_cast<std::streamsize>(fs::file_size(csv));
    std::printf("batch import: %d SystmOne-style rows (%.1f MB, 10%% invalid) through clinhub serve (%s)\n", rows,
                static_cast<double>(bytes) / 1e6, bench::storeName());

    // Baseline: the same file into a fresh table by the database's own importer.
    const char* baselineName = bench::onPostgres() ? "psql \\copy" : "sqlite3 .import";
    auto start = Clock::now();
    if (bench::onPostgres()) {
        const std::string psql = "psql -X -q -v ON_ERROR_STOP=1 -d '" + bench::storeUrl() + "'";
        bench::run(psql + " -c 'CREATE TABLE bench_rows (nhs TEXT, mobile TEXT, dob TEXT, name TEXT)' -c " +
                   "\"\\copy bench_rows FROM '" + csv.string() + "' WITH (FORMAT csv, HEADER true)\" >/dev/null");
    } else {
        bench::run("sqlite3 '" + (dir / "baseline.db").string() + "' '.import --csv " + csv.string() + " rows'");
    }
    const double baseline = seconds(start);
    if (bench::onPostgres())
        bench::run("psql -X -q -d '" + bench::storeUrl() + "' -c 'DROP TABLE bench_rows' >/dev/null");

    Hub hub(argv[1], dir);
    std::istringstream terms(
        R"({"rule": "flu", "message": "{{practice}}: Dear {{name}}, book your flu jab: {{url}}"})");
    const auto batch = hub.call("POST", "/api/v1/organisations/A12345/batches", &terms, "application/json",
                                static_cast<std::streamsize>(terms.str().size()));
    if (batch.status != 201) {
        std::cerr << "creating the batch failed: " << batch.status << ' ' << batch.body << '\n';
        return 1;
    }
    const std::string path = "/api/v1/organisations/A12345/batches/" + batch.json()->getValue<std::string>("id");

    const double cpuBefore = cpuSeconds(hub.pid());
    start = Clock::now();
    std::ifstream file(csv, std::ios::binary);
    const auto uploaded = hub.call("PUT", path + "/csv", &file, "text/csv", bytes);
    const double upload = seconds(start);
    if (uploaded.status != 200) {
        std::cerr << "upload failed: " << uploaded.status << ' ' << uploaded.body << '\n';
        return 1;
    }
    const auto summary = uploaded.json();
    const auto canSend = summary->getValue<int64_t>("can_be_sent");
    const double uploadCpu = cpuSeconds(hub.pid()) - cpuBefore;
    const auto send = Clock::now();
    hub.call("POST", path + "/send");
    for (;;) {
        const auto state = hub.call("GET", path).json();
        if (state->getValue<std::string>("status") == "sent") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200)); // as a progress page might
    }
    const double minting = seconds(send);
    const double mintingCpu = cpuSeconds(hub.pid()) - cpuBefore - uploadCpu;
    const double total = seconds(start);
    const long rss = peakRssKiB(hub.pid());

    std::printf("  %-39s %7.2f s\n", (std::string(baselineName) + " (baseline)").c_str(), baseline);
    std::printf("  upload + verdicts + persisted           %7.2f s   %.0f rows/s   ratio %.2fx   hub CPU %.2f s\n",
                upload, rows / upload, upload / baseline, uploadCpu);
    std::printf("  links + invites minted (%lld)        %7.2f s   %.0f links/s   hub CPU %.2f s\n",
                static_cast<long long>(canSend), minting, static_cast<double>(canSend) / minting, mintingCpu);
    std::printf("  total                                   %7.2f s   ratio %.2fx   target <= 2x: %s\n", total,
                total / baseline, total <= 2 * baseline ? "met" : "NOT met");
    std::printf("  hub peak RSS %.1f MiB   target <= 100 MB: %s\n", static_cast<double>(rss) / 1024.0,
                rss * 1024L <= 100'000'000L ? "met" : "NOT met");
    std::printf("  can be sent %lld, cannot be sent %lld\n", static_cast<long long>(canSend),
                static_cast<long long>(summary->getValue<int64_t>("cannot_be_sent")));
    const std::string name = bench::format("batch import %d rows: ", rows);
    const std::string base = bench::format("%.2f s", baseline);
    bench::result(name + "upload + verdicts", bench::format("%.2f s", upload), base, bench::ratio(upload / baseline),
                  bench::kNone, bench::kNone);
    bench::result(name + "links + invites", bench::format("%.0f links/s", static_cast<double>(canSend) / minting),
                  bench::kNone, bench::kNone, bench::kNone, bench::kNone);
    bench::result(name + "total", bench::format("%.2f s", total), base, bench::ratio(total / baseline), "<= 2x",
                  bench::verdict(total <= 2 * baseline));
    bench::result(name + "hub peak RSS", bench::format("%.1f MiB", static_cast<double>(rss) / 1024.0), bench::kNone,
                  bench::kNone, "<= 100 MB", bench::verdict(rss * 1024L <= 100'000'000L));
    hub.stop();
    fs::remove_all(dir);
    return 0;
}

// systmone-xml's added latency: N freeSlots calls through the loaded plugin against the same
// GetAppointmentSlots request sent straight to systmone_sim (the named baseline), over each transport,
// on kept connections, in the same run. Target: at most 1 ms median overhead.
//
//   bench_systmone_xml_overhead [N]      (default 2000)
#include "Report.h"
#include "SimProcess.h"
#include "hub/host/PluginHost.h"
#include "hub/log/Log.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
    double median = 0;
    double p99 = 0;
};

Stats time(int n, const std::function<void()>& call) {
    for (int i = 0; i < 50; ++i) // warm up connections and caches
        call();
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto start = Clock::now();
        call();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

// The practice's wall clock, as the connector sends it (this process sets TZ; the connector does not).
std::string local(int64_t t) {
    const auto tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    return text;
}

class RawRequests {
public:
    explicit RawRequests(clinhub::TimeRange range) {
        // The request the connector sends for the same call (bounds widened by an hour, as it does).
        xml_ = "<ClientIntegrationRequest><APIKey>clinhub-test-api-key</APIKey><DeviceID>clinhub-test-device"
               "</DeviceID><DeviceVersion>clinhub 0.1</DeviceVersion><RequestUID>UIDUIDUID</RequestUID><Function>"
               "GetAppointmentSlots</Function><FunctionVersion>1.0</FunctionVersion><FunctionParameters>"
               "<MinDateTime>" +
               local(range.from - 3600) + "</MinDateTime><MaxDateTime>" + local(range.to + 3600) +
               "</MaxDateTime><SlotType>Flu clinic</SlotType></FunctionParameters></ClientIntegrationRequest>";
        Poco::URI::encode(xml_, "!#$&'()*+,/:;=?@[]<>\"%{}|\\^` ", encoded_);
    }
    // Each with its own RequestUID, as the unit insists.
    std::string xml() { return withUid(xml_); }
    std::string encoded() { return withUid(encoded_); }

private:
    std::string withUid(std::string text) {
        char uid[48]; // room for any long: the compiler cannot know the count stays small
        std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012ld", ++count_);
        text.replace(text.find("UIDUIDUID"), 9, uid);
        return text;
    }
    std::string xml_, encoded_;
    long count_ = 0;
};

void print(const char* transport, const Stats& plugin, const Stats& raw) {
    std::printf("%-5s plugin  median %.3f ms  p99 %.3f ms\n", transport, plugin.median, plugin.p99);
    std::printf("%-5s direct  median %.3f ms  p99 %.3f ms\n", transport, raw.median, raw.p99);
    std::printf("%-5s overhead median %.3f ms (target <= 1 ms), ratio %.2fx\n\n", transport, plugin.median - raw.median,
                raw.median > 0 ? plugin.median / raw.median : 0.0);
    clinhub::bench::overheadResult(std::string("systmone-xml freeSlots over ") + transport + ", median", plugin.median,
                                   raw.median);
}

} // namespace

int run(int n);

int main(int argc, char** argv) {
    try {
        return run(argc > 1 ? std::atoi(argv[1]) : 2000);
    } catch (const std::exception& e) {
        std::cerr << "bench_systmone_xml_overhead: " << e.what() << '\n';
        return 1;
    }
}

int run(int n) {
    setenv("TZ", "Europe/London", 1);
    tzset();
    clinhub::log::setMinimumLevel(clinhub::log::Level::warning);

    const std::string tcpPortFile = (std::filesystem::temp_directory_path() / "bench-systmone.tcp").string();
    clinhub::test::SimProcess sim(SYSTMONE_SIM, {"--fixture", SYSTMONE_FIXTURE, "--tcp-port-file", tcpPortFile});
    int tcpPort = 0;
    std::ifstream(tcpPortFile) >> tcpPort;

    clinhub::host::PluginHost host;
    if (!host.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-systmone-xml.so")) {
        std::cerr << host.refused().back().reason << '\n';
        return 1;
    }
    const std::string common = R"("api_key": "clinhub-test-api-key", "device_id": "clinhub-test-device")";
    std::string error;
    auto tcp = host.create("bench-tcp", "systmone-xml",
                           R"({"transport": "tcp", "port": )" + std::to_string(tcpPort) + ", " + common + "}", error);
    auto http = host.create(
        "bench-http", "systmone-xml",
        R"({"transport": "http", "base_url": ")" + sim.url() + R"(/ClientIntegration", )" + common + "}", error);
    if (!tcp || !http) {
        std::cerr << error << '\n';
        return 1;
    }

    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const clinhub::TimeRange range{(now / 86400 + 1) * 86400, (now / 86400 + 15) * 86400};
    RawRequests raw(range);
    std::size_t slots = 0;
    const auto viaPlugin = [&](clinhub::host::ConnectorInstance& c) {
        return [&] {
            std::vector<clinhub::Slot> out;
            const clinhub::Result r = c.appointmentBook()->freeSlots("Flu clinic", range, out);
            if (!r.ok()) throw std::runtime_error(r.message);
            slots = out.size();
        };
    };

    std::printf("systmone-xml: %d freeSlots calls per run, 14 days of one slot type\n\n", n);

    const Stats tcpPlugin = time(n, viaPlugin(*tcp));
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(tcpPort)));
    socket.setNoDelay(true);
    const Stats tcpRaw = time(n, [&] {
        const std::string out = raw.xml() + "<EOF>";
        socket.sendBytes(out.data(), static_cast<int>(out.size()));
        std::string reply;
        char chunk[65536];
        while (reply.find("<EOF>", reply.size() > 8 ? reply.size() - 8 : 0) == std::string::npos) {
            const int got = socket.receiveBytes(chunk, sizeof chunk);
            if (got <= 0) throw std::runtime_error("the simulator closed the connection");
            reply.append(chunk, static_cast<std::size_t>(got));
        }
    });
    print("tcp", tcpPlugin, tcpRaw);

    const Stats httpPlugin = time(n, viaPlugin(*http));
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim.port()));
    session.setKeepAlive(true);
    const Stats httpRaw = time(n, [&] {
        Poco::Net::HTTPRequest request("GET", "/ClientIntegration?requestString=" + raw.encoded(), "HTTP/1.1");
        request.setKeepAlive(true);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
        if (response.getStatus() != 200) throw std::runtime_error("HTTP " + std::to_string(response.getStatus()));
    });
    print("http", httpPlugin, httpRaw);
    std::printf("(each reply carries %zu slots)\n", slots);

    tcp.reset();
    http.reset();
    std::filesystem::remove(tcpPortFile);
    return 0;
}

// bench_emis_xml_overhead [[--n] 2000]: what the emis-xml plugin adds to a freeSlots call. The plugin
// (loaded by the real host) lists one clinic's free slots from emis_sim N times; then the same two
// requests it makes (GetAppointmentSessions, GetSlotsForSession) are sent N times straight from a Poco
// keep-alive session, reading the replies but not parsing them, as the baseline.
// Target: <= 1 ms median overhead. Asserts nothing.
#include "Report.h"
#include "SimProcess.h"
#include "hub/host/PluginHost.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace kit = clinhub::kit;

constexpr const char* kNs = "http://www.e-mis.com/emisopen/MedicalRecord";

struct Figures {
    double median = 0;
    double p99 = 0;
};

Figures figures(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

template <class F> std::vector<double> time(int n, F&& f) {
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto start = Clock::now();
        f();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    return ms;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    const auto from = text.find(open);
    if (from == std::string::npos) throw std::runtime_error("no " + open + " in " + text.substr(0, 300));
    const auto start = from + open.size();
    return text.substr(start, text.find(close, start) - start);
}

// One keep-alive connection speaking the Partner API without the plugin.
class Direct {
public:
    explicit Direct(int port) : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) { session_.setKeepAlive(true); }

    std::string call(const std::string& name, const std::string& params) {
        const std::string body =
            R"(<?xml version="1.0" encoding="utf-8"?>)"
            R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><)" +
            name + R"( xmlns=")" + kNs + R"(">)" + params + "</" + name + "></soap:Body></soap:Envelope>";
        Poco::Net::HTTPRequest request("POST", "/emis/partnerapi", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("text/xml; charset=utf-8");
        request.set("SOAPAction", std::string("\"") + kNs + "/" + name + "\"");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session_.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string text;
        Poco::StreamCopier::copyToString(session_.receiveResponse(response), text);
        if (response.getStatus() != 200)
            throw std::runtime_error(name + ": HTTP " + std::to_string(response.getStatus()));
        return text;
    }

private:
    Poco::Net::HTTPClientSession session_;
};

} // namespace

int main(int argc, char** argv) {
    int n = 2000;
    for (int i = 1; i + 1 < argc; i += 2)
        if (std::string(argv[i]) == "--n") n = std::max(1, std::stoi(argv[i + 1]));
    // A bare count too, as the other connectors' benchmarks take it (bench/run gives each the same).
    if (argc == 2) n = std::max(1, std::stoi(argv[1]));
    try {
        clinhub::test::SimProcess sim(EMIS_SIM, {"--fixture", EMIS_FIXTURE});
        clinhub::host::PluginHost host;
        if (!host.loadFile(EMIS_PLUGIN)) throw std::runtime_error(host.refused().back().reason);
        std::string error;
        const auto instance = host.create("bench", "emis-xml",
                                          R"({"base_url": ")" + sim.url() +
                                              R"(", "user": "clinhub-test", "password": "not-a-real-password"})",
                                          error);
        if (!instance) throw std::runtime_error(error);
        auto& book = *instance->appointmentBook();

        // Tomorrow's flu clinic, 09:00-10:00: one session, so two requests a call.
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const auto day = kit::localDate(now, kit::Zone::europeLondon) + std::chrono::days{1};
        const clinhub::TimeRange range{kit::toEpoch(day, 9 * 60, kit::Zone::europeLondon),
                                       kit::toEpoch(day, 10 * 60, kit::Zone::europeLondon)};
        std::vector<clinhub::Slot> slots;
        auto viaPlugin = [&] {
            const clinhub::Result r = book.freeSlots("Flu clinic", range, slots);
            if (!r.ok() || slots.size() != 6) throw std::runtime_error("freeSlots: " + r.message);
        };

        Direct direct(sim.port());
        const std::string session =
            "<SessionId>" +
            between(direct.call("Logon", "<UserName>clinhub-test</UserName><Password>not-a-real-password</Password>"),
                    "<SessionId>", "</SessionId>") +
            "</SessionId>";
        const std::string date = kit::isoDate(day);
        const std::string sessionsParams = session + "<SlotType>Flu clinic</SlotType><StartDate>" + date +
                                           "</StartDate><EndDate>" + date + "</EndDate>";
        const std::string clinic = between(direct.call("GetAppointmentSessions", sessionsParams), "<DBID>", "</DBID>");
        auto viaDirect = [&] {
            direct.call("GetAppointmentSessions", sessionsParams);
            direct.call("GetSlotsForSession", session + "<SessionDBID>" + clinic + "</SessionDBID>");
        };

        const int warm = std::min(n, 200);
        time(warm, viaPlugin);
        time(warm, viaDirect);
        const Figures plugin = figures(time(n, viaPlugin));
        const Figures raw = figures(time(n, viaDirect));
        const double overhead = plugin.median - raw.median;

        std::printf("emis-xml freeSlots, %d calls (GetAppointmentSessions + GetSlotsForSession to emis_sim)\n", n);
        std::printf("  through the plugin  median %.3f ms  p99 %.3f ms\n", plugin.median, plugin.p99);
        std::printf("  direct (Poco)       median %.3f ms  p99 %.3f ms\n", raw.median, raw.p99);
        std::printf("  overhead            median %+.3f ms  ratio %.2fx  (target: <= 1 ms median overhead: %s)\n",
                    overhead, plugin.median / raw.median, overhead <= 1.0 ? "met" : "NOT met");
        clinhub::bench::overheadResult("emis-xml freeSlots, median", plugin.median, raw.median);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_emis_xml_overhead: " << e.what() << '\n';
        return 1;
    }
}

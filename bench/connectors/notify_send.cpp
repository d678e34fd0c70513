// bench_notify_send [--n 5000] [--threads 8]: SMS sends/s through the notify plugin (loaded by the real
// host) to notify_sim with its rate limit off, then the same POSTs sent straight from Poco keep-alive
// sessions, no plugin, as the baseline. Target: >= 2,000 sends/s through the plugin.
#include "Report.h"
#include "SimProcess.h"
#include "hub/host/PluginHost.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <Poco/StreamCopier.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

const std::string kServiceId = "8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e";
const std::string kSecret = "c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
const std::string kTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";
const std::string kBody = "Your flu jab is due. Book at https://example.org/b/abcdefgh or call the surgery.";

std::string mobile(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+447700900%03d", i % 1000);
    return buf;
}

// Runs `send(i)` for i in [0, n) on `threads` threads; returns {ok count, seconds}.
template <class F> std::pair<int, double> run(int n, int threads, F&& send) {
    std::atomic<int> next{0};
    std::atomic<int> ok{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            auto state = send.makeState();
            for (int i = next++; i < n; i = next++)
                if (send(state, i)) ok++;
        });
    for (auto& w : workers)
        w.join();
    return {ok.load(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

struct ThroughPlugin {
    clinhub::SmsSender& sms;
    std::string prefix;
    int makeState() const { return 0; }
    bool operator()(int, int i) const {
        std::string id;
        return sms.send({mobile(i), kBody, prefix + std::to_string(i)}, id).ok();
    }
};

struct Direct {
    int port;
    std::string prefix;
    std::string authorization;
    std::unique_ptr<Poco::Net::HTTPClientSession> makeState() const {
        auto s = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port));
        s->setKeepAlive(true);
        return s;
    }
    bool operator()(std::unique_ptr<Poco::Net::HTTPClientSession>& session, int i) const {
        Poco::JSON::Object body;
        body.set("template_id", kTemplate);
        body.set("reference", prefix + std::to_string(i));
        body.set("phone_number", mobile(i));
        Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
        p->set("body", kBody);
        body.set("personalisation", p);
        std::ostringstream text;
        body.stringify(text);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v2/notifications/sms",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.set("Authorization", authorization);
        request.setContentLength(static_cast<std::streamsize>(text.str().size()));
        session->sendRequest(request) << text.str();
        Poco::Net::HTTPResponse response;
        std::string answer;
        Poco::StreamCopier::copyToString(session->receiveResponse(response), answer);
        // Parsed as the plugin parses it, so both sides do the same work.
        const auto id =
            Poco::JSON::Parser().parse(answer).extract<Poco::JSON::Object::Ptr>()->optValue<std::string>("id", "");
        return response.getStatus() == 201 && !id.empty();
    }
};

std::string jwt() {
    Poco::JWT::Token token;
    token.setType("JWT");
    token.setIssuer(kServiceId);
    token.payload().set("iat", static_cast<Poco::Int64>(std::time(nullptr)));
    return "Bearer " + Poco::JWT::Signer(kSecret).sign(token, Poco::JWT::Signer::ALGO_HS256);
}

} // namespace

int main(int argc, char** argv) {
    int n = 5000;
    int threads = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--n") n = std::stoi(argv[i + 1]);
        if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    }
    clinhub::test::SimProcess sim(NOTIFY_SIM, {"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0"});
    clinhub::host::PluginHost host;
    if (!host.loadFile(NOTIFY_PLUGIN)) {
        std::cerr << "cannot load " << NOTIFY_PLUGIN << ": " << host.refused().back().reason << '\n';
        return 1;
    }
    std::string error;
    const auto connector = host.create("texts", "notify",
                                       R"({"base_url": ")" + sim.url() + R"(", "api_key": "bench-)" + kServiceId + "-" +
                                           kSecret + R"(", "sms_template_id": ")" + kTemplate + R"("})",
                                       error);
    if (!connector) {
        std::cerr << error << '\n';
        return 1;
    }

    run(200, threads, ThroughPlugin{*connector->sms(), "warm-"}); // connections opened, pages touched
    const auto [pluginOk, pluginSeconds] = run(n, threads, ThroughPlugin{*connector->sms(), "plugin-"});
    const auto [directOk, directSeconds] = run(n, threads, Direct{sim.port(), "direct-", jwt()});

    const double pluginRate = pluginOk / pluginSeconds;
    const double directRate = directOk / directSeconds;
    std::printf("notify send, N=%d, %d threads, notify_sim unthrottled\n", n, threads);
    std::printf("  through the plugin:            %6.0f sends/s (%d ok, %.2f s)  target >= 2000/s: %s\n", pluginRate,
                pluginOk, pluginSeconds, pluginRate >= 2000 ? "met" : "MISSED");
    std::printf("  baseline, direct Poco POSTs:   %6.0f sends/s (%d ok, %.2f s)\n", directRate, directOk,
                directSeconds);
    std::printf("  plugin / baseline:             %6.2f\n", pluginRate / directRate);
    std::printf("  sim log: %s\n", sim.control("GET", "/_sim/notifications/count").c_str());
    namespace bench = clinhub::bench;
    bench::result(bench::format("notify send, %d threads", threads), bench::format("%.0f sends/s", pluginRate),
                  bench::format("%.0f/s", directRate), bench::ratio(pluginRate / directRate), ">= 2000/s",
                  bench::verdict(pluginRate >= 2000));
    return pluginOk == n && directOk == n ? 0 : 1;
}

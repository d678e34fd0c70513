// bench_gpconnect_fhir_overhead [N]: what the gpconnect-fhir plugin adds to a freeSlots call. The plugin
// (loaded by the real host) lists a week of free Flu clinic slots from gpconnect_sim; the baseline sends the
// same GET /Slot (same query, Ssp-* headers and a fresh JWT each time) from a Poco keep-alive session and
// reads the reply without parsing it. The two alternate call by call, N (default 2000) each, so both
// see the same machine. Target: <= 1 ms median overhead. Asserts nothing.
#include "Report.h"
#include "SimProcess.h"
#include "hub/host/PluginHost.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Poco::JSON::Object;

constexpr int64_t kDay = 86400;

struct Figures {
    double median = 0;
    double p99 = 0;
};

Figures figures(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

template <class F> double timed(F&& f) {
    const auto start = Clock::now();
    f();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string base64url(const std::string& text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder << text;
    encoder.close();
    return out.str();
}

std::string iso(int64_t t) {
    char out[40];
    const std::time_t tt = t;
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S%%2B00%%3A00", std::gmtime(&tt));
    return out;
}

// The slot search as a GP Connect consumer sends it, without the plugin.
class Direct {
public:
    Direct(int port, std::string audience)
        : session_("127.0.0.1", static_cast<Poco::UInt16>(port)), audience_(std::move(audience)) {
        session_.setKeepAlive(true);
    }

    size_t search(int64_t from, int64_t to) {
        Poco::Net::HTTPRequest request("GET",
                                       "/Slot?status=free&start=ge" + iso(from) + "&end=le" + iso(to) +
                                           "&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner"
                                           "&_include:recurse=Schedule:actor:Location",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("Accept", "application/fhir+json;charset=utf-8");
        request.set("Ssp-TraceID", Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
        request.set("Ssp-From", "200000000359");
        request.set("Ssp-To", "918999198993");
        request.set("Ssp-InteractionID", "urn:nhs:names:services:gpconnect:fhir:rest:search:slot-1");
        request.set("Authorization", "Bearer " + token());
        session_.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session_.receiveResponse(response), body);
        if (response.getStatus() != 200)
            throw std::runtime_error("direct search: HTTP " + std::to_string(response.getStatus()) + " " + body);
        return body.size();
    }

private:
    std::string token() const {
        const int64_t now = std::time(nullptr);
        Object claims;
        claims.set("iss", "https://clinhub.invalid");
        claims.set("sub", "bench");
        claims.set("aud", audience_);
        claims.set("iat", now);
        claims.set("exp", now + 300);
        claims.set("reason_for_request", "directcare");
        claims.set("requested_scope", "organization/*.read");
        claims.set("requesting_device",
                   parse(R"({"resourceType": "Device", "identifier": [{"system": "s", "value": "bench"}]})"));
        claims.set("requesting_organization", parse(R"({"resourceType": "Organization", "name": "Demo Surgery",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A12345"}]})"));
        claims.set("requesting_practitioner", parse(R"({"resourceType": "Practitioner", "id": "bench",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "UNK"}], "name": [{"family": "Bench"}]})"));
        std::ostringstream c;
        claims.stringify(c);
        return base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(c.str()) + ".";
    }

    static Object::Ptr parse(const std::string& json) {
        return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
    }

    Poco::Net::HTTPClientSession session_;
    std::string audience_;
};

} // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::stoi(argv[1]) : 2000;
    clinhub::test::SimProcess sim(GPCONNECT_SIM, {"--fixture", GPCONNECT_FIXTURE});
    clinhub::host::PluginHost host;
    if (!host.loadFile(GPCONNECT_PLUGIN)) {
        std::cerr << "cannot load " << GPCONNECT_PLUGIN << ": " << host.refused().back().reason << '\n';
        return 1;
    }
    std::string error;
    const auto instance = host.create("bench", "gpconnect-fhir", R"({"base_url": ")" + sim.url() + R"(",
        "consumer_asid": "200000000359", "provider_asid": "918999198993",
        "organisation": {"ods_code": "A12345", "name": "Demo Surgery", "telephone": "0300 303 5678"},
        "practitioner": {"id": "bench", "sds_user_id": "UNK", "family": "Bench"}})",
                                      error);
    if (!instance) {
        std::cerr << "cannot create the connector: " << error << '\n';
        return 1;
    }
    auto& book = *instance->appointmentBook();
    const int64_t now = std::time(nullptr);
    const clinhub::TimeRange week{(now / kDay + 1) * kDay, (now / kDay + 8) * kDay};
    Direct direct(sim.port(), sim.url());

    size_t slots = 0;
    size_t bytes = 0;
    auto viaPlugin = [&] {
        std::vector<clinhub::Slot> found;
        const auto r = book.freeSlots("Flu clinic", week, found);
        if (!r.ok()) throw std::runtime_error("freeSlots: " + r.message);
        slots = found.size();
    };
    // The plugin searches a little past the range's end, for slots that start inside it and end after.
    auto straight = [&] { bytes = direct.search(week.from, week.to + 4 * 3600); };
    for (int i = 0; i < 50; ++i) {
        viaPlugin();
        straight();
    }
    std::vector<double> plugin;
    std::vector<double> raw;
    for (int i = 0; i < n; ++i) {
        plugin.push_back(timed(viaPlugin));
        raw.push_back(timed(straight));
    }
    const Figures p = figures(plugin);
    const Figures d = figures(raw);
    std::printf("gpconnect-fhir freeSlots: one GET /Slot for a week (%zu free Flu clinic slots, %zu-byte Bundle), "
                "%d calls each\n",
                slots, bytes, n);
    std::printf("  direct to gpconnect_sim (Poco keep-alive, no parsing): median %.3f ms, p99 %.3f ms\n", d.median,
                d.p99);
    std::printf("  through the plugin:                                    median %.3f ms, p99 %.3f ms\n", p.median,
                p.p99);
    std::printf("  median overhead %.3f ms (ratio %.2fx); target <= 1 ms median overhead\n", p.median - d.median,
                d.median > 0 ? p.median / d.median : 0.0);
    clinhub::bench::overheadResult("gpconnect-fhir freeSlots, median", p.median, d.median);
    return 0;
}

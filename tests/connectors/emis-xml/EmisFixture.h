// Each test gets its own emis_sim process (a fresh diary) and the emis-xml plugin loaded through the real
// plugin host, configured to talk to it over a loopback socket.
#pragma once

#include "hub/host/PluginHost.h"
#include "simulators/SimProcess.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace emistest {

using clinhub::Appointment;
using clinhub::Patient;
using clinhub::Result;
using clinhub::Slot;
using clinhub::Status;
using clinhub::TimeRange;
namespace kit = clinhub::kit;

inline constexpr const char* kNamespace = "http://www.e-mis.com/emisopen/MedicalRecord";
inline constexpr int64_t kDay = 86400;

// The practice's tomorrow, where the simulator's diary starts.
inline std::chrono::sys_days tomorrow() {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return kit::localDate(now, kit::Zone::europeLondon) + std::chrono::days{1};
}

inline int64_t at(std::chrono::sys_days day, int hour, int minute = 0) {
    return kit::toEpoch(day, hour * 60 + minute, kit::Zone::europeLondon);
}

// A whole number of practice days from tomorrow.
inline TimeRange days(int from, int count) {
    return {at(tomorrow() + std::chrono::days{from}, 0), at(tomorrow() + std::chrono::days{from + count}, 0)};
}

inline std::chrono::sys_days dayOf(int64_t epochSeconds) {
    return kit::localDate(epochSeconds, kit::Zone::europeLondon);
}

inline bool weekday(std::chrono::sys_days day) {
    const auto wd = std::chrono::weekday(day).c_encoding();
    return wd >= 1 && wd <= 5;
}

// Patients of tests/simulators/emis/fixture.json, and one NHS number nobody there has.
inline Patient testy() { return {"9995260182", "1956-03-14", "+447700900123", "Testy McTestface", {}}; }
inline Patient example() { return {"9991590838", "1982-11-02", "+447700900456", "Example Patient", {}}; }
inline const std::vector<std::string> kBookNhsNumbers{"9995260182", "9991590838", "9991860916", "9993909963",
                                                      "9990308241", "9996281949", "9998219930", "9995181908"};
inline constexpr const char* kUnknownNhsNumber = "9990166137";
inline Patient withNhs(const std::string& nhs) { return {nhs, "", "", "", {}}; }

class EmisTest : public ::testing::Test {
protected:
    explicit EmisTest(std::vector<std::string> simFlags = {}) : simFlags_(std::move(simFlags)) {}

    void SetUp() override {
        std::vector<std::string> args{"--fixture",
                                      std::string(CLINHUB_SOURCE_DIR) + "/tests/simulators/emis/fixture.json"};
        args.insert(args.end(), simFlags_.begin(), simFlags_.end());
        sim_ = std::make_unique<clinhub::test::SimProcess>(EMIS_SIM, args);
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-emis-xml.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    // The connector's config section for this test's simulator, with `extra` members appended.
    [[nodiscard]] std::string config(const std::string& extra = "") const {
        return R"({"base_url": ")" + sim_->url() +
               R"(", "user": "clinhub-test", "password": "not-a-real-password", "timeout_ms": 2000)" +
               (extra.empty() ? "" : ", " + extra) + "}";
    }

    clinhub::AppointmentBook& book(const std::string& extra = "") { return bookWith(config(extra)); }

    clinhub::AppointmentBook& bookWith(const std::string& json) {
        std::string error;
        auto instance = host_.create("test-emis", "emis-xml", json, error);
        if (instance == nullptr) throw std::runtime_error("emis-xml refused its config: " + error);
        instances_.push_back(instance);
        return *instance->appointmentBook();
    }

    static std::vector<Slot> freeSlots(clinhub::AppointmentBook& b, const std::string& type,
                                       TimeRange range = days(0, 7)) {
        std::vector<Slot> slots;
        const Result r = b.freeSlots(type, range, slots);
        EXPECT_TRUE(r.ok()) << r.message;
        return slots;
    }

    [[nodiscard]] Poco::JSON::Array::Ptr simJson(const std::string& path) const {
        return Poco::JSON::Parser().parse(sim_->control("GET", path)).extract<Poco::JSON::Array::Ptr>();
    }
    [[nodiscard]] Poco::JSON::Array::Ptr appointments() const { return simJson("/_sim/appointments"); }
    [[nodiscard]] Poco::JSON::Array::Ptr records() const { return simJson("/_sim/records"); }

    // How many requests the simulator has had for the call.
    [[nodiscard]] int calls(const std::string& call) const {
        const auto o =
            Poco::JSON::Parser().parse(sim_->control("GET", "/_sim/calls")).extract<Poco::JSON::Object::Ptr>();
        return o->optValue<int>(call, 0);
    }

    // Answers the next `times` requests for `call` with `body` (and `status`), doing nothing else.
    void canned(const std::string& call, const std::string& body, int status = 200, int times = 1) const {
        sim_->control("POST",
                      "/_sim/canned?call=" + call + "&status=" + std::to_string(status) +
                          "&times=" + std::to_string(times),
                      body);
    }

    // A raw Partner API exchange, for what the connector never sends: returns the HTTP status and body.
    std::pair<int, std::string> soap(const std::string& call, const std::string& params,
                                     const std::string& action = "") const {
        const std::string body = R"(<?xml version="1.0" encoding="utf-8"?>)"
                                 R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">)"
                                 "<soap:Body><" +
                                 call + R"( xmlns=")" + kNamespace + R"(">)" + params + "</" + call +
                                 "></soap:Body></soap:Envelope>";
        return post(body, action.empty() ? std::string(kNamespace) + "/" + call : action);
    }

    std::pair<int, std::string> post(const std::string& body, const std::string& action) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim_->port()));
        Poco::Net::HTTPRequest request("POST", "/emis/partnerapi", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("text/xml; charset=utf-8");
        request.set("SOAPAction", "\"" + action + "\"");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string text;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
        return {response.getStatus(), text};
    }

    std::string logon() const {
        const auto [status, body] =
            soap("Logon", "<UserName>clinhub-test</UserName><Password>not-a-real-password</Password>");
        const auto from = body.find("<SessionId>") + 11;
        return body.substr(from, body.find("</SessionId>") - from);
    }

    std::unique_ptr<clinhub::test::SimProcess> sim_;
    clinhub::host::PluginHost host_;
    std::vector<std::shared_ptr<clinhub::host::ConnectorInstance>> instances_;

private:
    std::vector<std::string> simFlags_;
};

} // namespace emistest

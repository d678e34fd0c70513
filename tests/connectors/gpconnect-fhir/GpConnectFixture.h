// Each test: a fresh GP Connect simulator process on a loopback port, and the gpconnect-fhir plugin
// loaded through the real plugin host, talking to it over real sockets.
#pragma once

#include "hub/host/PluginHost.h"
#include "simulators/SimProcess.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace clinhub::test {

constexpr int64_t kDay = 86400;
constexpr const char* kFixture = CLINHUB_SOURCE_DIR "/tests/simulators/gpconnect/fixture.json";

// In the fixture: patient 1 (9995260182) with a mobile, patient 2 (9991590838), patient 3 (9990166137).
constexpr const char* kNhs = "9995260182";
constexpr const char* kOtherNhs = "9991590838";
constexpr const char* kUnknownNhs = "9991000003"; // valid check digit, in no book

inline int64_t tomorrowUtc() {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return (now / kDay + 1) * kDay;
}

inline Patient patient(const std::string& nhs = kNhs) { return {nhs, "1956-03-14", "", "", {}}; }

// A protocol request the simulator logged; status 0 when it dropped the connection.
struct Logged {
    std::string method;
    std::string path;
    std::string interaction;
    int status = 0;
    std::string fault; // what the simulator injected, if anything
};

class GpConnectTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-gpconnect-fhir.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
        sim_ = std::make_unique<SimProcess>(GPCONNECT_SIM, simArgs());
    }

    virtual std::vector<std::string> simArgs() { return {"--fixture", kFixture}; }

    // The connector's config; `extra` is spliced into the object (",\"key\": value...").
    [[nodiscard]] std::string config(const std::string& extra = "", int timeoutMs = 3000) const {
        return R"({"base_url": ")" + sim_->url() + R"(",
            "consumer_asid": "200000000359", "provider_asid": "918999198993",
            "organisation": {"ods_code": "A12345", "name": "Demo Surgery", "telephone": "0300 303 5678"},
            "practitioner": {"id": "clinhub-selfbook", "sds_user_id": "UNK", "family": "Self-Book", "given": "Clinhub"},
            "timeout_ms": )" +
               std::to_string(timeoutMs) + extra + "}";
    }

    AppointmentBook& book(const std::string& json = "") {
        std::string error;
        instances_.push_back(host_.create("test-gpconnect", "gpconnect-fhir", json.empty() ? config() : json, error));
        if (!instances_.back()) throw std::runtime_error("cannot create the connector: " + error);
        return *instances_.back()->appointmentBook();
    }

    std::vector<Slot> freeSlots(AppointmentBook& b, const std::string& type, TimeRange range) {
        std::vector<Slot> slots;
        const auto r = b.freeSlots(type, range, slots);
        EXPECT_TRUE(r.ok()) << r.message;
        return slots;
    }

    std::vector<Slot> flu(AppointmentBook& b, int days = 7) {
        return freeSlots(b, "Flu clinic", {tomorrowUtc(), tomorrowUtc() + days * kDay});
    }

    // GET /_sim/<what> as a JSON array.
    [[nodiscard]] Poco::JSON::Array::Ptr inspect(const std::string& what) const {
        return Poco::JSON::Parser().parse(sim_->control("GET", "/_sim/" + what)).extract<Poco::JSON::Array::Ptr>();
    }

    [[nodiscard]] std::vector<Poco::JSON::Object::Ptr> appointments() const {
        std::vector<Poco::JSON::Object::Ptr> out;
        const auto all = inspect("appointments");
        for (size_t i = 0; i < all->size(); ++i)
            out.push_back(all->getObject(i));
        return out;
    }

    [[nodiscard]] std::vector<Logged> requests() const {
        std::vector<Logged> out;
        const auto all = inspect("log");
        for (size_t i = 0; i < all->size(); ++i) {
            const auto e = all->getObject(i);
            out.push_back({e->getValue<std::string>("method"), e->getValue<std::string>("path"),
                           e->getValue<std::string>("interaction"), e->getValue<int>("status"),
                           e->getValue<std::string>("fault")});
        }
        return out;
    }
    void clearLog() const { sim_->control("DELETE", "/_sim/log"); }

    // The next protocol request (of `method`, if given) is answered with exactly this.
    void cannedReply(int status, const std::string& contentType, const std::string& body,
                     const std::string& method = "") const {
        Poco::JSON::Object o;
        o.set("status", status);
        o.set("content_type", contentType);
        o.set("body", body);
        if (!method.empty()) o.set("method", method);
        std::ostringstream text;
        o.stringify(text);
        sim_->control("POST", "/_sim/next", text.str());
    }

    static std::string outcome(const std::string& code, const std::string& diagnostics = "") {
        return R"({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid",
            "details": {"coding": [{"system": "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1",
            "code": ")" +
               code + R"("}]}, "diagnostics": ")" + diagnostics + R"("}]})";
    }

    host::PluginHost host_;
    std::unique_ptr<SimProcess> sim_;
    std::vector<std::shared_ptr<host::ConnectorInstance>> instances_;
};

} // namespace clinhub::test

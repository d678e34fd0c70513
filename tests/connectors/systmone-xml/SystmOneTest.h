// The systmone-xml connector loaded through the real plugin host, talking over real sockets to
// systmone_sim in its own process; the simulator's /_sim/ endpoints say what the book holds.
#pragma once

#include "ConnectorFixture.h"
#include "SimProcess.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace systmone::test {

using clinhub::Appointment;
using clinhub::Patient;
using clinhub::Result;
using clinhub::Slot;
using clinhub::Status;
using clinhub::TimeRange;

inline constexpr int64_t kDay = 86400;

// [tomorrow 00:00 UTC, + days), as the conformance kit asks.
inline TimeRange rangeFromTomorrow(int days = 14) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const int64_t from = (now / kDay + 1) * kDay;
    return {from, from + days * kDay};
}

// Patients in the simulator's fixture.json.
inline Patient testy() { return {"9995260182", "1956-03-14", "+447700900123", "Testy McTestface", "1000001"}; }
inline Patient example() { return {"9991590838", "1982-11-02", "+447700900456", "Example Patient", "1000002"}; }
inline Patient sample(int n) {
    static const char* numbers[] = {"9990019940", "9990029911", "9990039887"};
    return {numbers[n], "", "", "", ""};
}
inline constexpr const char* kUnknownNhsNumber = "9990049858"; // valid checksum, not registered

class Sim {
public:
    explicit Sim(std::vector<std::string> extra = {}) : tcpPortFile_(tempFile()), process_(start(extra)) {
        std::ifstream in(tcpPortFile_);
        in >> tcpPort_;
    }
    ~Sim() {
        std::error_code ec;
        std::filesystem::remove(tcpPortFile_, ec);
    }
    Sim(const Sim&) = delete;
    Sim& operator=(const Sim&) = delete;

    [[nodiscard]] int tcpPort() const { return tcpPort_; }
    [[nodiscard]] const clinhub::test::SimProcess& process() const { return process_; }
    void setFaults(const std::string& json) const { process_.setFaults(json); }
    void clearFaults() const { process_.clearFaults(); }
    void stop() { process_.stop(); }

    [[nodiscard]] Poco::JSON::Array::Ptr appointments() const { return array("/_sim/appointments"); }
    [[nodiscard]] Poco::JSON::Array::Ptr records() const { return array("/_sim/records"); }
    [[nodiscard]] Poco::JSON::Array::Ptr slots() const { return array("/_sim/slots"); }
    [[nodiscard]] Poco::JSON::Object::Ptr requests() const {
        return Poco::JSON::Parser().parse(process_.control("GET", "/_sim/requests")).extract<Poco::JSON::Object::Ptr>();
    }
    [[nodiscard]] int requestsOf(const std::string& function) const {
        return requests()->getObject("functions")->optValue<int>(function, 0);
    }

    // The next `count` requests get `body` as their reply; "{uid}" in it becomes the request's RequestUID.
    void canned(const std::string& body, int count = 1) const {
        Poco::JSON::Object o;
        o.set("body", body);
        o.set("count", count);
        std::ostringstream text;
        o.stringify(text);
        process_.control("POST", "/_sim/canned", text.str());
    }

    // Sends `xml` as the HTTP variant does, bypassing the connector: (HTTP status, body).
    [[nodiscard]] std::pair<int, std::string> rawHttp(const std::string& xml, const std::string& method = "GET") const {
        std::string query;
        Poco::URI::encode(xml, "!#$&'()*+,/:;=?@[]<>\"%{}|\\^` ", query);
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(process_.port()));
        Poco::Net::HTTPRequest request(method, "/ClientIntegration?requestString=" + query, "HTTP/1.1");
        request.setContentLength(0);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::string body;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
        return {static_cast<int>(response.getStatus()), body};
    }

    // The simulator's appointments with this uid (0 or 1 of them).
    [[nodiscard]] std::vector<Poco::JSON::Object::Ptr> appointment(const std::string& uid) const {
        std::vector<Poco::JSON::Object::Ptr> found;
        const auto all = appointments();
        for (std::size_t i = 0; i < all->size(); ++i)
            if (all->getObject(static_cast<unsigned>(i))->getValue<std::string>("uid") == uid)
                found.push_back(all->getObject(static_cast<unsigned>(i)));
        return found;
    }

private:
    static std::string tempFile() {
        std::random_device rd;
        return (std::filesystem::temp_directory_path() /
                ("systmone-sim-" + std::to_string(rd()) + "-" + std::to_string(rd()) + ".tcp"))
            .string();
    }
    clinhub::test::SimProcess start(std::vector<std::string> extra) const {
        std::vector<std::string> args{"--fixture", SYSTMONE_FIXTURE, "--seed", "7", "--tcp-port-file", tcpPortFile_};
        args.insert(args.end(), extra.begin(), extra.end());
        return clinhub::test::SimProcess(SYSTMONE_SIM, args);
    }
    [[nodiscard]] Poco::JSON::Array::Ptr array(const std::string& path) const {
        return Poco::JSON::Parser().parse(process_.control("GET", path)).extract<Poco::JSON::Array::Ptr>();
    }

    std::string tcpPortFile_;
    clinhub::test::SimProcess process_;
    int tcpPort_ = 0;
};

class SystmOneTest : public clinhub::test::ConnectorFixture {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-systmone-xml.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    // The connector's config section for the simulator over `transport`; members of `extra` (JSON object
    // members, without the braces) are added or replace the defaults.
    static std::string config(const Sim& sim, const std::string& transport, const std::string& extra = "") {
        Poco::JSON::Object c;
        c.set("transport", transport);
        c.set("api_key", "clinhub-test-api-key");
        c.set("device_id", "clinhub-test-device");
        c.set("timeout_ms", 3000);
        if (transport == "tcp")
            c.set("port", sim.tcpPort());
        else
            c.set("base_url", sim.process().url() + "/SystmOne/ClientIntegration");
        const auto more = Poco::JSON::Parser().parse("{" + extra + "}").extract<Poco::JSON::Object::Ptr>();
        for (const auto& [name, value] : *more)
            c.set(name, value);
        std::ostringstream text;
        c.stringify(text);
        return text.str();
    }

    clinhub::AppointmentBook& book(const Sim& sim, const std::string& transport, const std::string& extra = "") {
        instances_.push_back(create("systmone-xml", config(sim, transport, extra)));
        if (instances_.back() == nullptr) throw std::runtime_error("the connector did not start");
        return *instances_.back()->appointmentBook();
    }

    static std::vector<Slot> freeSlots(clinhub::AppointmentBook& b, const std::string& type,
                                       TimeRange range = rangeFromTomorrow()) {
        std::vector<Slot> slots;
        const Result r = b.freeSlots(type, range, slots);
        EXPECT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
        return slots;
    }

    std::vector<std::shared_ptr<clinhub::host::ConnectorInstance>> instances_;
};

// Each test runs over both transports.
class SystmOneBothTransports : public SystmOneTest, public ::testing::WithParamInterface<std::string> {
protected:
    [[nodiscard]] std::string transport() const { return GetParam(); }
};

} // namespace systmone::test

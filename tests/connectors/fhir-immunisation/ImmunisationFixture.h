// Each test: a fresh immunisation_sim process on a loopback port, which makes a throwaway RSA key pair
// in a temporary folder (the client's private key is read from there), and the fhir-immunisation plugin
// loaded through the real plugin host, talking to it over real sockets.
#pragma once

#include "TempDir.h"
#include "hub/host/PluginHost.h"
#include "simulators/SimProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace clinhub::test {

constexpr const char* kFixture = CLINHUB_SOURCE_DIR "/tests/simulators/immunisation/fixture.json";

// In the fixture: two Pfizer COVID doses, a flu dose, a flu not-done and a COVID entered-in-error.
constexpr const char* kVaccinated = "9995260182";
// A Moderna first dose (dose number as a string), RSV, MMR ("Dose 2") and HPV, which this client may not read.
constexpr const char* kModerna = "9991590838";
constexpr const char* kNoRecords = "9990166137";
constexpr const char* kUnknown = "9990000018"; // a valid number the API has no records for

constexpr const char* kApiKeyEnv = "CLINHUB_TEST_IMMUNISATION_API_KEY";
constexpr const char* kApiKey = "clinhub-test-api-key-not-real";
constexpr const char* kKid = "clinhub-test-1";

constexpr const char* kPfizer = "39115611000001103";
constexpr const char* kModernaCode = "39326911000001101";

struct History {
    Result result;
    std::vector<Immunisation> doses;
};

class ImmunisationTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-fhir-immunisation.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
        setenv(kApiKeyEnv, kApiKey, 1);
        std::vector<std::string> args{"--fixture", kFixture, "--keys-out", keys_.file("sim")};
        for (const auto& a : simArgs())
            args.push_back(a);
        sim_ = std::make_unique<SimProcess>(IMMUNISATION_SIM, args);
    }

    virtual std::vector<std::string> simArgs() { return {}; }

    [[nodiscard]] std::string privateKey() const { return keys_.file("sim/private.pem"); }

    // The connector's config; `extra` is spliced into the object (",\"key\": value...").
    [[nodiscard]] std::string config(const std::string& extra = "", int timeoutMs = 3000) const {
        return R"({"base_url": ")" + sim_->url() + R"(/immunisation-fhir-api/FHIR/R4",
            "token_url": ")" +
               sim_->url() + R"(/oauth2/token",
            "api_key_env": ")" +
               kApiKeyEnv + R"(", )" + keyField_ + R"(,
            "kid": ")" +
               kKid + R"(", "connect_timeout_ms": 500, "timeout_ms": )" + std::to_string(timeoutMs) + extra + "}";
    }

    ImmunisationRecords& records(const std::string& json = "") {
        std::string error;
        instances_.push_back(host_.create("test-nims", "fhir-immunisation", json.empty() ? config() : json, error));
        if (!instances_.back()) throw std::runtime_error("cannot create the connector: " + error);
        return *instances_.back()->immunisationRecords();
    }

    std::string createError(const std::string& json) {
        std::string error;
        EXPECT_EQ(host_.create("test-nims", "fhir-immunisation", json, error), nullptr);
        return error;
    }

    static History history(ImmunisationRecords& r, const std::string& nhs, const std::vector<std::string>& targets) {
        History h;
        h.result = r.history(nhs, targets, h.doses);
        return h;
    }

    // GET /_sim/stats: token_requests, tokens_issued, tokens_refused, last_refusal, searches, bearer_refused,
    // last_search {query, accept, request_id}.
    [[nodiscard]] Poco::JSON::Object::Ptr stats() const {
        return Poco::JSON::Parser().parse(sim_->control("GET", "/_sim/stats")).extract<Poco::JSON::Object::Ptr>();
    }
    [[nodiscard]] int stat(const std::string& name) const { return stats()->getValue<int>(name); }

    // The next search is answered with exactly this.
    void cannedReply(int status, const std::string& body,
                     const std::string& contentType = "application/fhir+json") const {
        Poco::JSON::Object o;
        o.set("status", status);
        o.set("content_type", contentType);
        o.set("body", body);
        std::ostringstream text;
        o.stringify(text);
        sim_->control("POST", "/_sim/next", text.str());
    }

    static std::string outcome(const std::string& code, const std::string& diagnostics) {
        return R"({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": ")" + code +
               R"(", "diagnostics": ")" + diagnostics + R"("}]})";
    }

    host::PluginHost host_;
    TempDir keys_;
    // How config() says where the private key is.
    std::string keyField_ = R"("private_key_file": ")" + keys_.file("sim/private.pem") + R"(")";
    std::unique_ptr<SimProcess> sim_;
    std::vector<std::shared_ptr<host::ConnectorInstance>> instances_;
};

} // namespace clinhub::test

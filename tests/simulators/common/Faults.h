// The faults a simulator injects, shared by its worker threads and changed at run time through its control
// endpoint (POST /_sim/faults) or fixed at start by flags. Rates are probabilities in [0, 1].
#pragma once

#include <Poco/JSON/Object.h>

#include <mutex>
#include <random>
#include <string>

namespace clinhub::sim {

struct FaultSettings {
    int latencyMs = 0;          // added before every answer; longer than a client's timeout makes a timeout
    double errorRate = 0;       // answer with the protocol's server error (HTTP 5xx or its fault reply)
    double dropRate = 0;        // close the connection without answering
    double malformedRate = 0;   // answer with a body that does not parse
    double stealRate = 0;       // a slot is taken behind the client's back just before it books it
    double afterCommitRate = 0; // do the work, then fail to answer: the client cannot tell that it happened
    int oversizeMb = 0;         // answer with this many MiB, streamed without a Content-Length (simulators
                                // that support it: emis)

    [[nodiscard]] Poco::JSON::Object toJson() const;
    // Sets the fields present in `json`; throws std::invalid_argument naming a bad or unknown field.
    void merge(const Poco::JSON::Object& json);
};

class Faults {
public:
    explicit Faults(FaultSettings initial = {}, unsigned seed = std::random_device{}());

    [[nodiscard]] FaultSettings settings() const;
    void set(const FaultSettings& s);
    void reset(); // back to the settings given at start

    // Each rolls the dice for one request.
    bool error() { return roll(&FaultSettings::errorRate); }
    bool drop() { return roll(&FaultSettings::dropRate); }
    bool malformed() { return roll(&FaultSettings::malformedRate); }
    bool steal() { return roll(&FaultSettings::stealRate); }
    bool afterCommit() { return roll(&FaultSettings::afterCommitRate); }
    [[nodiscard]] int latencyMs() const;
    [[nodiscard]] int oversizeMb() const;

private:
    bool roll(double FaultSettings::*rate);

    mutable std::mutex mutex_;
    FaultSettings initial_;
    FaultSettings current_;
    std::mt19937 random_;
};

} // namespace clinhub::sim

#include "Faults.h"

#include <stdexcept>

namespace clinhub::sim {

namespace {

double rate(const Poco::JSON::Object& json, const std::string& name) {
    const double value = json.getValue<double>(name);
    if (value < 0 || value > 1) throw std::invalid_argument(name + " must be between 0 and 1");
    return value;
}

} // namespace

Poco::JSON::Object FaultSettings::toJson() const {
    Poco::JSON::Object o;
    o.set("latency_ms", latencyMs);
    o.set("error_rate", errorRate);
    o.set("drop_rate", dropRate);
    o.set("malformed_rate", malformedRate);
    o.set("steal_rate", stealRate);
    o.set("after_commit_rate", afterCommitRate);
    o.set("oversize_mb", oversizeMb);
    return o;
}

void FaultSettings::merge(const Poco::JSON::Object& json) {
    for (const auto& [name, value] : json) {
        (void)value;
        if (name == "latency_ms") {
            latencyMs = json.getValue<int>(name);
            if (latencyMs < 0) throw std::invalid_argument("latency_ms must not be negative");
        } else if (name == "error_rate") {
            errorRate = rate(json, name);
        } else if (name == "drop_rate") {
            dropRate = rate(json, name);
        } else if (name == "malformed_rate") {
            malformedRate = rate(json, name);
        } else if (name == "steal_rate") {
            stealRate = rate(json, name);
        } else if (name == "after_commit_rate") {
            afterCommitRate = rate(json, name);
        } else if (name == "oversize_mb") {
            oversizeMb = json.getValue<int>(name);
            if (oversizeMb < 0) throw std::invalid_argument("oversize_mb must not be negative");
        } else {
            throw std::invalid_argument("unknown fault '" + name + "'");
        }
    }
}

Faults::Faults(FaultSettings initial, unsigned seed) : initial_(initial), current_(initial), random_(seed) {}

FaultSettings Faults::settings() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void Faults::set(const FaultSettings& s) {
    std::lock_guard lock(mutex_);
    current_ = s;
}

void Faults::reset() {
    std::lock_guard lock(mutex_);
    current_ = initial_;
}

int Faults::latencyMs() const {
    std::lock_guard lock(mutex_);
    return current_.latencyMs;
}

int Faults::oversizeMb() const {
    std::lock_guard lock(mutex_);
    return current_.oversizeMb;
}

bool Faults::roll(double FaultSettings::*rate) {
    std::lock_guard lock(mutex_);
    const double p = current_.*rate;
    if (p <= 0) return false;
    if (p >= 1) return true;
    return std::uniform_real_distribution<double>(0, 1)(random_) < p;
}

} // namespace clinhub::sim

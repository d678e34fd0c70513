// `config check --probe`: each connector of a config contacted once, as `serve` would use it, and what the
// config asks of the appointment books checked against what they hold.
//
// A probe only reads: a book lists its slot types; messaging connectors look up a reference no message
// has; immunisation records are asked for a number in the NHS's test range, which no patient has.
#pragma once

#include "hub/config/Diagnostic.h"
#include "hub/runtime/Runtime.h"

#include <chrono>
#include <string>
#include <vector>

namespace clinhub::runtime {

struct ProbeRow {
    std::string connector;
    std::string plugin;
    std::string kind;    // appointment-book, sms, ...
    bool reached = true; // false: the provider could not be reached or refused the call
    std::string outcome; // what the call found, or why it failed (the connector's scrubbed words)
    std::chrono::milliseconds took{0};
};

struct ProbeReport {
    std::vector<ProbeRow> rows;
    // Rules' slot types that no book they route to holds, each at the place it is written.
    std::vector<config::Diagnostic> problems;
    [[nodiscard]] bool ok() const;
};

// Calls every connector of `runtime` (each at most once per kind, all at once, each bounded by its own
// timeout_ms) and checks every rule's slot types against its organisation's book.
ProbeReport probe(const Runtime& runtime);

} // namespace clinhub::runtime

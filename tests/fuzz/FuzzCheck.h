// What every fuzz target checks of a parser's answer. A broken invariant traps, which libFuzzer reports
// as a crash with the input that caused it.
#pragma once

#include <clinhub/plugin.hpp>

#include <string>

namespace clinhub::fuzz {

inline void require(bool holds) {
    if (!holds) __builtin_trap();
}

// A refusal says why, starting with what was refused (so a log line names the call); a success says
// nothing.
inline void requireResult(const Result& r, const std::string& what) {
    if (r.ok()) return require(r.message.empty());
    require(r.message.starts_with(what) && r.message.size() > what.size());
}

} // namespace clinhub::fuzz

// A verb's command line, checked against what the verb takes: a typo or a leftover option is a usage
// error, never silently ignored (an ignored `--role viewer` once handed out a full-power key).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace clinhub::cli {

struct Syntax {
    std::vector<std::string> required; // options that take a value and must be given
    std::vector<std::string> optional; // options that take a value
    std::vector<std::string> flags;    // options that take none
    std::size_t minArguments = 0;      // plain arguments
    std::size_t maxArguments = 0;
};

struct Options {
    std::map<std::string, std::string> values;
    std::set<std::string> flags;
    std::vector<std::string> arguments;

    [[nodiscard]] std::optional<std::string> value(const std::string& name) const;
    [[nodiscard]] bool flag(const std::string& name) const { return flags.contains(name); }
};

// `args` read as `--name VALUE`, `--name=VALUE`, `--flag` and plain arguments; nullopt with `problem` set
// when they do not fit `syntax` (an unknown option, a value missing or given twice, a stray argument).
std::optional<Options> parseOptions(const std::vector<std::string>& args, const Syntax& syntax, std::string& problem);

} // namespace clinhub::cli

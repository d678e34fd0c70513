// The verbs of the `clinhub` command, callable from tests without a process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace clinhub::cli {

// Runs `clinhub <args...>`; returns the exit status: 0 done, 1 the work failed, 2 bad usage or config.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace clinhub::cli

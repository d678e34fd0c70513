// `clinhub ARGUMENTS` run as a sysadmin runs it, its output and status kept for a test to read.
#pragma once

#include "tests/TempDir.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>

namespace clinhub::test {

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

inline Run runCli(const std::string& arguments) {
    Run run;
    const TempDir scratch;
    const auto errFile = scratch.file("stderr");
    FILE* pipe = popen((std::string(CLINHUB_EXE) + " " + arguments + " 2>" + errFile).c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer{};
    while (const auto n = fread(buffer.data(), 1, buffer.size(), pipe))
        run.out.append(buffer.data(), n);
    const int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(errFile);
    run.err.assign(std::istreambuf_iterator<char>(in), {});
    return run;
}

} // namespace clinhub::test

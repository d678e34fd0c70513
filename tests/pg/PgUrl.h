// The throw-away PostgreSQL cluster that ctest's fixture `pg` starts for the tests that need it
// (clinhub_test(... POSTGRES), tests/pg/CMakeLists.txt; the cluster is scripts/pg-cluster's).
#pragma once

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace clinhub::test {

// The cluster's store URL, postgresql://USER@127.0.0.1:PORT/clinhub, read from the file that
// CLINHUB_TEST_PG_URL_FILE names. Without it the calling test fails, never skips: run it through ctest, which
// starts the cluster first, or start one yourself (scripts/pg-cluster start DIR) and set the variable to DIR/url.
inline std::string postgresUrl() {
    auto fail = [](const std::string& why) -> std::string {
        const std::string message =
            "no PostgreSQL for this test: " + why +
            ". Run it through ctest (the fixture `pg` starts a throw-away cluster first), or run "
            "`scripts/pg-cluster start DIR` and set CLINHUB_TEST_PG_URL_FILE=DIR/url";
        ADD_FAILURE() << message;
        throw std::runtime_error(message);
    };
    const char* file = std::getenv("CLINHUB_TEST_PG_URL_FILE");
    if (file == nullptr || *file == '\0') return fail("CLINHUB_TEST_PG_URL_FILE is not set");
    std::ifstream in(file);
    if (!in) return fail(std::string("cannot read ") + file + " (did the test pg_cluster_start fail?)");
    std::string url;
    std::getline(in, url);
    if (url.rfind("postgresql://", 0) != 0) return fail(std::string(file) + " holds no postgresql:// URL");
    return url;
}

} // namespace clinhub::test

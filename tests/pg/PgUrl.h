// The throw-away PostgreSQL cluster that ctest's fixture `pg` starts for the tests that need it
// (clinhub_test(... POSTGRES), tests/pg/CMakeLists.txt; the cluster is scripts/pg-cluster's).
#pragma once

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <Poco/URI.h>
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

// Poco::Data::PostgreSQL (1.11) does not take a URL: it splits its connection string at every space into
// keyword=value pairs (no quoting, so no value may hold a space), adds connect_timeout=<the session's login
// timeout> and hands that to libpq. postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME becomes
// "host=HOST port=PORT user=USER [password=PASSWORD] dbname=DBNAME", each part percent-decoded.
inline std::string pocoConnectionString(const std::string& url) {
    const Poco::URI uri(url);
    if (uri.getScheme() != "postgresql" && uri.getScheme() != "postgres")
        throw std::invalid_argument("not a postgresql:// URL: " + url);
    std::string out;
    auto add = [&](const std::string& key, const std::string& value) {
        if (value.empty()) return;
        if (value.find_first_of(" \t\n") != std::string::npos)
            throw std::invalid_argument("Poco's PostgreSQL connector cannot take a " + key + " with a space");
        out += (out.empty() ? "" : " ") + key + "=" + value;
    };
    std::string user = uri.getUserInfo(), password;
    if (const auto colon = user.find(':'); colon != std::string::npos) {
        password = user.substr(colon + 1);
        user.resize(colon);
    }
    std::string decodedUser, decodedPassword;
    Poco::URI::decode(user, decodedUser);
    Poco::URI::decode(password, decodedPassword);
    add("host", uri.getHost());
    add("port", uri.getPort() != 0 ? std::to_string(uri.getPort()) : "");
    add("user", decodedUser);
    add("password", decodedPassword);
    add("dbname", uri.getPath().empty() ? "" : uri.getPath().substr(1)); // getPath() is decoded already
    return out;
}

} // namespace clinhub::test

// An empty database of one test's own in the fixture's cluster: tests run in parallel against one cluster,
// so a test that migrates a schema or counts rows takes one of these rather than the shared `clinhub`.
#pragma once

#include "hub/store/Store.h"
#include "tests/pg/PgUrl.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>

#include <random>
#include <string>

namespace clinhub::test {

class PgDatabase {
public:
    PgDatabase() : adminUrl_(postgresUrl()) {
        Poco::Data::PostgreSQL::Connector::registerConnector();
        std::random_device rd;
        name_ = "test_" + std::to_string(rd()) + std::to_string(rd());
        admin() << "CREATE DATABASE " + name_, Poco::Data::Keywords::now;
        url_ = adminUrl_.substr(0, adminUrl_.rfind('/') + 1) + name_;
    }
    ~PgDatabase() {
        try {
            // FORCE: sessions the test left open are ended rather than keeping the database.
            admin() << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", Poco::Data::Keywords::now;
        } catch (...) {
            // The cluster goes away with the fixture anyway.
        }
        Poco::Data::PostgreSQL::Connector::unregisterConnector();
    }
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    // postgresql://USER@127.0.0.1:PORT/<this database>
    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    // A new session on this database.
    [[nodiscard]] Poco::Data::Session session() const {
        return Poco::Data::Session(Poco::Data::PostgreSQL::Connector::KEY, store::postgresConnectionString(url_));
    }

private:
    [[nodiscard]] Poco::Data::Session admin() const {
        return Poco::Data::Session(Poco::Data::PostgreSQL::Connector::KEY, store::postgresConnectionString(adminUrl_));
    }

    std::string adminUrl_;
    std::string name_;
    std::string url_;
};

} // namespace clinhub::test

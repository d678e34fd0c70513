// The store a test runs on. A test binary registered with clinhub_test(... BOTH_STORES) runs twice under
// ctest: on SQLite in the test's own folder, and as its `.postgresql` twin (CLINHUB_TEST_STORE=postgresql) on
// an empty PostgreSQL database of its own in the build tree's throw-away cluster (tests/pg).
#pragma once

#include "tests/TempDir.h"
#include "tests/pg/PgDatabase.h"

#include <cstdlib>
#include <memory>
#include <string>

namespace clinhub::test {

class TestStore {
public:
    explicit TestStore(const TempDir& dir) {
        const char* which = std::getenv("CLINHUB_TEST_STORE");
        if (which != nullptr && std::string(which) == "postgresql") {
            pg_ = std::make_unique<PgDatabase>();
            url_ = pg_->url();
        } else {
            url_ = "sqlite:" + dir.file("hub.db");
        }
    }

    // The store URL, as a config's hub.store takes it.
    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] bool postgresql() const { return pg_ != nullptr; }

private:
    std::unique_ptr<PgDatabase> pg_;
    std::string url_;
};

} // namespace clinhub::test

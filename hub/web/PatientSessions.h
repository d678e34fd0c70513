// A patient's session after the date of birth check: a cookie bound to one link, and its CSRF token.
//
// The only code that reads or writes `patient_sessions`. The store keeps the session id's hash, so a copy of
// the database opens nothing.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace clinhub::web {

class PatientSessions {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    struct Session {
        std::string id; // the cookie's value
        std::string csrf;
        std::string linkId;
        int64_t expiresAt = 0;
    };

    static constexpr int64_t kLifeMicros = 30LL * 60 * 1'000'000;

    explicit PatientSessions(store::Store& store, Clock clock = store::nowMicros)
        : store_(store), clock_(std::move(clock)) {}

    // A new session on the link; sessions past their time are cleared as new ones start.
    Session start(const std::string& linkId);
    // The session, while it lasts and only for the link it was started on.
    std::optional<Session> find(const std::string& sessionId, const std::string& linkId);

private:
    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::web

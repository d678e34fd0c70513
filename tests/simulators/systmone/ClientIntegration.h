// The Client Integration protocol, whichever transport carried the request: checks the envelope (API key,
// registered device, a fresh GUID RequestUID, a known Function at a supported FunctionVersion), runs the
// function against the book and writes the ClientIntegrationResponse. Error, malformed, steal and
// after-commit faults are applied here; latency and drops belong to the transports.
#pragma once

#include "Book.h"
#include "Fixture.h"

#include "Faults.h"

#include <Poco/JSON/Object.h>

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace systmone {

struct Answer {
    enum class Kind {
        reply,       // send body
        serverError, // the transport's own failure (HTTP 500)
        drop         // close the connection without a word
    };
    Kind kind = Kind::reply;
    std::string body;
};

class ClientIntegration {
public:
    ClientIntegration(Book& book, Access access, clinhub::sim::Faults& faults);

    // One request's XML, without the TCP transport's <EOF> terminator.
    Answer serve(const std::string& request, bool overTcp);

    // Replies `body` to the next `count` requests instead of serving them; "{uid}" in it becomes the
    // request's RequestUID. For tests of what a client does with odd replies.
    void addCanned(const std::string& body, int count);
    void clearCanned();

    // What clients sent: requests per Function, RequestUIDs seen and repeated.
    [[nodiscard]] Poco::JSON::Object requestsJson() const;

private:
    Answer process(const std::string& request, bool overTcp);

    Book& book_;
    Access access_;
    clinhub::sim::Faults& faults_;

    mutable std::mutex mutex_;
    std::deque<std::string> canned_;
    std::set<std::string> uids_;
    std::map<std::string, int> functions_;
    int repeatedUids_ = 0;
};

} // namespace systmone

// What a route handler sees of one HTTP exchange: a Request to read and a Response to fill.
//
// The response is buffered and sent by the Server once the handler returns, so a handler that throws
// half-way never leaves a half-written response on the wire.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/NameValueCollection.h>

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace Poco::Net {
class HTTPServerRequest;
class SocketAddress;
} // namespace Poco::Net

namespace clinhub::http {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Thrown by a handler to answer with a problem body (RFC 9457). The detail goes to the client as it is,
// so it must never carry anything the client did not send; prefer fixed texts.
class Error : public std::runtime_error {
public:
    Error(int status, const std::string& detail) : std::runtime_error(detail), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

class Request {
public:
    using Clock = std::chrono::steady_clock;
    // The body must have arrived by bodyDeadline; a read past it ends the body early and timedOut() says so.
    Request(Poco::Net::HTTPServerRequest& request, std::string requestId, std::size_t maxBodyBytes,
            Clock::time_point bodyDeadline = Clock::time_point::max());
    ~Request();
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    const std::string& method() const;
    // The path as received, still percent-encoded. It may carry tokens: never log it.
    const std::string& rawPath() const { return rawPath_; }
    // The pattern that matched, e.g. "/b/{token}"; empty if none did.
    const std::string& route() const { return route_; }
    const std::string& requestId() const { return requestId_; }

    // A named segment of the route, percent-decoded. Asking for a name the route lacks is a programming
    // error and throws std::out_of_range.
    const std::string& param(std::string_view name) const;
    const Pairs& params() const { return params_; }

    // The first value of a query parameter, decoded ('+' is a space). Malformed query: Error 400.
    std::optional<std::string> query(std::string_view name) const;
    const Pairs& queryParams() const { return query_; } // empty if the query was malformed

    std::optional<std::string> header(const std::string& name) const;
    Poco::Net::SocketAddress clientAddress() const;
    // Who sent the request, for per-client limits (ClientAddress.h): the peer, or whom a trusted proxy
    // says it forwards. Empty when the request did not come through a Server.
    const std::string& client() const { return client_; }

    // The body, read on first use. Larger than the server's limit: Error 413.
    const std::string& body();
    // The body as it arrives, for a handler that reads a large upload piece by piece under a limit of its own
    // (the server's body limit does not apply). Whatever it leaves unread is drained after it answers.
    std::istream& bodyStream();
    // The body parsed as a JSON object. Not JSON or not an object: Error 400.
    Poco::JSON::Object::Ptr jsonObject();
    // A field of an application/x-www-form-urlencoded body (what an HTML form posts).
    std::optional<std::string> formField(std::string_view name);

    Poco::Net::HTTPServerRequest& poco() { return request_; }
    // The body stopped arriving before its deadline: the server answers 408, whatever the handler said.
    bool timedOut() const { return timedOut_; }

private:
    friend class Router;
    friend class Server;
    void setRoute(std::string route, Pairs params) {
        route_ = std::move(route);
        params_ = std::move(params);
    }
    // Reads and drops an unread body so the connection can carry the next request; false if it was too
    // large to drop, in which case the connection must close.
    bool discardBody();
    bool hasBody() const;
    std::istream& in();

    Poco::Net::HTTPServerRequest& request_;
    std::string requestId_;
    std::size_t maxBodyBytes_;
    std::string rawPath_;
    std::string route_;
    Pairs params_;
    Pairs query_;
    bool badQuery_ = false;
    std::optional<std::string> body_;
    std::optional<Pairs> form_;
    bool streamed_ = false;
    std::string client_;
    Clock::time_point bodyDeadline_;
    bool timedOut_ = false;
    class DeadlineBuffer;
    std::unique_ptr<DeadlineBuffer> deadlineBuffer_;
    std::unique_ptr<std::istream> in_;
};

class Response {
public:
    explicit Response(std::string requestId) : requestId_(std::move(requestId)) {}

    Response& status(int code) {
        status_ = code;
        return *this;
    }
    int status() const { return status_; }

    // Replaces any earlier value of the header.
    Response& header(const std::string& name, const std::string& value) {
        headers_.set(name, value);
        return *this;
    }
    const Poco::Net::NameValueCollection& headers() const { return headers_; }

    // Takes a Poco::JSON::Object(::Ptr), Array(::Ptr) or anything else Poco::JSON::Stringifier takes.
    void json(const Poco::Dynamic::Var& value, int status = 200);
    void text(std::string body, int status = 200, std::string contentType = "text/plain; charset=utf-8");
    void html(std::string body, int status = 200) { text(std::move(body), status, "text/html; charset=utf-8"); }
    // An application/problem+json body: type, title (from the status), status, detail, request_id.
    void problem(int status, std::string_view detail = {});

    const std::string& body() const { return body_; }
    const std::string& contentType() const { return contentType_; }

    // Back to an empty 200, e.g. before answering for a handler that threw half-way.
    void reset();

private:
    std::string requestId_;
    int status_ = 200;
    Poco::Net::NameValueCollection headers_;
    std::string contentType_;
    std::string body_;
};

// Splits an application/x-www-form-urlencoded string (a query or a form body) into decoded pairs.
Pairs parseUrlEncoded(std::string_view text);

} // namespace clinhub::http

#include "hub/http/Request.h"

#include "hub/http/FrontDoor.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>

namespace clinhub::http {
namespace {

std::string decode(std::string_view text, bool plusAsSpace) {
    std::string raw(text);
    // Poco's plusAsSpace only applies after a '?' in the string it is given, so do it here; a literal plus
    // arrives as %2B and survives.
    if (plusAsSpace) std::replace(raw.begin(), raw.end(), '+', ' ');
    std::string out;
    try {
        Poco::URI::decode(raw, out);
    } catch (const Poco::SyntaxException&) {
        throw Error(400, "malformed percent-encoding");
    }
    return out;
}

} // namespace

Pairs parseUrlEncoded(std::string_view text) {
    Pairs pairs;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const auto part = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (part.empty()) continue;
        const auto eq = part.find('=');
        if (eq == std::string_view::npos)
            pairs.emplace_back(decode(part, true), std::string());
        else
            pairs.emplace_back(decode(part.substr(0, eq), true), decode(part.substr(eq + 1), true));
    }
    return pairs;
}

// Reads the body one socket read at a time, each given only the time left before the body's deadline and
// no more than the socket's own timeout (a stall), so a client dribbling a body, or sending none of the
// one it announced, holds a serving thread no longer than that.
class Request::DeadlineBuffer : public std::streambuf {
public:
    DeadlineBuffer(std::istream& source, Poco::Net::StreamSocket* socket, Clock::time_point deadline, bool& timedOut)
        : source_(*source.rdbuf()), socket_(socket), deadline_(deadline), timedOut_(timedOut),
          stall_(socket ? socket->getReceiveTimeout().totalMicroseconds() : 0) {}

protected:
    int_type underflow() override {
        if (source_.in_avail() <= 0) {
            const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
            if (left.count() <= 0) return timeOut();
            if (socket_ != nullptr && deadline_ != Clock::time_point::max()) {
                auto wait = std::max<Poco::Timespan::TimeDiff>(left.count(), 1000);
                if (stall_ > 0) wait = std::min(wait, stall_);
                socket_->setReceiveTimeout(Poco::Timespan(wait));
            }
            try {
                if (traits_type::eq_int_type(source_.sgetc(), traits_type::eof())) return traits_type::eof();
            } catch (const Poco::TimeoutException&) {
                return timeOut();
            } catch (const Poco::Exception&) {
                return traits_type::eof();
            }
        }
        const auto n = source_.sgetn(buffer_, std::min<std::streamsize>(source_.in_avail(), sizeof buffer_));
        if (n <= 0) return traits_type::eof();
        setg(buffer_, buffer_, buffer_ + n);
        return traits_type::to_int_type(buffer_[0]);
    }

private:
    int_type timeOut() {
        timedOut_ = true;
        return traits_type::eof();
    }

    std::streambuf& source_;
    Poco::Net::StreamSocket* socket_;
    Clock::time_point deadline_;
    bool& timedOut_;
    Poco::Timespan::TimeDiff stall_;
    char buffer_[8192];
};

// --- Request --------------------------------------------------------------------------------------------------

Request::Request(Poco::Net::HTTPServerRequest& request, std::string requestId, std::size_t maxBodyBytes,
                 Clock::time_point bodyDeadline)
    : request_(request), requestId_(std::move(requestId)), maxBodyBytes_(maxBodyBytes), bodyDeadline_(bodyDeadline) {
    std::string target = request.getURI();
    // Origin-form ("/path?q") is the norm; absolute-form is allowed by HTTP/1.1, so reduce it to the former.
    if (!target.starts_with('/')) {
        try {
            target = Poco::URI(target).getPathEtc();
        } catch (const Poco::Exception&) {
            target.clear();
        }
    }
    const auto question = target.find('?');
    rawPath_ = target.substr(0, question);
    if (question != std::string::npos) {
        auto raw = std::string_view(target).substr(question + 1);
        raw = raw.substr(0, raw.find('#'));
        try {
            query_ = parseUrlEncoded(raw);
        } catch (const Error&) {
            // A bad query only matters to a handler that reads it; query() reports it then.
            badQuery_ = true;
        }
    }
}

Request::~Request() = default;

std::istream& Request::in() {
    if (!in_) {
        auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request_);
        deadlineBuffer_ = std::make_unique<DeadlineBuffer>(request_.stream(), served ? &served->socket() : nullptr,
                                                           bodyDeadline_, timedOut_);
        in_ = std::make_unique<std::istream>(deadlineBuffer_.get());
    }
    return *in_;
}

const std::string& Request::method() const { return request_.getMethod(); }

const std::string& Request::param(std::string_view name) const {
    for (const auto& [key, value] : params_)
        if (key == name) return value;
    throw std::out_of_range("route " + route_ + " has no parameter " + std::string(name));
}

std::optional<std::string> Request::query(std::string_view name) const {
    if (badQuery_) throw Error(400, "malformed query string");
    for (const auto& [key, value] : query_)
        if (key == name) return value;
    return std::nullopt;
}

std::optional<std::string> Request::header(const std::string& name) const {
    if (!request_.has(name)) return std::nullopt;
    return request_.get(name);
}

Poco::Net::SocketAddress Request::clientAddress() const { return request_.clientAddress(); }

bool Request::hasBody() const {
    // Without a length or chunking an HTTP/1.1 request has no body; reading would wait for the socket to close.
    return request_.hasContentLength() || request_.getChunkedTransferEncoding();
}

const std::string& Request::body() {
    if (body_) return *body_;
    std::string data;
    if (hasBody()) {
        if (request_.hasContentLength() && request_.getContentLength64() > static_cast<Poco::Int64>(maxBodyBytes_))
            throw Error(413, "request body too large");
        auto& in = this->in();
        char buffer[8192];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            data.append(buffer, static_cast<std::size_t>(in.gcount()));
            if (data.size() > maxBodyBytes_) throw Error(413, "request body too large");
        }
    }
    body_ = std::move(data);
    return *body_;
}

std::istream& Request::bodyStream() {
    streamed_ = true;
    return in();
}

bool Request::discardBody() {
    if ((body_ && !streamed_) || !hasBody()) return true;
    if (request_.hasContentLength() && request_.getContentLength64() > static_cast<Poco::Int64>(maxBodyBytes_))
        return false;
    // A body nobody asked for that is not already here (the front door waits for small ones) is not worth a
    // serving thread's time: close the connection instead of reading it.
    if (!body_ && !streamed_ &&
        (!request_.hasContentLength() ||
         request_.getContentLength64() > static_cast<Poco::Int64>(FrontDoor::kWaitedBodyBytes)))
        return false;
    try {
        auto& in = this->in();
        std::size_t dropped = 0;
        char buffer[8192];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            dropped += static_cast<std::size_t>(in.gcount());
            if (dropped > maxBodyBytes_) return false;
        }
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

Poco::JSON::Object::Ptr Request::jsonObject() {
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parsed = parser.parse(body());
    } catch (const Poco::Exception&) {
        throw Error(400, "body is not valid JSON");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) throw Error(400, "body is not a JSON object");
    return parsed.extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::string> Request::formField(std::string_view name) {
    if (!form_) {
        const auto type = Poco::toLower(request_.getContentType());
        form_ = type.starts_with("application/x-www-form-urlencoded") ? parseUrlEncoded(body()) : Pairs{};
    }
    for (const auto& [key, value] : *form_)
        if (key == name) return value;
    return std::nullopt;
}

// --- Response -------------------------------------------------------------------------------------------------

void Response::json(const Poco::Dynamic::Var& value, int status) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    status_ = status;
    contentType_ = "application/json";
    body_ = out.str();
}

void Response::text(std::string body, int status, std::string contentType) {
    status_ = status;
    contentType_ = std::move(contentType);
    body_ = std::move(body);
}

void Response::problem(int status, std::string_view detail) {
    Poco::JSON::Object problem(Poco::JSON_PRESERVE_KEY_ORDER);
    problem.set("type", "about:blank");
    problem.set("title",
                Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)));
    problem.set("status", status);
    if (!detail.empty()) problem.set("detail", std::string(detail));
    problem.set("request_id", requestId_);
    json(problem, status);
    contentType_ = "application/problem+json";
}

void Response::reset() {
    status_ = 200;
    headers_.clear();
    contentType_.clear();
    body_.clear();
}

} // namespace clinhub::http

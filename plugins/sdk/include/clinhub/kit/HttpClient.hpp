// An HTTP client for connectors, on libcurl: connections are kept and reused across calls (a small pool
// of easy handles, so concurrent calls do not queue behind one socket), every call has a connect and a
// total timeout, and transport failures come back classified the way the plugin ABI wants them.
#pragma once

#include <clinhub/plugin.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace clinhub::kit {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // On a fresh connection. libcurl silently sends a request again when a kept-alive connection closes
    // without an answer, which for a request that is not safe to repeat (a booking) is a blind retry.
    bool freshConnection = false;
};

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers; // names lower-cased; a repeated header keeps the last value
    std::string body;

    [[nodiscard]] std::string header(const std::string& lowerName) const;
};

// The most of a reply a connector reads: far above any book search, record or provider answer (a busy
// practice's fortnight of GP Connect slots is about 2 MiB), far below what would hurt the hub's memory with
// a few calls in flight.
inline constexpr std::size_t kMaxResponseBytes = std::size_t{16} << 20;

// The refusal of a reply over `cap` bytes: permanent, as a malformed reply is, naming the cap.
Result responseTooLarge(const std::string& where, std::size_t cap);

struct HttpTimeouts {
    std::chrono::milliseconds connect{2000};
    std::chrono::milliseconds total{10000};
};

// Mutual TLS: files in PEM; empty fields are not used (the system's CA bundle is the default).
struct HttpTls {
    std::string clientCertificate;
    std::string clientKey;
    std::string keyPassword;
    std::string caBundle;
};

class HttpClient {
public:
    explicit HttpClient(HttpTimeouts timeouts = {}, HttpTls tls = {}, std::size_t maxResponseBytes = kMaxResponseBytes);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // ok with the response whatever its status; retryable for a timeout, a refused or dropped connection
    // or an empty reply (the message names which and the URL's host); permanent for a bad URL or a body
    // over maxResponseBytes (announced or not: a chunked reply is cut off when it passes the cap). A
    // freshConnection request that failed before a byte of it was written (refused, no address, a connect
    // that timed out) is retryable with notSent set: a send can say it never reached the provider.
    Result perform(const HttpRequest& request, HttpResponse& response);

    // Percent-encodes `text` for a query string or a path segment.
    static std::string escape(const std::string& text);

private:
    struct Handle;
    std::unique_ptr<Handle> acquire();
    // A finished transfer's libcurl code as a Result; `over` when the body passed the cap.
    Result classify(int curlCode, const HttpRequest& request, bool over, HttpResponse& response) const;
    void release(std::unique_ptr<Handle> handle);

    HttpTimeouts timeouts_;
    HttpTls tls_;
    std::size_t maxResponseBytes_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Handle>> idle_;
};

// Maps an HTTP status with no more specific meaning to a result: 5xx, 408 and 429 are retryable;
// other 4xx permanent. `what` names the call for the message.
Result statusResult(long status, const std::string& what, const std::string& detail);

} // namespace clinhub::kit

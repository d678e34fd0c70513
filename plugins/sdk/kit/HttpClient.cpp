#include <clinhub/kit/HttpClient.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace clinhub::kit {

namespace {

// curl_global_init is not thread-safe; a function-local static runs it once, before the first handle.
void initCurl() {
    static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
    (void)done;
}

// libcurl enforces CURLOPT_MAXFILESIZE only against a Content-Length; a chunked or close-delimited body is
// capped here, by taking less than offered, which makes libcurl abort the transfer.
struct Body {
    std::string& text;
    std::size_t cap;
    bool over = false;
};

size_t appendBody(char* data, size_t size, size_t count, void* out) {
    auto& body = *static_cast<Body*>(out);
    if (size * count > body.cap - body.text.size()) {
        body.over = true;
        return 0;
    }
    body.text.append(data, size * count);
    return size * count;
}

std::string mebibytes(std::size_t bytes) {
    return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

size_t appendHeader(char* data, size_t size, size_t count, void* out) {
    const std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        const auto first = value.find_first_not_of(" \t");
        const auto last = value.find_last_not_of(" \t\r\n");
        value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
        (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return size * count;
}

std::string hostOf(const std::string& url) {
    const auto start = url.find("://");
    const auto from = start == std::string::npos ? 0 : start + 3;
    return url.substr(from, url.find('/', from) - from);
}

} // namespace

struct HttpClient::Handle {
    CURL* curl = curl_easy_init();
    ~Handle() { curl_easy_cleanup(curl); }
};

std::string HttpResponse::header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string{} : it->second;
}

HttpClient::HttpClient(HttpTimeouts timeouts, HttpTls tls, std::size_t maxResponseBytes)
    : timeouts_(timeouts), tls_(std::move(tls)), maxResponseBytes_(maxResponseBytes) {
    initCurl();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::acquire() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return std::make_unique<Handle>();
    auto handle = std::move(idle_.back());
    idle_.pop_back();
    return handle;
}

void HttpClient::release(std::unique_ptr<Handle> handle) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < 16) idle_.push_back(std::move(handle));
}

Result HttpClient::perform(const HttpRequest& request, HttpResponse& response) {
    auto handle = acquire();
    CURL* curl = handle->curl;
    if (curl == nullptr) return Result::retryable("cannot create an HTTP handle");
    // Reset clears options but keeps the connection cache, which is what makes reuse work.
    curl_easy_reset(curl);
    response = {};

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers)
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
    // curl would otherwise send "Expect: 100-continue" and wait a second for a server that never says it.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    Body body{response.body, maxResponseBytes_};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(maxResponseBytes_));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, appendHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (request.freshConnection) {
        curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
        // ... and closed after: kept, it would idle beside the handle's reused one, holding a server thread.
        curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    }
    if (!tls_.clientCertificate.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls_.clientCertificate.c_str());
    if (!tls_.clientKey.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls_.clientKey.c_str());
    if (!tls_.keyPassword.empty()) curl_easy_setopt(curl, CURLOPT_KEYPASSWD, tls_.keyPassword.c_str());
    if (!tls_.caBundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls_.caBundle.c_str());

    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    // No time to the start of the transfer: it failed before a byte of the request was written (no address,
    // a refused connection, a connect or TLS handshake that timed out). Trusted only on a fresh connection,
    // where libcurl cannot have written the request to a kept-alive one before opening this one.
    curl_off_t pretransfer = 0;
    const bool nothingWritten = request.freshConnection && code != CURLE_OK &&
                                curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK &&
                                pretransfer == 0;
    release(std::move(handle));
    Result r = classify(code, request, body.over, response);
    if (nothingWritten && r.status == clinhub::Status::retryable) r.notSent = true;
    return r;
}

Result HttpClient::classify(int curlCode, const HttpRequest& request, bool over, HttpResponse& response) const {
    const auto code = static_cast<CURLcode>(curlCode);

    const std::string where = request.method + " " + hostOf(request.url);
    switch (code) {
    case CURLE_OK: return Result::success();
    case CURLE_FILESIZE_EXCEEDED: return responseTooLarge(where, maxResponseBytes_);
    case CURLE_WRITE_ERROR:
        if (over) {
            response.body = std::string(); // and its memory
            return responseTooLarge(where, maxResponseBytes_);
        }
        return Result::retryable(where + ": " + curl_easy_strerror(code));
    case CURLE_OPERATION_TIMEDOUT: return Result::retryable(where + ": timed out");
    case CURLE_COULDNT_CONNECT: return Result::retryable(where + ": connection refused");
    case CURLE_GOT_NOTHING: return Result::retryable(where + ": the server closed the connection without answering");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return Result::permanent(where + ": bad URL '" + request.url + "'");
    default: return Result::retryable(where + ": " + curl_easy_strerror(code));
    }
}

std::string HttpClient::escape(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789ABCDEF";
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

Result responseTooLarge(const std::string& where, std::size_t cap) {
    return Result::permanent(where + ": the reply is larger than the " + mebibytes(cap) +
                             " a connector reads; refused unread");
}

Result statusResult(long status, const std::string& what, const std::string& detail) {
    const std::string message = what + ": HTTP " + std::to_string(status) + (detail.empty() ? "" : " " + detail);
    if (status >= 200 && status < 300) return Result::success();
    if (status >= 500 || status == 408 || status == 429) return Result::retryable(message);
    return Result::permanent(message);
}

} // namespace clinhub::kit

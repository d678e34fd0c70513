#include "HttpTransport.h"

namespace systmonexml {

using clinhub::Result;
using namespace clinhub::kit;

HttpTransport::HttpTransport(const std::string& baseUrl, HttpTimeouts timeouts)
    : prefix_(baseUrl + (baseUrl.find('?') == std::string::npos ? "?" : "&") + "requestString="), http_(timeouts) {}

Result HttpTransport::exchange(const std::string& request, bool changesRecord, std::string& reply) {
    HttpRequest get{"GET", prefix_ + HttpClient::escape(request), {{"Accept", "text/xml"}}, {}};
    // Every call is a GET, so libcurl would resend a booking as readily as a search (see freshConnection).
    get.freshConnection = changesRecord;
    HttpResponse response;
    Result r = http_.perform(get, response);
    if (!r.ok()) return r;
    if (response.status / 100 != 2) {
        std::string detail = response.body.substr(0, 200);
        while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
            detail.pop_back();
        return statusResult(response.status, "GET", detail.empty() ? "" : "'" + detail + "'");
    }
    reply = std::move(response.body);
    return Result::success();
}

} // namespace systmonexml

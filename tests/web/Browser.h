// A small browser for tests: keeps cookies by name and path as a real one does, posts forms (urlencoded, or
// multipart with a file), and reads a page's hidden fields.
#pragma once

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace clinhub::test::browser {

struct Reply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers; // the last value of each
    std::vector<std::string> cookies;           // Set-Cookie values
    [[nodiscard]] std::string header(const std::string& name) const {
        const auto found = headers.find(name);
        return found == headers.end() ? std::string() : found->second;
    }
    [[nodiscard]] bool says(const std::string& text) const { return body.find(text) != std::string::npos; }
    // The href of the element with this id, its &amp; read back as &; "" when there is none.
    [[nodiscard]] std::string href(const std::string& id) const {
        const auto at = body.find("id=\"" + id + "\"");
        const auto tag = at == std::string::npos ? std::string::npos : body.rfind('<', at);
        const auto from = tag == std::string::npos ? std::string::npos : body.find("href=\"", tag);
        if (from == std::string::npos || from > at) return {};
        std::string out = body.substr(from + 6, body.find('"', from + 6) - from - 6);
        for (std::string::size_type amp; (amp = out.find("&amp;")) != std::string::npos;)
            out.replace(amp, 5, "&");
        return out;
    }
};

// Keeps cookies by name and path and sends those whose path the request falls under, as a browser does.
class Browser {
public:
    explicit Browser(uint16_t port) : port_(port) {}

    Reply get(const std::string& path) { return send(Poco::Net::HTTPRequest::HTTP_GET, path, {}); }

    Reply post(const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields) {
        Poco::Net::HTMLForm form;
        for (const auto& [name, value] : fields)
            form.add(name, value);
        std::ostringstream body;
        form.write(body);
        return send(Poco::Net::HTTPRequest::HTTP_POST, path, body.str());
    }

    // A form with a file, as multipart/form-data (what a file picker's form posts).
    Reply upload(const std::string& path, const std::string& field, const std::string& filename,
                 const std::string& content) {
        Poco::Net::HTMLForm form(Poco::Net::HTMLForm::ENCODING_MULTIPART);
        form.addPart(field, new Poco::Net::StringPartSource(content, "text/csv", filename));
        std::ostringstream body;
        form.write(body);
        return send(Poco::Net::HTTPRequest::HTTP_POST, path, body.str(),
                    form.getEncoding() + "; boundary=\"" + form.boundary() + "\"");
    }
    // Sends this cookie with every request, whatever its path: what a forger would do.
    void forceCookie(const std::string& name, const std::string& value) { forced_[name] = value; }
    [[nodiscard]] std::string cookie(const std::string& name) const {
        for (const auto& [key, value] : jar_)
            if (key.first == name) return value;
        return {};
    }

private:
    Reply send(const std::string& method, const std::string& path, const std::string& body,
               const std::string& contentType = "application/x-www-form-urlencoded") {
        Poco::Net::HTTPClientSession session("127.0.0.1", port_);
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        Poco::Net::NameValueCollection cookies;
        for (const auto& [key, value] : jar_)
            if (path.starts_with(key.second) && (key.second.ends_with('/') || path.size() == key.second.size() ||
                                                 path[key.second.size()] == '/' || path[key.second.size()] == '?'))
                cookies.add(key.first, value);
        for (const auto& [name, value] : forced_)
            cookies.set(name, value);
        if (!cookies.empty()) request.setCookies(cookies);
        if (method == Poco::Net::HTTPRequest::HTTP_POST) {
            request.setContentType(contentType);
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            session.sendRequest(request) << body;
        } else {
            session.sendRequest(request);
        }
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        Reply reply;
        reply.status = static_cast<int>(response.getStatus());
        Poco::StreamCopier::copyToString(in, reply.body);
        for (const auto& [name, value] : response) {
            reply.headers[name] = value;
            if (Poco::icompare(name, "Set-Cookie") == 0) reply.cookies.push_back(value);
        }
        std::vector<Poco::Net::HTTPCookie> set;
        response.getCookies(set);
        for (const auto& cookie : set)
            jar_[{cookie.getName(), cookie.getPath()}] = cookie.getValue();
        return reply;
    }

    uint16_t port_;
    std::map<std::pair<std::string, std::string>, std::string> jar_; // (name, path) → value
    std::map<std::string, std::string> forced_;
};

// The value of a page's hidden field `name` (the CSRF token, say).
inline std::string hidden(const Reply& reply, const std::string& name) {
    std::smatch m;
    const std::regex field("name=\"" + name + "\"[^>]*value=\"([^\"]*)\"");
    return std::regex_search(reply.body, m, field) ? m[1].str() : std::string();
}

} // namespace clinhub::test::browser

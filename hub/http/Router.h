// Routes by method and path pattern. A pattern is a path whose segments are literals or {name}
// placeholders, e.g. "/api/v1/organisations/{ods}/links/{id}"; a placeholder matches one non-empty segment,
// percent-decoded. Where several patterns match, literals win over placeholders, segment by segment, so
// "/links/new" beats "/links/{id}" whatever order they were added in.
//
// Routes are added before the server starts; matching is then read-only and needs no lock.
#pragma once

#include "hub/http/Request.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::http {

using Handler = std::function<void(Request&, Response&)>;

class Router {
public:
    // Throws std::invalid_argument for a malformed pattern or a method and pattern already routed.
    Router& add(std::string method, const std::string& pattern, Handler handler);
    Router& get(const std::string& pattern, Handler handler) { return add("GET", pattern, std::move(handler)); }
    Router& post(const std::string& pattern, Handler handler) { return add("POST", pattern, std::move(handler)); }
    Router& put(const std::string& pattern, Handler handler) { return add("PUT", pattern, std::move(handler)); }
    Router& patch(const std::string& pattern, Handler handler) { return add("PATCH", pattern, std::move(handler)); }

    struct Match {
        const Handler* handler = nullptr; // null when status is 404 or 405
        std::string pattern;              // the matched pattern; for a 405, the best pattern for the path
        Pairs params;
        int status = 200;
        std::vector<std::string> allowed; // for a 405, the methods the path takes (sorted)
    };
    // `rawPath` is as received, percent-encoded. HEAD is served by the GET route unless HEAD is routed.
    Match match(std::string_view method, std::string_view rawPath) const;

    // Matches, then calls the handler or answers 404 / 405 (with Allow) as problem bodies. The pattern is
    // stored into the request before the handler runs, so it is known even if the handler throws.
    void dispatch(Request& request, Response& response) const;

private:
    struct Segment {
        std::string text;
        bool placeholder = false;
    };
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<Segment> segments;
        Handler handler;
    };
    static bool matches(const Route& route, const std::vector<std::string>& segments, Pairs* params);
    static bool moreSpecific(const Route& a, const Route& b);

    std::vector<Route> routes_;
};

} // namespace clinhub::http

#include "hub/http/Router.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace clinhub::http {
namespace {

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> parts;
    path.remove_prefix(1); // the leading '/'
    while (true) {
        const auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) return parts;
        path.remove_prefix(slash + 1);
    }
}

bool identifier(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

} // namespace

Router& Router::add(std::string method, const std::string& pattern, Handler handler) {
    if (method.empty() || !handler) throw std::invalid_argument("route " + pattern + ": method and handler required");
    if (!pattern.starts_with('/')) throw std::invalid_argument("route " + pattern + ": must start with '/'");
    Route route{std::move(method), pattern, {}, std::move(handler)};
    std::set<std::string_view> names;
    for (auto part : split(pattern)) {
        const bool placeholder = part.starts_with('{') && part.ends_with('}');
        const auto text = placeholder ? part.substr(1, part.size() - 2) : part;
        if (placeholder && (!identifier(text) || !names.insert(text).second))
            throw std::invalid_argument("route " + pattern + ": bad or repeated placeholder {" + std::string(text) +
                                        "}");
        if (!placeholder && text.find_first_of("{}") != std::string_view::npos)
            throw std::invalid_argument("route " + pattern + ": a placeholder must be a whole segment");
        route.segments.push_back({std::string(text), placeholder});
    }
    for (const auto& other : routes_) {
        const bool sameShape =
            std::equal(other.segments.begin(), other.segments.end(), route.segments.begin(), route.segments.end(),
                       [](const Segment& a, const Segment& b) {
                           return a.placeholder == b.placeholder && (a.placeholder || a.text == b.text);
                       });
        if (sameShape && other.method == route.method)
            throw std::invalid_argument("route " + route.method + " " + pattern + " clashes with " + other.pattern);
    }
    routes_.push_back(std::move(route));
    return *this;
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments, Pairs* params) {
    if (route.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& want = route.segments[i];
        if (want.placeholder ? segments[i].empty() : want.text != segments[i]) return false;
    }
    if (params) {
        params->clear();
        for (std::size_t i = 0; i < segments.size(); ++i)
            if (route.segments[i].placeholder) params->emplace_back(route.segments[i].text, segments[i]);
    }
    return true;
}

bool Router::moreSpecific(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i)
        if (a.segments[i].placeholder != b.segments[i].placeholder) return !a.segments[i].placeholder;
    return false;
}

Router::Match Router::match(std::string_view method, std::string_view rawPath) const {
    Match result;
    if (!rawPath.starts_with('/')) {
        result.status = 404;
        return result;
    }
    std::vector<std::string> segments;
    for (auto part : split(rawPath)) {
        std::string decoded;
        try {
            Poco::URI::decode(std::string(part), decoded);
        } catch (const Poco::SyntaxException&) {
            throw Error(400, "malformed percent-encoding in path");
        }
        segments.push_back(std::move(decoded));
    }

    const Route* best = nullptr;    // for this method
    const Route* bestGet = nullptr; // serves HEAD when HEAD is not routed
    const Route* bestAny = nullptr; // names the 405
    std::set<std::string> allowed;
    for (const auto& route : routes_) {
        if (!matches(route, segments, nullptr)) continue;
        allowed.insert(route.method);
        if (route.method == "GET") allowed.insert("HEAD");
        auto better = [&](const Route* current) { return !current || moreSpecific(route, *current); };
        if (better(bestAny)) bestAny = &route;
        if (route.method == method && better(best)) best = &route;
        if (route.method == "GET" && better(bestGet)) bestGet = &route;
    }
    if (!best && method == "HEAD") best = bestGet;
    if (best) {
        result.handler = &best->handler;
        result.pattern = best->pattern;
        matches(*best, segments, &result.params);
    } else if (bestAny) {
        result.status = 405;
        result.pattern = bestAny->pattern;
        result.allowed.assign(allowed.begin(), allowed.end());
    } else {
        result.status = 404;
    }
    return result;
}

void Router::dispatch(Request& request, Response& response) const {
    auto found = match(request.method(), request.rawPath());
    request.setRoute(found.pattern, std::move(found.params));
    if (found.handler) {
        (*found.handler)(request, response);
    } else if (found.status == 405) {
        std::string allow;
        for (const auto& method : found.allowed)
            allow += (allow.empty() ? "" : ", ") + method;
        response.problem(405, "method not allowed here");
        response.header("Allow", allow);
    } else {
        response.problem(404, "no such resource");
    }
}

} // namespace clinhub::http

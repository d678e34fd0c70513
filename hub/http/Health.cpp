#include "hub/http/Health.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace clinhub::http {

void addLivenessRoute(Router& router) {
    router.get("/healthz", [](Request&, Response& response) {
        Poco::JSON::Object body;
        body.set("status", "ok");
        response.json(body);
    });
}

void addHealthRoutes(Router& router, metrics::Metrics& metrics,
                     std::function<std::vector<std::string>()> readinessProblems) {
    addLivenessRoute(router);

    router.get("/readyz", [problemsOf = std::move(readinessProblems)](Request&, Response& response) {
        std::vector<std::string> problems;
        try {
            if (problemsOf) problems = problemsOf();
        } catch (const std::exception&) {
            problems.emplace_back("readiness check failed");
        }
        Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
        if (problems.empty()) {
            body.set("status", "ready");
            response.json(body);
            return;
        }
        Poco::JSON::Array list;
        for (const auto& problem : problems)
            list.add(problem);
        body.set("status", "not ready");
        body.set("problems", list);
        response.json(body, 503);
    });

    router.get("/metrics", [&metrics](Request&, Response& response) {
        response.text(metrics.render(), 200, std::string(metrics::Metrics::contentType));
    });
}

} // namespace clinhub::http

// The standard endpoints every hub process serves.
#pragma once

#include "hub/http/Router.h"
#include "hub/metrics/Metrics.h"

#include <functional>
#include <string>
#include <vector>

namespace clinhub::http {

// GET /healthz: 200 {"status":"ok"} while the process can answer at all (liveness).
// GET /readyz:  200 {"status":"ready"}, or 503 {"status":"not ready","problems":[...]} listing what
//               readinessProblems returns ("store unreachable", "connector 'x' is not running"...). It is called on
//               every probe, so keep it cheap; if it throws, that is a problem too.
// GET /metrics: the registry in Prometheus text format.
void addHealthRoutes(Router& router, metrics::Metrics& metrics,
                     std::function<std::vector<std::string>()> readinessProblems);
// GET /healthz alone, for a listener that serves no operations routes.
void addLivenessRoute(Router& router);

} // namespace clinhub::http

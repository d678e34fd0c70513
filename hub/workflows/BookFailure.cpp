#include "hub/workflows/BookFailure.h"

#include "hub/log/Log.h"

namespace clinhub::workflows {

void warnBookFailed(std::string_view connector, std::string_view call, const Result& result) {
    log::warning("appointment_book_failed", {{"connector", std::string(connector)},
                                             {"call", std::string(call)},
                                             {"status", toString(result.status)},
                                             {"reason", result.message}});
}

} // namespace clinhub::workflows

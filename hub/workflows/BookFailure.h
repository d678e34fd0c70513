// One warning line for every call an appointment book fails, so a sysadmin seeing staff get 502s or
// patients get "try again later" can tell which connector, which call and why. The reason is the
// connector's own message, which connectors scrub of patient details before it leaves them.
#pragma once

#include <clinhub/plugin.hpp>

#include <string>
#include <string_view>

namespace clinhub::workflows {

void warnBookFailed(std::string_view connector, std::string_view call, const Result& result);

} // namespace clinhub::workflows

// What every staff API handler shares: authentication scoped to the organisation in the path, the JSON
// shapes of times and refusals, and reading members of a request body.
#pragma once

#include "hub/api/ApiKeys.h"
#include "hub/http/Router.h"
#include "hub/workflows/SelfBook.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>
#include <vector>

namespace clinhub::api {

// Both unknown organisations and other organisations' ODS codes get this, word for word.
inline constexpr const char* kNoOrganisation = "no such organisation";

std::string isoUtc(int64_t micros);
// A JSON object that keeps its keys in the order they are set.
Poco::JSON::Object::Ptr object();

// 422 as a problem body (RFC 9457) with an `errors` extension listing every field at fault.
void unprocessable(const http::Request& request, http::Response& response,
                   const std::vector<workflows::FieldError>& errors);

// A string member, "" when absent; a member of another type is an error for `field`.
std::string stringField(const Poco::JSON::Object::Ptr& from, const std::string& name, const std::string& field,
                        std::vector<workflows::FieldError>& errors);

// Runs `handler` for a caller whose key belongs to the organisation in the path ({ods}), and turns the
// services' refusals (InvalidRequest, NotFound) into 422 and 404. Anyone else gets 401, or the 404 of an
// unknown organisation.
http::Handler guarded(ApiKeys& keys, http::Handler handler);

} // namespace clinhub::api

// FHIR details the simulator needs on its side of the wire: instants in the practice's offset, the
// OperationOutcome with a Spine error code, JSON bodies in and out. Written apart from the connector's
// own code on purpose: a shared misreading would pass every test.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstdint>
#include <optional>
#include <string>

namespace gpcsim {

using Poco::JSON::Object;

// "2024-05-30T10:00:00+01:00" for an instant, written at a fixed offset from UTC (minutes).
std::string instant(int64_t epoch, int offsetMinutes);

// Parses YYYY-MM-DD (`endOfDay`: its last second, else its first, UTC), YYYY-MM-DDThh:mm:ss with optional
// fraction and with or without an offset (none is UTC). Nullopt when malformed.
std::optional<int64_t> parseFhirDate(const std::string& text, bool endOfDay = false);

int64_t nowSeconds();

// An error the way a GP Connect provider answers one.
struct FhirError {
    int status;
    std::string code; // Spine-ErrorOrWarningCode-1, e.g. INVALID_RESOURCE
    std::string diagnostics;
};

std::string operationOutcome(const FhirError& e);

std::string json(const Object::Ptr& o);
// A JSON object, or nullptr when `text` is not one.
Object::Ptr parseObject(const std::string& text);

// Walks a path of object keys; nullptr when any step is missing or not an object.
Object::Ptr objectAt(const Object::Ptr& o, const std::string& key);
std::string stringAt(const Object::Ptr& o, const std::string& key);

void sendFhir(Poco::Net::HTTPServerResponse& response, int status, const std::string& body);

} // namespace gpcsim

// Reading a connector's config section (JSON, already checked against the plugin's schema by the hub):
// the few accessors every connector needs, reporting problems as ConfigErrors at JSON Pointers.
#pragma once

#include <clinhub/plugin.hpp>

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace clinhub::kit {

// The section as an object; null (with an error at "") when it is not JSON or not an object.
Poco::JSON::Object::Ptr parseConfigObject(const std::string& json, std::vector<ConfigError>& errors);

// A member as text (numbers and booleans converted), or `fallback` when absent or null.
std::string text(const Poco::JSON::Object::Ptr& o, const std::string& key, const std::string& fallback = {});

// A whole number in [min, max], or `fallback` when absent; an error at "/<key>" otherwise.
int integer(const Poco::JSON::Object::Ptr& o, const std::string& key, int fallback, int min, int max,
            std::vector<ConfigError>& errors);

// http:// or https:// followed by something.
bool httpUrl(const std::string& url);

} // namespace clinhub::kit

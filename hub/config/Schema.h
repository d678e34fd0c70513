// A small JSON Schema (draft 2020-12 subset) validator over the config's YAML tree.
//
// The same code checks the hub's own sections against schemas/config.schema.json and each connector's
// section against its plugin's schema, so a sysadmin gets one style of message for both. Supported:
// type (one or a list), properties, required, additionalProperties (false or a schema),
// patternProperties, items, enum, minimum, maximum, minLength, minItems, pattern (the subset Pattern.h
// reads), $ref to "#/$defs/..", and format. description and default are annotations. Formats with meaning
// here: "snomed-ct" (checked: digits with a Verhoeff check digit), "listen-address" (checked: host:port with
// a port of 0 to 65535), "ip-address", "path" and "store-url" (checked: sqlite:FILE or postgresql://...;
// relative paths resolved by resolvePaths; a store URL's password is never shown in a message).
//
// YAML scalars carry no type of their own: a scalar is an integer when it reads as one, a boolean when
// it is true or false, and every scalar is a string.
#pragma once

#include "hub/config/YamlTree.h"

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace clinhub::config {

class Schema {
public:
    using Node = Poco::JSON::Object::Ptr;

    // Throws std::invalid_argument saying what is wrong when the text is not a JSON object.
    static Schema parse(const std::string& json);

    [[nodiscard]] Node root() const { return root_; }
    // Follows "$ref": "#/$defs/name" until a schema without $ref; the schema itself when it has none.
    [[nodiscard]] Node resolve(Node schema) const;
    // The schema for `key` in a map validated by `schema` (resolved); null when the key is not allowed.
    // `declared` says whether the key is one of `properties` rather than matched by a pattern or allowed
    // by additionalProperties.
    [[nodiscard]] Node propertySchema(Node schema, const std::string& key, bool* declared = nullptr) const;
    // The schema of the items of a list validated by `schema` (resolved); null when it says none.
    [[nodiscard]] Node itemSchema(Node schema) const;
    [[nodiscard]] static std::vector<std::string> types(Node schema);
    [[nodiscard]] static std::string format(Node schema);

private:
    explicit Schema(Node root) : root_(std::move(root)) {}
    Node root_;
};

// Checks `node` against the schema, adding one diagnostic per problem found anywhere below it. `owner`
// is where a missing key is reported (the key that introduces the map: a missing key has no mark of its
// own); `path` names the node in messages ("connectors.book").
void validate(const YamlNode& node, const Schema& schema, const Mark& owner, const std::string& path,
              std::vector<Diagnostic>& problems);

// The node as JSON text, typed as the schema says: integers, numbers and booleans where it asks for
// them, strings otherwise. Call after validate() found no problem.
std::string toJson(const YamlNode& node, const Schema& schema);

// Makes every relative path absolute against `baseDirectory`: strings of format "path", and the file of
// a "sqlite:" URL of format "store-url" (keeping the prefix).
void resolvePaths(YamlNode& node, const Schema& schema, const std::string& baseDirectory);

// Where the value at a JSON Pointer ("/smtp/port") into `node` was written; when there is no such value,
// the nearest ancestor that exists. `owner` stands for `node` itself.
Mark markAt(const YamlNode& node, const Mark& owner, const std::string& pointer);

// Scalars as the validator reads them.
bool readsAsInteger(const std::string& text);
bool readsAsNumber(const std::string& text);
bool readsAsBoolean(const std::string& text);
bool booleanValue(const std::string& text);

} // namespace clinhub::config

// A JSON Schema (draft 2020-12) checker over the config's YAML tree, for the keywords it can check.
//
// The same code checks the hub's own sections against hub/config/hub.schema.json and each connector's
// section against its plugin's schema, so a sysadmin gets one style of message for both.
//
// A schema is compiled when it is parsed, and refused there (RefusedSchema, naming the keyword and where it
// is) when it uses a keyword this checker would otherwise have to ignore: a schema that says more than is
// checked would let through what its author meant to stop. Checked:
//   any value   type, enum, const, allOf, anyOf, oneOf, not, if/then/else, $ref (to "#" or a JSON Pointer
//               into the same schema, with only annotations beside it), true and false as schemas
//   numbers     minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf
//   strings     minLength, maxLength (in Unicode code points), pattern (the subset Pattern.h reads), format
//   maps        properties, required, additionalProperties, patternProperties, propertyNames,
//               minProperties, maxProperties
//   lists       items (one schema for every item), minItems, maxItems, uniqueItems, contains
// Annotations: $schema, $id (at the root only: below it, it would change what a $ref means), $defs (and
// draft 7's name for it, definitions), $comment,
// title, description, examples, readOnly, writeOnly, deprecated, and default (which applyDefaults fills in;
// a default must pass its own schema). Formats: "uri" (RFC 3986, with a scheme), "snomed-ct" (digits with a
// Verhoeff check digit), "listen-address" (host:port with a port of 0 to 65535), "ip-address", "path" and
// "store-url" (sqlite:FILE or postgresql://...; relative paths resolved by resolvePaths; a store URL's
// password is never shown in a message). The keywords whose meaning changed between drafts (items as a
// list, additionalItems, dependencies, $ref beside other assertions) are refused.
//
// YAML scalars carry no type of their own: a scalar is an integer when it reads as one, a boolean when
// it is true or false, and every scalar is a string. Values that came from JSON keep their JSON type.
#pragma once

#include "hub/config/YamlTree.h"

#include <Poco/JSON/Object.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::config {

class Pattern;

// A schema that uses what the checker cannot check (or a default that fails its own schema): `keyword`
// is the keyword, `pointer` the JSON Pointer of the schema object that holds it ("" for the root).
class RefusedSchema : public std::invalid_argument {
public:
    RefusedSchema(std::string keyword, std::string pointer, const std::string& why);
    [[nodiscard]] const std::string& keyword() const { return keyword_; }
    [[nodiscard]] const std::string& pointer() const { return pointer_; }

private:
    std::string keyword_;
    std::string pointer_;
};

class Schema {
public:
    using Node = Poco::JSON::Object::Ptr;

    // Parses and compiles. Throws RefusedSchema for a keyword (or a value of one: a format, a pattern, a
    // $ref) that the checker cannot check, and std::invalid_argument saying what is wrong when the text is
    // not a JSON Schema (not JSON, not an object or boolean, "minLength": "five", nested past 64 levels).
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

    // What compiling kept for the checker; null for an object that is not one of this schema's.
    [[nodiscard]] const Pattern& pattern(const std::string& text) const;
    [[nodiscard]] const std::vector<YamlNode>* enumValues(const Node& schema) const;
    [[nodiscard]] const YamlNode* constValue(const Node& schema) const;
    [[nodiscard]] const YamlNode* defaultValue(const Node& schema) const;

    struct Compiled;

private:
    Schema(Node root, std::shared_ptr<const Compiled> compiled);
    Node root_;
    std::shared_ptr<const Compiled> compiled_;
};

// Checks `node` against the schema, adding one diagnostic per problem found anywhere below it; the node
// is not changed (applyDefaults fills it in after). `owner`
// is where a missing key is reported (the key that introduces the map: a missing key has no mark of its
// own); `path` names the node in messages ("connectors.book").
void validate(const YamlNode& node, const Schema& schema, const Mark& owner, const std::string& path,
              std::vector<Diagnostic>& problems);

// Fills in place every property that a map lacks and whose schema gives a default, at any depth, following
// properties, patternProperties, additionalProperties, items and $ref (not allOf, anyOf, oneOf, not or
// if/then/else: which of their defaults would apply is not knowable). Call after validate() found no
// problem and before resolvePaths (a default path is relative to the config like a written one). A filled
// value is marked where the map that lacked it is.
void applyDefaults(YamlNode& node, const Schema& schema);

// A JSON value as a tree the checker reads, typed as JSON typed it. Throws std::invalid_argument past 64
// levels of nesting, as parseYaml stops there too.
YamlNode fromJson(const Poco::Dynamic::Var& value, const Mark& mark = {});

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

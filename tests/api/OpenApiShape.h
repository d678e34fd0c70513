// Checks a JSON reply against a schema of schemas/openapi.yaml, strictly enough to keep the two in step:
// every required member present, no member the schema does not name, types, enums and consts. Handles
// the keywords the document uses: $ref, allOf, oneOf, type (one or a list), properties, required, items,
// enum, const.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

namespace clinhub::test {

class OpenApiShape {
public:
    explicit OpenApiShape(const std::string& file) : doc_(YAML::LoadFile(file)) {}

    // Problems found checking `value` against components/schemas/`name`; empty when it conforms.
    std::vector<std::string> check(const Poco::Dynamic::Var& value, const std::string& name) const {
        std::vector<std::string> problems;
        const YAML::Node& doc = doc_;
        walk(value, doc["components"]["schemas"][name], name, problems);
        return problems;
    }

private:
    // yaml-cpp's Node::operator= overwrites the node referred to, so nodes are only ever reset() here.
    YAML::Node resolve(const YAML::Node& schema) const {
        YAML::Node current;
        current.reset(schema);
        while (current.IsMap() && current["$ref"]) {
            const auto ref = current["$ref"].as<std::string>();
            YAML::Node node;
            node.reset(doc_);
            std::size_t at = 2;
            for (auto slash = ref.find('/', at);; slash = ref.find('/', at)) {
                const YAML::Node& parent = node;
                const YAML::Node child =
                    parent[ref.substr(at, slash == std::string::npos ? std::string::npos : slash - at)];
                if (!child) return child; // a dangling $ref: walk() reports "no schema"
                node.reset(child);
                if (slash == std::string::npos) break;
                at = slash + 1;
            }
            current.reset(node);
        }
        return current;
    }

    static std::string typeOf(const Poco::Dynamic::Var& value) {
        if (value.isEmpty()) return "null";
        if (value.type() == typeid(Poco::JSON::Object::Ptr)) return "object";
        if (value.type() == typeid(Poco::JSON::Array::Ptr)) return "array";
        if (value.type() == typeid(bool)) return "boolean";
        if (value.isString()) return "string";
        if (value.isInteger()) return "integer";
        if (value.isNumeric()) return "number";
        return "unknown";
    }

    static bool typeAllowed(const YAML::Node& type, const std::string& actual) {
        if (!type) return true;
        std::vector<std::string> allowed;
        if (type.IsSequence())
            for (const auto& t : type)
                allowed.push_back(t.as<std::string>());
        else
            allowed.push_back(type.as<std::string>());
        for (const auto& t : allowed)
            if (t == actual || (t == "number" && actual == "integer")) return true;
        return false;
    }

    // All members `schema` names, through allOf.
    void namedMembers(const YAML::Node& raw, std::set<std::string>& names) const {
        const YAML::Node schema = resolve(raw);
        for (const auto& p : schema["properties"])
            names.insert(p.first.as<std::string>());
        for (const auto& part : schema["allOf"])
            namedMembers(part, names);
    }

    void walk(const Poco::Dynamic::Var& value, const YAML::Node& raw, const std::string& path,
              std::vector<std::string>& problems, bool strict = true) const {
        const YAML::Node schema = resolve(raw);
        if (!schema) return problems.push_back(path + ": no schema");
        const auto actual = typeOf(value);
        if (schema["oneOf"]) {
            int matches = 0;
            for (const auto& option : schema["oneOf"]) {
                std::vector<std::string> mine;
                walk(value, option, path, mine);
                matches += mine.empty() ? 1 : 0;
            }
            if (matches != 1) problems.push_back(path + ": matches " + std::to_string(matches) + " of oneOf");
            return;
        }
        for (const auto& part : schema["allOf"])
            walk(value, part, path, problems, false);
        if (!typeAllowed(schema["type"], actual)) return problems.push_back(path + ": " + actual + " is not allowed");
        if (schema["enum"]) {
            bool found = false;
            for (const auto& e : schema["enum"])
                found = found || (value.isString() && e.as<std::string>() == value.toString());
            if (!found) problems.push_back(path + ": " + value.toString() + " is not in the enum");
        }
        if (schema["const"] && value.toString() != schema["const"].as<std::string>())
            problems.push_back(path + ": " + value.toString() + " is not " + schema["const"].as<std::string>());
        if (actual == "object") checkObject(value.extract<Poco::JSON::Object::Ptr>(), schema, path, problems, strict);
        if (actual == "array" && schema["items"]) {
            const auto array = value.extract<Poco::JSON::Array::Ptr>();
            for (std::size_t i = 0; i < array->size(); ++i)
                walk(array->get(static_cast<unsigned>(i)), schema["items"], path + "[" + std::to_string(i) + "]",
                     problems);
        }
    }

    void checkObject(const Poco::JSON::Object::Ptr& object, const YAML::Node& schema, const std::string& path,
                     std::vector<std::string>& problems, bool strict) const {
        for (const auto& r : schema["required"])
            if (!object->has(r.as<std::string>())) problems.push_back(path + ": lacks " + r.as<std::string>());
        for (const auto& p : schema["properties"]) {
            const auto name = p.first.as<std::string>();
            if (object->has(name)) walk(object->get(name), p.second, path + "." + name, problems);
        }
        if (!strict) return;
        std::set<std::string> named;
        namedMembers(schema, named);
        for (const auto& [name, value] : *object)
            if (!named.contains(name)) problems.push_back(path + ": " + name + " is not documented");
    }

    YAML::Node doc_;
};

} // namespace clinhub::test

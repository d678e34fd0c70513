#include <clinhub/kit/ConfigMap.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace clinhub::kit {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// "a, b or c": how the hub's own messages list choices.
std::string either(const std::vector<std::string>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i)
        out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
    return out;
}

bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr) && !v.extract<Array::Ptr>().isNull(); }
bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr) && !v.extract<Object::Ptr>().isNull(); }

bool stringFits(const ConfigKey& key, const Var& v, const std::string& pointer, ConfigErrors& errors) {
    if (!v.isString()) {
        errors.push_back({pointer, "must be a string"});
        return false;
    }
    const auto& text = v.extract<std::string>();
    std::string why;
    if (key.required && text.empty())
        why = key.requiredWhat.empty() ? "is required" : key.requiredWhat + " is required";
    else if (key.minLength && text.size() < *key.minLength)
        why = *key.minLength == 1 ? "must not be empty"
                                  : "must be at least " + std::to_string(*key.minLength) + " characters long";
    else if (!key.choices.empty() && std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end())
        why = "must be " + either(key.choices);
    else if (key.check)
        why = key.check(text);
    if (!why.empty()) errors.push_back({pointer, why});
    return why.empty();
}

bool integerFits(const ConfigKey& key, const Var& v, const std::string& pointer, ConfigErrors& errors) {
    if (!v.isInteger() || v.isBoolean()) { // Poco counts a bool as an integer
        errors.push_back({pointer, "must be a whole number"});
        return false;
    }
    // Read as signed and unsigned both, so neither a huge UInt64 nor a negative Int64 wraps into range.
    long long n = 0;
    try {
        n = v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {
        n = std::numeric_limits<long long>::max();
    }
    const long long low = key.min.value_or(std::numeric_limits<int>::min());
    const long long high = key.max.value_or(std::numeric_limits<int>::max());
    if (n >= low && n <= high) return true;
    if (key.min && key.max)
        errors.push_back({pointer, "must be between " + std::to_string(low) + " and " + std::to_string(high)});
    else if (key.min)
        errors.push_back({pointer, "must be at least " + std::to_string(low)});
    else
        errors.push_back({pointer, "must be at most " + std::to_string(high)});
    return false;
}

// The limits of a string or integer (the key's, or each item's of a list) as schema keywords.
void addLimits(const ConfigKey& key, bool integer, Object& s) {
    s.set("type", integer ? "integer" : "string");
    if (integer) {
        if (key.min) s.set("minimum", *key.min);
        if (key.max) s.set("maximum", *key.max);
        return;
    }
    if (key.minLength)
        s.set("minLength", static_cast<int>(*key.minLength));
    else if (key.required && key.type == ConfigType::string)
        s.set("minLength", 1); // a required string may not be empty either
    if (!key.pattern.empty()) s.set("pattern", key.pattern);
    if (!key.format.empty()) s.set("format", key.format);
    if (!key.choices.empty()) {
        Array::Ptr list = new Array;
        for (const auto& c : key.choices)
            list->add(c);
        s.set("enum", list);
    }
}

Object::Ptr keySchema(const ConfigKey& key) {
    Object::Ptr s = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    if (key.nested) {
        s->set("type", "object");
        // The key's own description says what the object is for here; the nested table's is the fallback.
        const std::string description =
            key.description.empty() ? key.nested->optValue<std::string>("description", "") : key.description;
        if (!description.empty()) s->set("description", description);
        for (const char* keyword : {"properties", "required", "additionalProperties"})
            if (key.nested->has(keyword)) s->set(keyword, key.nested->get(keyword));
        return s;
    }
    Object::Ptr inner = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    switch (key.type) {
    case ConfigType::string:
    case ConfigType::integer: addLimits(key, key.type == ConfigType::integer, *s); break;
    case ConfigType::boolean: s->set("type", "boolean"); break;
    case ConfigType::stringList:
    case ConfigType::integerList:
        s->set("type", "array");
        addLimits(key, key.type == ConfigType::integerList, *inner);
        s->set("items", inner);
        break;
    case ConfigType::stringMap:
    case ConfigType::object:
        s->set("type", "object");
        addLimits(key, false, *inner);
        s->set("additionalProperties", inner);
        break;
    }
    if (!key.description.empty()) s->set("description", key.description);
    if (key.def) s->set("default", *key.def);
    return s;
}

// Markdown: a cell may hold neither a line break nor an unescaped '|'.
std::string cell(const std::string& text) {
    std::string out;
    for (char c : text)
        out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
}

std::string code(const std::string& text) { return text.empty() ? text : "`" + text + "`"; }

std::string json(const Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out, 0);
    return out.str();
}

std::string typeText(const Object& s) {
    std::string type = s.optValue<std::string>("type", "");
    if (type == "array") {
        const auto items = s.getObject("items");
        return "list of " + (items ? items->optValue<std::string>("type", "value") : std::string("value")) + "s";
    }
    if (type == "object" && !s.has("properties")) {
        const auto values = s.getObject("additionalProperties");
        return "map of " + (values ? values->optValue<std::string>("type", "value") : std::string("value")) + "s";
    }
    return type;
}

std::string rangeText(const Object& s) {
    std::vector<std::string> parts;
    if (s.has("minimum") && s.has("maximum"))
        parts.push_back(s.get("minimum").toString() + " to " + s.get("maximum").toString());
    else if (s.has("minimum"))
        parts.push_back("at least " + s.get("minimum").toString());
    else if (s.has("maximum"))
        parts.push_back("at most " + s.get("maximum").toString());
    if (s.has("minLength")) {
        const int n = s.getValue<int>("minLength");
        parts.push_back(n == 1 ? "not empty" : "at least " + std::to_string(n) + " characters");
    }
    if (const auto choices = s.getArray("enum")) {
        std::vector<std::string> words;
        for (const auto& c : *choices)
            words.push_back(code(c.toString()));
        parts.push_back("one of " + either(words));
    }
    if (s.has("pattern")) parts.emplace_back("matches " + code(s.getValue<std::string>("pattern")));
    if (s.optValue<std::string>("format", "") == "path") parts.emplace_back("a path, relative to the config file");
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : "; ") + p;
    const auto items = s.getObject("items");
    const auto values = s.has("properties") ? nullptr : s.getObject("additionalProperties");
    if (const auto inner = items ? items : values) {
        const std::string each = rangeText(*inner);
        if (!each.empty()) out += (out.empty() ? "each " : "; each ") + each;
    }
    return out;
}

void rows(const Object& schema, const std::string& prefix, std::string& out) {
    const auto properties = schema.getObject("properties");
    if (!properties) return;
    std::vector<std::string> required;
    if (const auto list = schema.getArray("required"))
        for (const auto& r : *list)
            required.push_back(r.toString());
    for (const auto& name : properties->getNames()) {
        const auto s = properties->getObject(name);
        if (!s) continue;
        const bool needed = std::find(required.begin(), required.end(), name) != required.end();
        const std::string def = s->has("default") ? code(json(s->get("default"))) : needed ? "required" : "";
        out += "| " + cell(code(prefix + name)) + " | " + cell(typeText(*s)) + " | " + cell(def) + " | " +
               cell(rangeText(*s)) + " | " + cell(s->optValue<std::string>("description", "")) + " |\n";
        if (s->has("properties")) rows(*s, prefix + name + ".", out);
    }
}

} // namespace

bool configValueFits(const ConfigKey& key, const Var& value, const std::string& pointer, ConfigErrors& errors) {
    switch (key.type) {
    case ConfigType::string: return stringFits(key, value, pointer, errors);
    case ConfigType::integer: return integerFits(key, value, pointer, errors);
    case ConfigType::boolean:
        if (value.isBoolean()) return true;
        errors.push_back({pointer, "must be true or false"});
        return false;
    case ConfigType::stringList:
    case ConfigType::integerList: {
        const bool strings = key.type == ConfigType::stringList;
        if (!isArray(value)) {
            errors.push_back({pointer, strings ? "must be a list of strings" : "must be a list of whole numbers"});
            return false;
        }
        // The key's limits apply to each item; an item is never "required".
        ConfigKey item = key;
        item.required = false;
        bool fits = true;
        const auto& list = *value.extract<Array::Ptr>();
        for (unsigned i = 0; i < list.size(); ++i)
            fits = (strings ? stringFits(item, list.get(i), pointer + "/" + std::to_string(i), errors)
                            : integerFits(item, list.get(i), pointer + "/" + std::to_string(i), errors)) &&
                   fits;
        return fits;
    }
    case ConfigType::stringMap: {
        if (!isObject(value)) {
            errors.push_back({pointer, "must be a map of names to strings"});
            return false;
        }
        ConfigKey item = key;
        item.required = false;
        bool fits = true;
        const auto& object = *value.extract<Object::Ptr>();
        for (const auto& name : object.getNames())
            fits = stringFits(item, object.get(name), pointer + "/" + name, errors) && fits;
        return fits;
    }
    case ConfigType::object:
        if (isObject(value)) return true;
        errors.push_back({pointer, "must be an object (a map of keys)"});
        return false;
    }
    return false;
}

Object::Ptr configObjectSchema(const std::string& description, const std::vector<const ConfigKey*>& keys) {
    Object::Ptr schema = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    schema->set("type", "object");
    if (!description.empty()) schema->set("description", description);
    Object::Ptr properties = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Array::Ptr required = new Array;
    for (const auto* key : keys) {
        properties->set(key->name, keySchema(*key));
        if (key->required) required->add(key->name);
    }
    schema->set("properties", properties);
    if (required->size() > 0) schema->set("required", required);
    schema->set("additionalProperties", false);
    return schema;
}

std::string configSchemaText(const Object::Ptr& schema) {
    std::ostringstream out;
    schema->stringify(out, 2);
    return out.str();
}

std::string configMarkdown(const std::string& schemaJson) {
    // Rows in the order the schema lists its keys: the author's order, not the alphabet.
    const auto schema = Poco::JSON::Parser(new Poco::JSON::ParseHandler(true)).parse(schemaJson).extract<Object::Ptr>();
    std::string out = "| Key | Type | Default | Range | Description |\n|---|---|---|---|---|\n";
    if (schema) rows(*schema, "", out);
    return out;
}

void refuseUnknownKeys(const Object& section, const std::vector<const ConfigKey*>& known, const std::string& at,
                       ConfigErrors& errors) {
    std::string names;
    for (const auto* k : known)
        names += (names.empty() ? "" : ", ") + k->name;
    for (const auto& name : section.getNames())
        if (std::none_of(known.begin(), known.end(), [&](const ConfigKey* k) { return k->name == name; }))
            errors.push_back({at + "/" + name, "unknown key (the keys here are " + names + ")"});
}

void throwFirstConfigError(const ConfigErrors& errors) {
    if (!errors.empty()) throw std::runtime_error("config " + errors.front().pointer + ": " + errors.front().message);
}

std::string httpUrlCheck(const std::string& url) { return httpUrl(url) ? "" : "must be an http:// or https:// URL"; }

std::string httpsOrLoopbackCheck(const std::string& url) {
    if (!httpUrl(url)) return "must be an https:// URL";
    if (url.rfind("https://", 0) == 0) return {};
    for (const char* local : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
        const std::string prefix(local);
        if (url.rfind(prefix, 0) == 0 &&
            (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/'))
            return {};
    }
    return "must be https:// (plain http is allowed only to 127.0.0.1 or localhost)";
}

std::string envNameCheck(const std::string& name) {
    auto word = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
    const bool ok = !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0 &&
                    std::all_of(name.begin(), name.end(), word);
    return ok ? "" : "must name an environment variable (letters, digits and '_')";
}

} // namespace clinhub::kit

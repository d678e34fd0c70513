#include "hub/config/Schema.h"

#include "hub/config/Pattern.h"
#include "hub/config/Text.h"
#include "hub/store/StoreUrl.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

namespace clinhub::config {

using Poco::JSON::Array;
using Poco::JSON::Object;

// ---- Scalars --------------------------------------------------------------------------------------

bool readsAsInteger(const std::string& text) {
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    std::int64_t value = 0;
    const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
    auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

static std::int64_t integerValue(const std::string& text) {
    std::int64_t value = 0;
    const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
    std::from_chars(begin, text.data() + text.size(), value);
    return value;
}

bool readsAsNumber(const std::string& text) {
    // Plain decimal notation only: YAML's .inf, .nan and hex would surprise whoever reads the file.
    std::size_t i = 0;
    const auto digits = [&] {
        const std::size_t from = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            ++i;
        return i - from;
    };
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t mantissa = digits();
    if (i < text.size() && text[i] == '.') {
        ++i;
        mantissa += digits();
    }
    if (mantissa == 0) return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (digits() == 0) return false;
    }
    return i == text.size();
}

bool readsAsBoolean(const std::string& text) {
    return text == "true" || text == "false" || text == "True" || text == "False" || text == "TRUE" || text == "FALSE";
}

bool booleanValue(const std::string& text) { return text == "true" || text == "True" || text == "TRUE"; }

// ---- Schema ---------------------------------------------------------------------------------------

Schema Schema::parse(const std::string& json) {
    Poco::Dynamic::Var value;
    try {
        Poco::JSON::Parser parser;
        value = parser.parse(json);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("it is not valid JSON (" + e.displayText() + ")");
    }
    if (value.type() != typeid(Object::Ptr)) throw std::invalid_argument("it is not a JSON object");
    return Schema(value.extract<Object::Ptr>());
}

Schema::Node Schema::resolve(Node schema) const {
    // A bound on hops turns a $ref cycle into "no schema" instead of a hang.
    for (int hops = 0; schema && schema->has("$ref") && hops < 32; ++hops) {
        const std::string ref = schema->getValue<std::string>("$ref");
        const std::string prefix = "#/$defs/";
        Node defs = root_->getObject("$defs");
        if (ref.rfind(prefix, 0) != 0 || !defs || !defs->isObject(ref.substr(prefix.size())))
            throw std::invalid_argument("its $ref '" + ref + "' does not name an entry of #/$defs");
        schema = defs->getObject(ref.substr(prefix.size()));
    }
    return schema;
}

Schema::Node Schema::propertySchema(Node schema, const std::string& key, bool* declared) const {
    static const Node anything = new Object;
    if (declared) *declared = false;
    schema = resolve(schema);
    if (!schema) return anything;
    if (Node properties = schema->getObject("properties"); properties && properties->isObject(key)) {
        if (declared) *declared = true;
        return resolve(properties->getObject(key));
    }
    if (Node patterns = schema->getObject("patternProperties")) {
        for (const auto& pattern : patterns->getNames())
            if (Pattern::compile(pattern).search(key)) return resolve(patterns->getObject(pattern));
    }
    if (!schema->has("additionalProperties")) return anything;
    if (schema->isObject("additionalProperties")) return resolve(schema->getObject("additionalProperties"));
    return schema->get("additionalProperties").convert<bool>() ? anything : Node();
}

Schema::Node Schema::itemSchema(Node schema) const {
    schema = resolve(schema);
    return schema && schema->isObject("items") ? resolve(schema->getObject("items")) : Node();
}

std::vector<std::string> Schema::types(Node schema) {
    std::vector<std::string> out;
    if (!schema || !schema->has("type")) return out;
    if (Poco::JSON::Array::Ptr list = schema->getArray("type")) {
        for (std::size_t i = 0; i < list->size(); ++i)
            out.push_back(list->getElement<std::string>(i));
    } else {
        out.push_back(schema->getValue<std::string>("type"));
    }
    return out;
}

std::string Schema::format(Node schema) {
    return schema && schema->has("format") ? schema->getValue<std::string>("format") : std::string();
}

// ---- Validation -----------------------------------------------------------------------------------

namespace {

std::string noun(const std::string& type) {
    static const std::map<std::string, std::string> nouns = {
        {"object", "a map"},    {"array", "a list"},          {"string", "a string"}, {"integer", "an integer"},
        {"number", "a number"}, {"boolean", "true or false"}, {"null", "nothing"}};
    auto it = nouns.find(type);
    return it == nouns.end() ? type : it->second;
}

bool hasType(const YamlNode& node, const std::string& type) {
    if (type == "object") return node.isMap();
    if (type == "array") return node.isSequence();
    if (type == "null") return node.isNull();
    if (!node.isScalar()) return false;
    if (type == "string") return true;
    if (type == "integer") return readsAsInteger(node.text);
    if (type == "number") return readsAsNumber(node.text);
    if (type == "boolean") return readsAsBoolean(node.text);
    return false;
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::size_t characters(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string numberText(const Poco::Dynamic::Var& value) { return value.toString(); }

// HOST:PORT or [IPv6]:PORT, the forms Poco's SocketAddress reads, with any port number (checked apart).
bool isListenAddress(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        });
    return !host.empty() && host.find_first_of(": \t\n\v\f\r[]") == std::string_view::npos;
}

// Whether what follows the last ':' is at most 65535: the form says "digits", not which.
bool hasPortNumber(std::string_view hostPort) {
    const auto colon = hostPort.rfind(':');
    if (colon == std::string_view::npos) return false;
    const char* first = hostPort.data() + colon + 1;
    const char* last = hostPort.data() + hostPort.size();
    unsigned port = 0;
    const auto [end, error] = std::from_chars(first, last, port);
    return first != last && error == std::errc() && end == last && port <= 65535;
}

bool isStoreUrl(std::string_view text) {
    return (text.starts_with("sqlite:") && text.size() > 7) ||
           (text.starts_with("postgresql://") && text.size() > 13) ||
           (text.starts_with("postgres://") && text.size() > 11);
}

class Validator {
public:
    Validator(const Schema& schema, std::vector<Diagnostic>& problems) : schema_(schema), problems_(problems) {}

    void check(const YamlNode& node, Schema::Node s, const Mark& owner, const std::string& path) {
        s = schema_.resolve(s);
        if (!s || node.broken) return;
        if (!checkType(node, s)) return;
        if (node.isScalar()) {
            if (auto problem = scalarProblem(node, s, path)) report(node.mark, *problem);
        } else if (node.isMap()) {
            checkMap(node, s, owner, path);
        } else if (node.isSequence()) {
            checkSequence(node, s, path);
        }
    }

private:
    void report(const Mark& mark, std::string message) { problems_.push_back({mark, std::move(message)}); }

    bool checkType(const YamlNode& node, const Schema::Node& s) {
        const auto types = Schema::types(s);
        if (types.empty() || std::any_of(types.begin(), types.end(), [&](auto& t) { return hasType(node, t); }))
            return true;
        std::string expected;
        for (std::size_t i = 0; i < types.size(); ++i)
            expected += (i == 0 ? "" : i + 1 == types.size() ? " or " : ", ") + noun(types[i]);
        report(node.mark, "expected " + expected + ", got " + node.describe());
        return false;
    }

    // One message per value is enough: the first thing wrong with it.
    std::optional<std::string> scalarProblem(const YamlNode& node, const Schema::Node& s, const std::string& path) {
        const std::string& text = node.text;
        const std::string format = Schema::format(s);
        // A store URL may hold a password, and a message may be read over a shoulder or land in a ticket.
        const std::string shown =
            format == "store-url" ? "'" + store::withoutPassword(node.source) + "'" : node.describe();
        if (Array::Ptr values = s->getArray("enum")) {
            std::vector<std::string> allowed;
            for (std::size_t i = 0; i < values->size(); ++i)
                allowed.push_back(values->get(i).toString());
            if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
                std::string message = shown + " is not one of " + quotedList(allowed);
                if (auto guess = nearest(text, allowed)) message += "; did you mean '" + *guess + "'?";
                return message;
            }
        }
        if (readsAsNumber(text)) {
            const double value = std::stod(text);
            if (s->has("minimum") && value < s->getValue<double>("minimum"))
                return "expected at least " + numberText(s->get("minimum")) + ", got " + shown;
            if (s->has("maximum") && value > s->getValue<double>("maximum"))
                return "expected at most " + numberText(s->get("maximum")) + ", got " + shown;
        }
        if (s->has("minLength")) {
            const auto minimum = s->getValue<std::size_t>("minLength");
            if (characters(text) < minimum)
                return minimum == 1 ? std::string("expected a value, got an empty string")
                                    : "expected at least " + std::to_string(minimum) + " characters, got " + shown;
        }
        if (s->has("pattern")) {
            const std::string pattern = s->getValue<std::string>("pattern");
            if (!compiled(pattern).search(text))
                return shown + " does not have the expected form (pattern " + pattern + ")";
        }
        if (format == "listen-address" && !isListenAddress(text))
            return shown + " is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)";
        if (format == "listen-address" && !hasPortNumber(text))
            return path + ": " + shown + " is not host:port: a port is a number from 0 to 65535 (0 picks a free one)";
        if (format == "store-url" && !isStoreUrl(text)) return shown + " is not sqlite:FILE or a postgresql:// URL";
        if (format == "snomed-ct" && !isSnomedId(text))
            return shown + " is not a SNOMED CT concept id: " +
                   (text.size() < 6 || text.size() > 18 || text.front() == '0' ||
                            !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })
                        ? "expected 6 to 18 digits"
                        : "its check digit is wrong (mistyped?)");
        Poco::Net::IPAddress address;
        if (format == "ip-address" && !Poco::Net::IPAddress::tryParse(text, address))
            return shown + " is not an IP address";
        return std::nullopt;
    }

    void checkMap(const YamlNode& node, const Schema::Node& s, const Mark& owner, const std::string& path) {
        if (Array::Ptr required = s->getArray("required")) {
            for (std::size_t i = 0; i < required->size(); ++i) {
                const std::string key = required->getElement<std::string>(i);
                if (!node.entry(key))
                    report(owner, "missing required key '" + key + "'" + (path.empty() ? "" : " in " + path));
            }
        }
        for (const auto& entry : node.entries) {
            if (Schema::Node child = schema_.propertySchema(s, entry.key))
                check(entry.value, child, entry.keyMark, join(path, entry.key));
            else
                report(entry.keyMark, unknownKey(entry.key, s, path));
        }
    }

    static std::string unknownKey(const std::string& key, const Schema::Node& s, const std::string& path) {
        std::vector<std::string> known;
        if (Schema::Node properties = s->getObject("properties")) known = properties->getNames();
        if (known.empty()) {
            std::vector<std::string> patterns;
            if (Schema::Node patternProperties = s->getObject("patternProperties"))
                patterns = patternProperties->getNames();
            std::string message = "'" + key + "' is not a valid name" + (path.empty() ? "" : " in " + path);
            return patterns.empty() ? message + ": no keys are allowed here"
                                    : message + ": it must match " + patterns.front();
        }
        if (auto guess = nearest(key, known)) return "unknown key '" + key + "'; did you mean '" + *guess + "'?";
        return "unknown key '" + key + "'; expected " + (known.size() == 1 ? "" : "one of ") + quotedList(known);
    }

    void checkSequence(const YamlNode& node, const Schema::Node& s, const std::string& path) {
        if (s->has("minItems")) {
            const auto minimum = s->getValue<std::size_t>("minItems");
            if (node.items.size() < minimum)
                report(node.mark, "expected at least " + std::to_string(minimum) + (minimum == 1 ? " item" : " items") +
                                      ", got " + std::to_string(node.items.size()));
        }
        const Schema::Node items = schema_.itemSchema(s);
        for (std::size_t i = 0; i < node.items.size() && items; ++i)
            check(node.items[i], items, node.items[i].mark, path + "[" + std::to_string(i) + "]");
    }

    // Patterns come from plugin authors too: Pattern::compile says what it cannot read, which the loader
    // reports as a fault of that plugin's schema.
    const Pattern& compiled(const std::string& pattern) {
        auto it = patterns_.find(pattern);
        if (it == patterns_.end()) it = patterns_.emplace(pattern, Pattern::compile(pattern)).first;
        return it->second;
    }

    const Schema& schema_;
    std::vector<Diagnostic>& problems_;
    std::map<std::string, Pattern> patterns_;
};

} // namespace

void validate(const YamlNode& node, const Schema& schema, const Mark& owner, const std::string& path,
              std::vector<Diagnostic>& problems) {
    Validator(schema, problems).check(node, schema.root(), owner, path);
}

// ---- Conversion -----------------------------------------------------------------------------------

namespace {

Poco::Dynamic::Var jsonValue(const YamlNode& node, const Schema& schema, Schema::Node s) {
    s = s ? schema.resolve(s) : s;
    switch (node.kind) {
    case YamlNode::Kind::null: return {};
    case YamlNode::Kind::map: {
        Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& entry : node.entries)
            object->set(entry.key, jsonValue(entry.value, schema, s ? schema.propertySchema(s, entry.key) : s));
        return object;
    }
    case YamlNode::Kind::sequence: {
        Array::Ptr array = new Array;
        for (const auto& item : node.items)
            array->add(jsonValue(item, schema, s ? schema.itemSchema(s) : s));
        return array;
    }
    case YamlNode::Kind::scalar: break;
    }
    const auto types = Schema::types(s);
    auto wants = [&](const char* type) { return std::find(types.begin(), types.end(), type) != types.end(); };
    if (wants("boolean") && readsAsBoolean(node.text)) return booleanValue(node.text);
    if ((wants("integer") || wants("number")) && readsAsInteger(node.text))
        return static_cast<Poco::Int64>(integerValue(node.text));
    if (wants("number") && readsAsNumber(node.text)) return std::stod(node.text);
    return node.text;
}

} // namespace

std::string toJson(const YamlNode& node, const Schema& schema) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(jsonValue(node, schema, schema.root()), out);
    return out.str();
}

// ---- Paths ----------------------------------------------------------------------------------------

namespace {

std::string absoluteFrom(const std::string& baseDirectory, const std::string& path) {
    const std::filesystem::path p(path);
    if (p.empty() || p.is_absolute()) return path;
    return (std::filesystem::path(baseDirectory) / p).lexically_normal().string();
}

void resolveIn(YamlNode& node, const Schema& schema, Schema::Node s, const std::string& baseDirectory) {
    s = schema.resolve(s);
    if (!s) return;
    if (node.isMap()) {
        for (auto& entry : node.entries)
            if (Schema::Node child = schema.propertySchema(s, entry.key))
                resolveIn(entry.value, schema, child, baseDirectory);
    } else if (node.isSequence()) {
        if (Schema::Node items = schema.itemSchema(s))
            for (auto& item : node.items)
                resolveIn(item, schema, items, baseDirectory);
    } else if (node.isScalar()) {
        const std::string format = Schema::format(s);
        const std::string sqlite = "sqlite:";
        if (format == "path") {
            node.text = absoluteFrom(baseDirectory, node.text);
        } else if (format == "store-url" && node.text.rfind(sqlite, 0) == 0 && node.text != sqlite + ":memory:") {
            node.text = sqlite + absoluteFrom(baseDirectory, node.text.substr(sqlite.size()));
        }
    }
}

} // namespace

void resolvePaths(YamlNode& node, const Schema& schema, const std::string& baseDirectory) {
    resolveIn(node, schema, schema.root(), baseDirectory);
}

Mark markAt(const YamlNode& node, const Mark& owner, const std::string& pointer) {
    const YamlNode* at = &node;
    Mark mark = owner;
    std::size_t start = 1;
    while (!pointer.empty() && start <= pointer.size()) {
        std::size_t end = pointer.find('/', start);
        if (end == std::string::npos) end = pointer.size();
        std::string token = pointer.substr(start, end - start);
        for (std::size_t i; (i = token.find("~1")) != std::string::npos;)
            token.replace(i, 2, "/");
        for (std::size_t i; (i = token.find("~0")) != std::string::npos;)
            token.replace(i, 2, "~");
        start = end + 1;
        if (at->isMap()) {
            const YamlEntry* entry = at->entry(token);
            if (!entry) break;
            at = &entry->value;
            // A scalar is pointed at where it is written; a map or list by the key that introduces it.
            mark = at->isScalar() ? at->mark : entry->keyMark;
        } else if (at->isSequence() && readsAsInteger(token) && token.front() != '-' && token.front() != '+' &&
                   static_cast<std::size_t>(integerValue(token)) < at->items.size()) {
            at = &at->items[static_cast<std::size_t>(integerValue(token))];
            mark = at->mark;
        } else {
            break;
        }
    }
    return mark;
}

} // namespace clinhub::config

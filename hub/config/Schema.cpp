#include "hub/config/Schema.h"

#include "hub/config/Pattern.h"
#include "hub/config/Text.h"
#include "hub/domain/OdsCode.h"
#include "hub/store/StoreUrl.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

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

// ---- JSON values ----------------------------------------------------------------------------------

namespace {

// The bound parseYaml puts on a document: nothing below recurses deeper than this on outside input.
constexpr int kMaxDepth = kMaxNesting;

std::string numberText(double value) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

// A schema's value as a message shows it: a string as its text, anything else as JSON (null included).
std::string valueText(const Poco::Dynamic::Var& value) {
    if (value.type() == typeid(std::string)) return value.extract<std::string>();
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

YamlNode scalarNode(YamlNode::Scalar type, std::string text, const Mark& mark) {
    YamlNode node;
    node.kind = YamlNode::Kind::scalar;
    node.scalar = type;
    node.mark = mark;
    node.source = text;
    node.text = std::move(text);
    return node;
}

YamlNode fromJsonAt(const Poco::Dynamic::Var& value, const Mark& mark, int depth) {
    if (depth > kMaxDepth)
        throw std::invalid_argument("values are nested more than " + std::to_string(kMaxDepth) + " deep");
    YamlNode node;
    node.mark = mark;
    if (value.isEmpty()) return node;
    if (value.type() == typeid(Object::Ptr)) {
        node.kind = YamlNode::Kind::map;
        const Object::Ptr& object = value.extract<Object::Ptr>();
        for (const auto& name : object->getNames())
            node.entries.push_back({name, mark, fromJsonAt(object->get(name), mark, depth + 1)});
        return node;
    }
    if (value.type() == typeid(Array::Ptr)) {
        node.kind = YamlNode::Kind::sequence;
        const Array::Ptr& array = value.extract<Array::Ptr>();
        for (std::size_t i = 0; i < array->size(); ++i)
            node.items.push_back(fromJsonAt(array->get(static_cast<unsigned>(i)), mark, depth + 1));
        return node;
    }
    if (value.isBoolean()) return scalarNode(YamlNode::Scalar::boolean, value.convert<bool>() ? "true" : "false", mark);
    if (value.isInteger()) return scalarNode(YamlNode::Scalar::number, value.toString(), mark);
    if (value.isNumeric()) return scalarNode(YamlNode::Scalar::number, numberText(value.convert<double>()), mark);
    return scalarNode(YamlNode::Scalar::string, value.toString(), mark);
}

} // namespace

YamlNode fromJson(const Poco::Dynamic::Var& value, const Mark& mark) { return fromJsonAt(value, mark, 0); }

// ---- Values ---------------------------------------------------------------------------------------

namespace {

double numberValue(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

bool isNumber(const YamlNode& node) {
    if (!node.isScalar()) return false;
    if (node.scalar == YamlNode::Scalar::untyped) return readsAsNumber(node.text);
    return node.scalar == YamlNode::Scalar::number;
}

bool isString(const YamlNode& node) {
    return node.isScalar() && (node.scalar == YamlNode::Scalar::untyped || node.scalar == YamlNode::Scalar::string);
}

// JSON says 1.0 is an integer; YAML text keeps its older, stricter reading (a sysadmin's "2.0" is a typo).
bool isInteger(const YamlNode& node) {
    if (node.scalar == YamlNode::Scalar::untyped) return readsAsInteger(node.text);
    if (node.scalar != YamlNode::Scalar::number) return false;
    const double value = numberValue(node.text);
    return std::isfinite(value) && std::trunc(value) == value;
}

bool isBoolean(const YamlNode& node) {
    if (node.scalar == YamlNode::Scalar::untyped) return readsAsBoolean(node.text);
    return node.scalar == YamlNode::Scalar::boolean;
}

bool sameScalar(const YamlNode& a, const YamlNode& b) {
    using S = YamlNode::Scalar;
    if (a.scalar == S::untyped && b.scalar == S::untyped) return a.text == b.text;
    if (a.scalar == S::untyped) return sameScalar(b, a);
    // `a` is typed: an untyped `b` equals it when it reads as a value of a's type.
    switch (a.scalar) {
    case S::string: return isString(b) && a.text == b.text;
    case S::number: return isNumber(b) && numberValue(a.text) == numberValue(b.text);
    case S::boolean: return isBoolean(b) && booleanValue(a.text) == booleanValue(b.text);
    case S::untyped: break;
    }
    return false;
}

// JSON equality (maps unordered, 1 == 1.0). Recursion is bounded by the depth of the values: kMaxDepth.
bool sameValue(const YamlNode& a, const YamlNode& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case YamlNode::Kind::null: return true;
    case YamlNode::Kind::scalar: return sameScalar(a, b);
    case YamlNode::Kind::sequence:
        return a.items.size() == b.items.size() &&
               std::equal(a.items.begin(), a.items.end(), b.items.begin(), sameValue);
    case YamlNode::Kind::map:
        return a.entries.size() == b.entries.size() &&
               std::all_of(a.entries.begin(), a.entries.end(), [&](const YamlEntry& e) {
                   const YamlEntry* other = b.entry(e.key);
                   return other && sameValue(e.value, other->value);
               });
    }
    return false;
}

std::size_t characters(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

} // namespace

// ---- Compiling ------------------------------------------------------------------------------------

struct Schema::Compiled {
    std::map<std::string, Node> refs; // a $ref's text -> the schema it names
    std::map<std::string, Pattern> patterns;
    std::map<const Object*, std::vector<YamlNode>> enums;
    std::map<const Object*, YamlNode> consts;
    std::map<const Object*, YamlNode> defaults;
};

RefusedSchema::RefusedSchema(std::string keyword, std::string pointer, const std::string& why)
    : std::invalid_argument("'" + keyword + "' at " + (pointer.empty() ? std::string("the root") : pointer) + ": " +
                            why),
      keyword_(std::move(keyword)), pointer_(std::move(pointer)) {}

namespace {

enum class Keyword {
    annotation,
    id,
    defs,
    defaultValue,
    type,
    enumValues,
    constValue,
    number,
    positive,
    count,
    pattern,
    format,
    required,
    boolean,
    schema,
    items,
    schemaMap,
    patternMap,
    schemaList,
    ref
};

const std::map<std::string, Keyword>& keywords() {
    using K = Keyword;
    static const std::map<std::string, Keyword> table = {{"$schema", K::annotation},
                                                         {"$comment", K::annotation},
                                                         {"title", K::annotation},
                                                         {"description", K::annotation},
                                                         {"examples", K::annotation},
                                                         {"readOnly", K::annotation},
                                                         {"writeOnly", K::annotation},
                                                         {"deprecated", K::annotation},
                                                         {"$id", K::id},
                                                         {"$defs", K::defs},
                                                         {"definitions", K::defs},
                                                         {"default", K::defaultValue},
                                                         {"type", K::type},
                                                         {"enum", K::enumValues},
                                                         {"const", K::constValue},
                                                         {"minimum", K::number},
                                                         {"maximum", K::number},
                                                         {"exclusiveMinimum", K::number},
                                                         {"exclusiveMaximum", K::number},
                                                         {"multipleOf", K::positive},
                                                         {"minLength", K::count},
                                                         {"maxLength", K::count},
                                                         {"minItems", K::count},
                                                         {"maxItems", K::count},
                                                         {"minProperties", K::count},
                                                         {"maxProperties", K::count},
                                                         {"pattern", K::pattern},
                                                         {"format", K::format},
                                                         {"required", K::required},
                                                         {"uniqueItems", K::boolean},
                                                         {"additionalProperties", K::schema},
                                                         {"not", K::schema},
                                                         {"if", K::schema},
                                                         {"then", K::schema},
                                                         {"else", K::schema},
                                                         {"contains", K::schema},
                                                         {"propertyNames", K::schema},
                                                         {"items", K::items},
                                                         {"properties", K::schemaMap},
                                                         {"patternProperties", K::patternMap},
                                                         {"allOf", K::schemaList},
                                                         {"anyOf", K::schemaList},
                                                         {"oneOf", K::schemaList},
                                                         {"$ref", K::ref}};
    return table;
}

const std::set<std::string>& formats() {
    static const std::set<std::string> names = {"uri",  "snomed-ct", "listen-address", "ip-address",
                                                "path", "store-url", "ods-code"};
    return names;
}

bool isTypeName(const std::string& name) {
    static const std::set<std::string> names = {"object", "array", "string", "integer", "number", "boolean", "null"};
    return names.contains(name);
}

std::string escapeToken(const std::string& key) {
    std::string out;
    for (char c : key)
        out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return out;
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// A $ref's fragment is URI-encoded ("%25" for '%'); what remains is a JSON Pointer.
std::optional<std::string> percentDecoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = hexDigit(text[i + 1]);
        const int low = hexDigit(text[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

class Compiler {
public:
    explicit Compiler(Schema::Compiled& out) : out_(out) {}

    // The schema at `at`, with true and false turned into the objects that mean the same ({} and
    // {"not": {}}), so the checker only ever meets objects.
    Schema::Node schemaAt(const Poco::Dynamic::Var& value, const std::string& at, int depth) {
        if (depth > kMaxDepth)
            throw std::invalid_argument("it nests schemas more than " + std::to_string(kMaxDepth) + " deep (at " + at +
                                        ")");
        Schema::Node node;
        if (!value.isEmpty() && value.isBoolean()) {
            node = new Object;
            if (!value.convert<bool>()) node->set("not", Schema::Node(new Object));
        } else if (value.type() == typeid(Object::Ptr)) {
            node = value.extract<Object::Ptr>();
            if (node->has("$ref")) refSiblings(*node, at);
            for (const auto& name : node->getNames())
                keyword(node, name, at, depth);
        } else {
            throw std::invalid_argument("the schema at " + shown(at) + " is not an object, true or false");
        }
        byPointer_[at] = node;
        return node;
    }

    void finish(const Schema::Node& root) {
        for (const auto& [ref, at] : refs_) {
            const auto pointer = percentDecoded(std::string_view(ref).substr(1));
            const auto target = pointer ? byPointer_.find(*pointer) : byPointer_.end();
            if (target == byPointer_.end())
                throw RefusedSchema("$ref", at,
                                    "'" + ref +
                                        "' does not point at a schema inside this one (the hub follows '#' and "
                                        "'#/...' JSON Pointers only)");
            out_.refs[ref] = target->second;
        }
        for (const auto& [ref, at] : refs_)
            if (!endsInSchema(out_.refs[ref]))
                throw RefusedSchema("$ref", at, "'" + ref + "' leads round a circle of $refs");
        (void)root;
    }

    std::vector<std::pair<Schema::Node, std::string>> defaults;

private:
    static std::string shown(const std::string& at) { return at.empty() ? "the root" : at; }

    void keyword(Schema::Node node, const std::string& name, const std::string& at, int depth) {
        const auto it = keywords().find(name);
        if (it == keywords().end())
            throw RefusedSchema(name, at,
                                "not a keyword the hub checks, and a schema that says more than is checked would let "
                                "through values its author meant to stop");
        const Poco::Dynamic::Var value = node->get(name);
        const std::string child = at + "/" + escapeToken(name);
        using K = Keyword;
        switch (it->second) {
        case K::annotation: return;
        case K::id:
            if (!at.empty())
                throw RefusedSchema(name, at, "a $id below the root would change what the $refs inside it mean");
            return;
        case K::defaultValue:
            out_.defaults[node.get()] = fromJson(value);
            defaults.emplace_back(node, at);
            return;
        case K::defs:
        case K::schemaMap:
        case K::patternMap: return schemaMap(node, name, it->second == K::patternMap, child, depth);
        case K::type: return types(value, child);
        case K::enumValues: return enumValues(node, value, child);
        case K::constValue: out_.consts[node.get()] = fromJson(value); return;
        case K::number:
        case K::positive:
            if (!isNumeric(value) || (it->second == K::positive && value.convert<double>() <= 0))
                throw std::invalid_argument("its " + name + " at " + shown(at) + " is not a number" +
                                            (it->second == K::positive ? " above 0" : ""));
            return;
        case K::count:
            if (!isNumeric(value) || value.convert<double>() < 0 ||
                std::trunc(value.convert<double>()) != value.convert<double>())
                throw std::invalid_argument("its " + name + " at " + shown(at) + " is not a whole number of 0 or more");
            return;
        case K::pattern: return pattern(name, value, at);
        case K::format: return format(value, at);
        case K::required: return strings(value, child);
        case K::boolean:
            if (value.isEmpty() || !value.isBoolean())
                throw std::invalid_argument("its " + name + " at " + shown(at) + " is not true or false");
            return;
        case K::items:
            if (value.type() == typeid(Array::Ptr))
                throw RefusedSchema(name, at,
                                    "'items' as a list is draft 7's tuple form, which the hub does not check (draft "
                                    "2020-12 calls it prefixItems)");
            [[fallthrough]];
        case K::schema: node->set(name, schemaAt(value, child, depth + 1)); return;
        case K::schemaList: return schemaList(value, name, child, depth);
        case K::ref:
            if (value.type() != typeid(std::string) || value.extract<std::string>().rfind('#', 0) != 0)
                throw RefusedSchema(name, at,
                                    "'" + valueText(value) +
                                        "' does not point inside this schema (the hub follows '#' and '#/...' JSON "
                                        "Pointers only)");
            refs_.emplace_back(value.extract<std::string>(), at);
            return;
        }
    }

    static bool isNumeric(const Poco::Dynamic::Var& value) {
        return !value.isEmpty() && value.isNumeric() && !value.isBoolean();
    }

    // Beside a $ref, draft 7 ignores every keyword and draft 2020-12 applies them: only what means the
    // same to both may stand there.
    static void refSiblings(const Object& node, const std::string& at) {
        for (const auto& name : node.getNames()) {
            const auto it = keywords().find(name);
            if (name == "$ref" ||
                (it != keywords().end() && (it->second == Keyword::annotation || it->second == Keyword::id ||
                                            it->second == Keyword::defs || it->second == Keyword::defaultValue)))
                continue;
            throw RefusedSchema(
                "$ref", at,
                "'" + name +
                    "' beside a $ref: draft 7 ignores it and draft 2020-12 applies it, so say which with "
                    "an allOf");
        }
    }

    void schemaMap(Schema::Node node, const std::string& name, bool patterns, const std::string& at, int depth) {
        Object::Ptr map = node->getObject(name);
        if (!map) throw std::invalid_argument("its " + name + " at " + shown(at) + " is not an object");
        for (const auto& key : map->getNames()) {
            if (patterns) pattern(name, key, at);
            map->set(key, schemaAt(map->get(key), at + "/" + escapeToken(key), depth + 1));
        }
    }

    void schemaList(const Poco::Dynamic::Var& value, const std::string& name, const std::string& at, int depth) {
        if (value.type() != typeid(Array::Ptr) || value.extract<Array::Ptr>()->size() == 0)
            throw std::invalid_argument("its " + name + " at " + at + " is not a list of schemas");
        Array::Ptr list = value.extract<Array::Ptr>();
        for (unsigned i = 0; i < list->size(); ++i)
            list->set(i, schemaAt(list->get(i), at + "/" + std::to_string(i), depth + 1));
    }

    static void types(const Poco::Dynamic::Var& value, const std::string& at) {
        const auto valid = [&](const Poco::Dynamic::Var& v) {
            if (v.type() != typeid(std::string) || !isTypeName(v.extract<std::string>()))
                throw std::invalid_argument("its type at " + at + " is not one of JSON Schema's seven types");
        };
        if (value.type() != typeid(Array::Ptr)) return valid(value);
        const Array::Ptr& list = value.extract<Array::Ptr>();
        for (unsigned i = 0; i < list->size(); ++i)
            valid(list->get(i));
    }

    static void strings(const Poco::Dynamic::Var& value, const std::string& at) {
        const Array::Ptr list = value.type() == typeid(Array::Ptr) ? value.extract<Array::Ptr>() : Array::Ptr();
        bool ok = list != nullptr;
        for (unsigned i = 0; ok && i < list->size(); ++i)
            ok = list->get(i).type() == typeid(std::string);
        if (!ok) throw std::invalid_argument("its keyword at " + at + " is not a list of strings");
    }

    void enumValues(const Schema::Node& node, const Poco::Dynamic::Var& value, const std::string& at) {
        if (value.type() != typeid(Array::Ptr)) throw std::invalid_argument("its enum at " + at + " is not a list");
        const Array::Ptr& list = value.extract<Array::Ptr>();
        std::vector<YamlNode> values;
        for (unsigned i = 0; i < list->size(); ++i)
            values.push_back(fromJson(list->get(i)));
        out_.enums[node.get()] = std::move(values);
    }

    void pattern(const std::string& name, const Poco::Dynamic::Var& value, const std::string& at) {
        if (value.type() != typeid(std::string))
            throw std::invalid_argument("its " + name + " at " + shown(at) + " is not a string");
        const std::string& text = value.extract<std::string>();
        try {
            if (!out_.patterns.contains(text)) out_.patterns.emplace(text, Pattern::compile(text));
        } catch (const std::invalid_argument& e) {
            throw RefusedSchema(name, at, e.what());
        }
    }

    static void format(const Poco::Dynamic::Var& value, const std::string& at) {
        const std::string name = valueText(value);
        if (formats().contains(name)) return;
        std::string known;
        for (const auto& f : formats())
            known += (known.empty() ? "" : ", ") + f;
        throw RefusedSchema("format", at, "'" + name + "' is not a format the hub checks (it checks " + known + ")");
    }

    bool endsInSchema(Schema::Node node) const {
        for (int hops = 0; hops < 32; ++hops) {
            if (!node->has("$ref")) return true;
            node = out_.refs.at(node->getValue<std::string>("$ref"));
        }
        return false;
    }

    Schema::Compiled& out_;
    std::map<std::string, Schema::Node> byPointer_;
    std::vector<std::pair<std::string, std::string>> refs_; // the $ref's text, where it is
};

} // namespace

// ---- Schema ---------------------------------------------------------------------------------------

Schema::Schema(Node root, std::shared_ptr<const Compiled> compiled)
    : root_(std::move(root)), compiled_(std::move(compiled)) {}

namespace {
void validateDefaults(const Schema& schema, const std::vector<std::pair<Schema::Node, std::string>>& defaults);
} // namespace

Schema Schema::parse(const std::string& json) {
    Poco::Dynamic::Var value;
    // Poco's parser takes only an object or a list at the top, and true and false are schemas too.
    const auto first = json.find_first_not_of(" \t\r\n");
    const auto last = json.find_last_not_of(" \t\r\n");
    const std::string trimmed = first == std::string::npos ? std::string() : json.substr(first, last - first + 1);
    if (trimmed == "true" || trimmed == "false") {
        value = trimmed == "true";
    } else {
        try {
            Poco::JSON::Parser parser;
            value = parser.parse(json);
        } catch (const Poco::Exception& e) {
            throw std::invalid_argument("it is not valid JSON (" + e.displayText() + ")");
        }
    }
    if (value.type() != typeid(Object::Ptr) && value.type() != typeid(bool))
        throw std::invalid_argument("it is not a JSON object");
    auto compiled = std::make_shared<Compiled>();
    Compiler compiler(*compiled);
    Node root = compiler.schemaAt(value, "", 0);
    compiler.finish(root);
    Schema schema(root, compiled);
    validateDefaults(schema, compiler.defaults);
    return schema;
}

Schema::Node Schema::resolve(Node schema) const {
    // Compiling refused $ref circles, so this ends; the bound is for a schema that was not compiled.
    for (int hops = 0; schema && schema->has("$ref") && hops < 32; ++hops) {
        const auto it = compiled_->refs.find(schema->getValue<std::string>("$ref"));
        if (it == compiled_->refs.end())
            throw std::invalid_argument("its $ref '" + schema->getValue<std::string>("$ref") + "' names no schema");
        schema = it->second;
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
            if (this->pattern(pattern).search(key)) return resolve(patterns->getObject(pattern));
    }
    if (!schema->has("additionalProperties")) return anything;
    const Node additional = resolve(schema->getObject("additionalProperties"));
    return additional->has("not") && additional->getObject("not")->size() == 0 ? Node() : additional;
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

const Pattern& Schema::pattern(const std::string& text) const { return compiled_->patterns.at(text); }

const std::vector<YamlNode>* Schema::enumValues(const Node& schema) const {
    const auto it = compiled_->enums.find(schema.get());
    return it == compiled_->enums.end() ? nullptr : &it->second;
}

const YamlNode* Schema::constValue(const Node& schema) const {
    const auto it = compiled_->consts.find(schema.get());
    return it == compiled_->consts.end() ? nullptr : &it->second;
}

const YamlNode* Schema::defaultValue(const Node& schema) const {
    const auto it = compiled_->defaults.find(schema.get());
    return it == compiled_->defaults.end() ? nullptr : &it->second;
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
    if (type == "string") return isString(node);
    if (type == "integer") return isInteger(node);
    if (type == "number") return isNumber(node);
    if (type == "boolean") return isBoolean(node);
    return false;
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

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

// ---- RFC 3986: scheme ":" hier-part [ "?" query ] [ "#" fragment ], by hand (no regex on outside input).

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUnreserved(char c) { return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool isSubDelim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

// Every character is unreserved, a sub-delim, one of `extra`, or a %XX escape.
bool allOf(std::string_view text, std::string_view extra) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size() || hexDigit(text[i + 1]) < 0 || hexDigit(text[i + 2]) < 0) return false;
            i += 2;
        } else if (!isUnreserved(c) && !isSubDelim(c) && extra.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool isAuthority(std::string_view authority) {
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (!allOf(authority.substr(0, at), ":")) return false;
        authority.remove_prefix(at + 1);
    }
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos || close < 2) return false;
        const std::string_view literal = authority.substr(1, close - 1);
        if (!std::all_of(literal.begin(), literal.end(),
                         [](char c) { return hexDigit(c) >= 0 || c == ':' || c == '.'; }))
            return false;
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) return false;
        port = rest.empty() ? rest : rest.substr(1);
    } else {
        const auto colon = authority.find(':');
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (!allOf(authority.substr(0, colon), "")) return false;
    }
    return std::all_of(port.begin(), port.end(), isDigit);
}

bool isUri(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || !isAlpha(text.front())) return false;
    const std::string_view scheme = text.substr(0, colon);
    if (!std::all_of(scheme.begin(), scheme.end(),
                     [](char c) { return isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.'; }))
        return false;
    std::string_view rest = text.substr(colon + 1);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
        if (!allOf(rest.substr(hash + 1), ":@/?")) return false;
        rest = rest.substr(0, hash);
    }
    if (const auto question = rest.find('?'); question != std::string_view::npos) {
        if (!allOf(rest.substr(question + 1), ":@/?")) return false;
        rest = rest.substr(0, question);
    }
    if (rest.starts_with("//")) {
        rest.remove_prefix(2);
        const auto slash = rest.find('/');
        if (!isAuthority(rest.substr(0, slash))) return false;
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    return allOf(rest, ":@/");
}

bool rejectsAll(const Schema::Node& s) {
    return s->size() == 1 && s->isObject("not") && s->getObject("not")->size() == 0;
}

class Validator {
public:
    Validator(const Schema& schema, std::vector<Diagnostic>& problems)
        : schema_(schema), problems_(&problems), outer_(&problems) {}

    void check(const YamlNode& node, Schema::Node s, const Mark& owner, const std::string& path) {
        if (++steps_ > kMaxSteps || depth_ >= kMaxSchemaNesting) return tooMuch(node, path);
        const NestingLevel deeper(depth_);
        s = schema_.resolve(s);
        if (!s || node.broken) return;
        if (rejectsAll(s)) return report(node.mark, where(path) + node.describe() + " is not allowed here");
        if (!checkType(node, s)) return;
        if (!checkValue(node, s, path)) return;
        if (node.isScalar()) {
            if (auto problem = scalarProblem(node, s, path)) report(node.mark, *problem);
        } else if (node.isMap()) {
            checkMap(node, s, owner, path);
        } else if (node.isSequence()) {
            checkSequence(node, s, path);
        }
        checkCombined(node, s, owner, path);
    }

private:
    // Steps bound the work a schema of nested anyOf/oneOf can make a value cost; nesting bounds the stack
    // where a schema goes round (allOf: [{$ref: "#"}]) without going down into the value.
    static constexpr long kMaxSteps = 1'000'000;
    static constexpr int kMaxSchemaNesting = 4 * kMaxDepth;

    static std::string where(const std::string& path) { return path.empty() ? "" : path + ": "; }

    void report(const Mark& mark, std::string message) { problems_->push_back({mark, std::move(message)}); }

    void tooMuch(const YamlNode& node, const std::string& path) {
        if (problems_ == outer_ && toldTooMuch_) return;
        toldTooMuch_ = toldTooMuch_ || problems_ == outer_;
        report(node.mark, where(path) + "the schema nests too deep or takes too long to check this value");
    }

    // Whether `node` passes `s`, without reporting: for anyOf, oneOf, not and if.
    bool passes(const YamlNode& node, const Schema::Node& s, const Mark& owner, const std::string& path) {
        std::vector<Diagnostic> scratch;
        std::vector<Diagnostic>* saved = std::exchange(problems_, &scratch);
        check(node, s, owner, path);
        problems_ = saved;
        return scratch.empty();
    }

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

    // A store URL may hold a password, and a message may be read over a shoulder or land in a ticket.
    static std::string shown(const YamlNode& node, const Schema::Node& s) {
        return node.isScalar() && Schema::format(s) == "store-url" ? "'" + store::withoutPassword(node.source) + "'"
                                                                   : node.describe();
    }

    bool checkValue(const YamlNode& node, const Schema::Node& s, const std::string& path) {
        if (const YamlNode* value = schema_.constValue(s); value && !sameValue(node, *value)) {
            report(node.mark, where(path) + "expected " + valueText(s->get("const")) + ", got " + shown(node, s));
            return false;
        }
        const std::vector<YamlNode>* values = schema_.enumValues(s);
        if (!values || std::any_of(values->begin(), values->end(), [&](auto& v) { return sameValue(node, v); }))
            return true;
        const Array::Ptr list = s->getArray("enum");
        std::vector<std::string> allowed;
        for (std::size_t i = 0; i < list->size(); ++i)
            allowed.push_back(valueText(list->get(static_cast<unsigned>(i))));
        std::string message = shown(node, s) + " is not one of " + quotedList(allowed);
        if (node.isScalar())
            if (auto guess = nearest(node.text, allowed)) message += "; did you mean '" + *guess + "'?";
        report(node.mark, message);
        return false;
    }

    // One message per value is enough: the first thing wrong with it.
    std::optional<std::string> scalarProblem(const YamlNode& node, const Schema::Node& s, const std::string& path) {
        if (isNumber(node))
            if (auto problem = numberProblem(numberValue(node.text), s, shown(node, s))) return problem;
        return isString(node) ? stringProblem(node, s, path) : std::nullopt;
    }

    static std::optional<std::string> numberProblem(double value, const Schema::Node& s, const std::string& shown) {
        const auto limit = [&](const char* keyword) { return s->get(keyword).convert<double>(); };
        if (s->has("minimum") && value < limit("minimum"))
            return "expected at least " + numberText(s->get("minimum")) + ", got " + shown;
        if (s->has("maximum") && value > limit("maximum"))
            return "expected at most " + numberText(s->get("maximum")) + ", got " + shown;
        if (s->has("exclusiveMinimum") && value <= limit("exclusiveMinimum"))
            return "expected more than " + numberText(s->get("exclusiveMinimum")) + ", got " + shown;
        if (s->has("exclusiveMaximum") && value >= limit("exclusiveMaximum"))
            return "expected less than " + numberText(s->get("exclusiveMaximum")) + ", got " + shown;
        if (s->has("multipleOf") && !isMultiple(value, limit("multipleOf")))
            return "expected a multiple of " + numberText(s->get("multipleOf")) + ", got " + shown;
        return std::nullopt;
    }

    // Binary fractions make 0.0075 / 0.0001 come out as 75.00000000000001: a quotient that near a whole
    // number counts as one.
    static bool isMultiple(double value, double divisor) {
        const double quotient = value / divisor;
        if (!std::isfinite(quotient)) return std::fmod(value, divisor) == 0;
        return std::abs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::abs(quotient));
    }

    std::optional<std::string> stringProblem(const YamlNode& node, const Schema::Node& s, const std::string& path) {
        const std::string& text = node.text;
        const std::string format = Schema::format(s);
        const std::string shown = Validator::shown(node, s);
        const auto length = [&](const char* keyword) { return s->get(keyword).convert<double>(); };
        if (s->has("minLength") && static_cast<double>(characters(text)) < length("minLength"))
            return length("minLength") == 1
                       ? std::string("expected a value, got an empty string")
                       : "expected at least " + numberText(s->get("minLength")) + " characters, got " + shown;
        if (s->has("maxLength") && static_cast<double>(characters(text)) > length("maxLength"))
            return "expected at most " + numberText(s->get("maxLength")) + " characters, got " +
                   std::to_string(characters(text));
        if (s->has("pattern")) {
            const std::string pattern = s->getValue<std::string>("pattern");
            if (!schema_.pattern(pattern).search(text))
                return shown + " does not have the expected form (pattern " + pattern + ")";
        }
        return formatProblem(text, format, shown, path);
    }

    static std::optional<std::string> formatProblem(const std::string& text, const std::string& format,
                                                    const std::string& shown, const std::string& path) {
        if (format == "ods-code")
            if (std::string problem = domain::odsCodeProblem(text); !problem.empty()) return problem;
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
        if (format == "uri" && !isUri(text))
            return shown + " is not a URI (a scheme such as https: and no spaces, e.g. https://clinhub.example)";
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
        checkCount(node.mark, node.entries.size(), s, "minProperties", "maxProperties", "key");
        const Schema::Node properties = s->getObject("properties");
        const Schema::Node patterns = s->getObject("patternProperties");
        const Schema::Node additional = s->getObject("additionalProperties");
        const Schema::Node names = s->getObject("propertyNames");
        for (const auto& entry : node.entries) {
            const std::string at = join(path, entry.key);
            bool matched = false;
            if (properties && properties->isObject(entry.key)) {
                matched = true;
                check(entry.value, properties->getObject(entry.key), entry.keyMark, at);
            }
            for (const auto& pattern : patterns ? patterns->getNames() : std::vector<std::string>())
                if (schema_.pattern(pattern).search(entry.key)) {
                    matched = true;
                    check(entry.value, patterns->getObject(pattern), entry.keyMark, at);
                }
            if (!matched && additional && rejectsAll(schema_.resolve(additional)))
                report(entry.keyMark, unknownKey(entry.key, s, path));
            else if (!matched && additional)
                check(entry.value, additional, entry.keyMark, at);
            if (names) check(keyNode(entry), names, entry.keyMark, at);
        }
    }

    static YamlNode keyNode(const YamlEntry& entry) {
        YamlNode key;
        key.kind = YamlNode::Kind::scalar;
        key.scalar = YamlNode::Scalar::string;
        key.mark = entry.keyMark;
        key.text = key.source = entry.key;
        return key;
    }

    void checkCount(const Mark& mark, std::size_t count, const Schema::Node& s, const char* least, const char* most,
                    const std::string& what) {
        const auto plural = [&](double n) { return n == 1 ? what : what + "s"; };
        if (s->has(least) && static_cast<double>(count) < s->get(least).convert<double>())
            report(mark, "expected at least " + numberText(s->get(least)) + " " +
                             plural(s->get(least).convert<double>()) + ", got " + std::to_string(count));
        if (s->has(most) && static_cast<double>(count) > s->get(most).convert<double>())
            report(mark, "expected at most " + numberText(s->get(most)) + " " + plural(s->get(most).convert<double>()) +
                             ", got " + std::to_string(count));
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
        checkCount(node.mark, node.items.size(), s, "minItems", "maxItems", "item");
        if (s->has("uniqueItems") && s->get("uniqueItems").convert<bool>())
            for (std::size_t i = 1; i < node.items.size(); ++i)
                for (std::size_t j = 0; j < i; ++j)
                    if (sameValue(node.items[i], node.items[j])) {
                        report(node.items[i].mark, path + "[" + std::to_string(i) + "] repeats item " +
                                                       std::to_string(j) + ": items must differ");
                        return;
                    }
        const Schema::Node items = s->getObject("items");
        for (std::size_t i = 0; i < node.items.size() && items; ++i)
            check(node.items[i], items, node.items[i].mark, path + "[" + std::to_string(i) + "]");
        if (const Schema::Node contains = s->getObject("contains"))
            if (std::none_of(node.items.begin(), node.items.end(),
                             [&](const YamlNode& item) { return passes(item, contains, item.mark, path); }))
                report(node.mark, where(path) + "no item has the form this list must contain");
    }

    void checkCombined(const YamlNode& node, const Schema::Node& s, const Mark& owner, const std::string& path) {
        if (const Array::Ptr all = s->getArray("allOf"))
            for (unsigned i = 0; i < all->size(); ++i)
                check(node, all->getObject(i), owner, path);
        if (const Array::Ptr any = s->getArray("anyOf"); any && matching(node, any, owner, path, 1) == 0)
            report(node.mark, where(path) + node.describe() + " has none of the " + std::to_string(any->size()) +
                                  " forms allowed here");
        if (const Array::Ptr one = s->getArray("oneOf")) {
            const std::size_t count = matching(node, one, owner, path, 2);
            if (count != 1)
                report(node.mark, where(path) + node.describe() + " has " + (count == 0 ? "none" : "more than one") +
                                      " of the " + std::to_string(one->size()) + " forms allowed here (exactly one)");
        }
        if (const Schema::Node no = s->getObject("not"); no && passes(node, no, owner, path))
            report(node.mark, where(path) + node.describe() + " has a form not allowed here");
        if (const Schema::Node condition = s->getObject("if")) {
            const Schema::Node next = s->getObject(passes(node, condition, owner, path) ? "then" : "else");
            if (next) check(node, next, owner, path);
        }
    }

    // How many of the schemas `node` passes, counting no further than `enough`.
    std::size_t matching(const YamlNode& node, const Array::Ptr& schemas, const Mark& owner, const std::string& path,
                         std::size_t enough) {
        std::size_t count = 0;
        for (unsigned i = 0; i < schemas->size() && count < enough; ++i)
            count += passes(node, schemas->getObject(i), owner, path) ? 1 : 0;
        return count;
    }

    const Schema& schema_;
    std::vector<Diagnostic>* problems_;
    std::vector<Diagnostic>* const outer_;
    long steps_ = 0;
    int depth_ = 0;
    bool toldTooMuch_ = false;
};

} // namespace

void validate(const YamlNode& node, const Schema& schema, const Mark& owner, const std::string& path,
              std::vector<Diagnostic>& problems) {
    Validator(schema, problems).check(node, schema.root(), owner, path);
}

// A default is filled in as it is: one that its own schema refuses would be a fault the sysadmin could not
// see or fix, so the schema is refused instead.
namespace {

void validateDefaults(const Schema& schema, const std::vector<std::pair<Schema::Node, std::string>>& defaults) {
    for (const auto& [node, at] : defaults) {
        std::vector<Diagnostic> problems;
        Validator(schema, problems).check(*schema.defaultValue(node), node, Mark{}, "");
        if (!problems.empty())
            throw RefusedSchema("default", at, "the default does not pass its own schema: " + problems.front().message);
    }
}

} // namespace

// ---- Defaults -------------------------------------------------------------------------------------

namespace {

void markAll(YamlNode& node, const Mark& mark) {
    node.mark = mark;
    for (auto& item : node.items)
        markAll(item, mark);
    for (auto& entry : node.entries) {
        entry.keyMark = mark;
        markAll(entry.value, mark);
    }
}

// The default beside a $ref wins over the one where it leads, as the nearer says more about this use.
const YamlNode* defaultFor(const Schema& schema, const Schema::Node& property) {
    if (const YamlNode* value = schema.defaultValue(property)) return value;
    return schema.defaultValue(schema.resolve(property));
}

void fill(YamlNode& node, const Schema& schema, Schema::Node s, int depth) {
    s = schema.resolve(s);
    if (!s || depth > kMaxDepth) return;
    if (node.isMap()) {
        if (const Schema::Node properties = s->getObject("properties"))
            for (const auto& key : properties->getNames())
                if (const YamlNode* value = defaultFor(schema, properties->getObject(key)); value && !node.entry(key)) {
                    YamlEntry entry{key, node.mark, *value};
                    markAll(entry.value, node.mark);
                    node.entries.push_back(std::move(entry));
                }
        for (auto& entry : node.entries)
            fill(entry.value, schema, schema.propertySchema(s, entry.key), depth + 1);
    } else if (node.isSequence()) {
        if (const Schema::Node items = schema.itemSchema(s))
            for (auto& item : node.items)
                fill(item, schema, items, depth + 1);
    }
}

} // namespace

void applyDefaults(YamlNode& node, const Schema& schema) { fill(node, schema, schema.root(), 0); }

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
    // A value that came from JSON (a default) keeps its JSON type.
    if (node.scalar == YamlNode::Scalar::string) return node.text;
    if (node.scalar == YamlNode::Scalar::boolean) return booleanValue(node.text);
    if (node.scalar == YamlNode::Scalar::number && readsAsInteger(node.text))
        return static_cast<Poco::Int64>(integerValue(node.text));
    if (node.scalar == YamlNode::Scalar::number) return numberValue(node.text);
    const auto types = Schema::types(s);
    auto wants = [&](const char* type) { return std::find(types.begin(), types.end(), type) != types.end(); };
    if (wants("boolean") && readsAsBoolean(node.text)) return booleanValue(node.text);
    if ((wants("integer") || wants("number")) && readsAsInteger(node.text))
        return static_cast<Poco::Int64>(integerValue(node.text));
    if (wants("number") && readsAsNumber(node.text)) return numberValue(node.text);
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

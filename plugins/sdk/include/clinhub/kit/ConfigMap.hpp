// A connector's config section declared once. One table says, for each key, its type, default, limits,
// description and the struct member it fills; from it come the parser (defaults applied, every problem a
// ConfigError at its JSON Pointer, unknown keys refused), the JSON Schema the descriptor publishes, and
// the Markdown table of the connector's README. Modelled on Fluent Bit's config_map.
//
//     struct Config { std::string url; int timeoutMs; bool verify; std::optional<std::vector<std::string>> tags; };
//
//     using namespace clinhub::kit;
//     const ConfigMap<Config> kConfigMap{"What the connector talks to", {
//         stringKey("url", &Config::url).required("the gateway's URL").check(httpUrlCheck)
//             .describe("Where messages are sent"),
//         integerKey("timeout_ms", &Config::timeoutMs).range(100, 120000).byDefault(10000)
//             .describe("Whole-request limit"),
//         booleanKey("verify", &Config::verify).byDefault(true),
//         stringListKey("tags", &Config::tags).minLength(1),   // optional<>: absent and empty differ
//     }};
//     Config c = kConfigMap.parse(json, errors);               // in checkConfig(); parseOrThrow() in create()
//     CLINHUB_PLUGIN(MyPlugin, "my-plugin", "1.0", "...", kConfigMap.schema())
//
// Rules between keys (one of two keys, a default taken from another key) stay as code after parse().
// A pattern is only carried into the schema: the hub checks it, and a plugin has no regex engine to trust
// with input. Give a key a check() for what its schema cannot say.
#pragma once

#include <clinhub/kit/JsonConfig.hpp>
#include <clinhub/plugin.hpp>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace clinhub::kit {

using ConfigErrors = std::vector<ConfigError>;

enum class ConfigType { string, integer, boolean, stringList, integerList, object, stringMap };

// What an entry says about its key, whatever the struct: all the schema and the docs are made from.
struct ConfigKey {
    std::string name;
    ConfigType type = ConfigType::string;
    std::string description;
    bool required = false;
    std::string requiredWhat;              // "the Partner API user name" makes "... is required"
    std::optional<Poco::Dynamic::Var> def; // the default, as its JSON value
    std::optional<long long> min, max;     // an integer, or each item of an integer list
    std::optional<std::size_t> minLength;  // a string, each item of a string list, each value of a map
    std::string pattern;                   // schema only: the hub checks it
    std::string format;                    // "path": the hub resolves it against the config file's folder
    std::vector<std::string> choices;      // the only values allowed (strings, items, map values)
    std::function<std::string(const std::string&)> check; // "" or what is wrong with a string value
    Poco::JSON::Object::Ptr nested;                       // an object key's own schema
};

// Whether `value` has the key's type and keeps within its limits; otherwise adds why at `pointer`.
bool configValueFits(const ConfigKey& key, const Poco::Dynamic::Var& value, const std::string& pointer,
                     ConfigErrors& errors);
// The JSON Schema of an object holding `keys`, with additionalProperties false.
Poco::JSON::Object::Ptr configObjectSchema(const std::string& description, const std::vector<const ConfigKey*>& keys);
std::string configSchemaText(const Poco::JSON::Object::Ptr& schema);
// A Markdown table (key | type | default | range | description) of a config section's JSON Schema, nested
// objects' keys written parent.child. Works on any plugin's schema, so `clinhub plugins schema NAME
// --markdown` documents plugins that do not use this map too.
std::string configMarkdown(const std::string& schemaJson);
// Adds an error at each member of `section` that is not among `known`.
void refuseUnknownKeys(const Poco::JSON::Object& section, const std::vector<const ConfigKey*>& known,
                       const std::string& at, ConfigErrors& errors);
// For create(): throws std::runtime_error("config /pointer: message") naming the first of `errors`, if any.
void throwFirstConfigError(const ConfigErrors& errors);

// For create(): what parse(json, errors) returns, or that exception when it found any problem.
template <class Parse> auto parseOrThrow(Parse&& parse, const std::string& json) {
    ConfigErrors errors;
    auto parsed = parse(json, errors);
    throwFirstConfigError(errors);
    return parsed;
}
// A check() for URLs: http:// or https:// and something after.
std::string httpUrlCheck(const std::string& url);
// A check() for the URL of a real service: https://, or plain http:// only to a loopback test server.
std::string httpsOrLoopbackCheck(const std::string& url);
// A check() for the name of an environment variable that holds a secret: letters, digits and '_', not
// starting with a digit. Its schema pattern is kEnvNamePattern.
std::string envNameCheck(const std::string& name);
inline constexpr const char* kEnvNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$";

// One key of a struct S: what it is, and how a value that fits is put into S.
template <class S> struct ConfigEntry {
    ConfigKey key;
    std::function<void(S&, const Poco::Dynamic::Var&, const std::string&, ConfigErrors&)> set;
    std::function<void(S&)> defaults; // an object key's members' defaults

    ConfigEntry&& describe(std::string text) && { return key.description = std::move(text), std::move(*this); }
    // Absent, null or (for a string) empty is an error: "<what> is required", or "is required".
    ConfigEntry&& required(std::string what = {}) && {
        key.required = true;
        key.requiredWhat = std::move(what);
        return std::move(*this);
    }
    ConfigEntry&& range(long long min, long long max) && {
        key.min = min;
        key.max = max;
        return std::move(*this);
    }
    ConfigEntry&& minLength(std::size_t n) && { return key.minLength = n, std::move(*this); }
    ConfigEntry&& pattern(std::string p) && { return key.pattern = std::move(p), std::move(*this); }
    ConfigEntry&& format(std::string f) && { return key.format = std::move(f), std::move(*this); }
    ConfigEntry&& oneOf(std::vector<std::string> c) && { return key.choices = std::move(c), std::move(*this); }
    ConfigEntry&& check(std::function<std::string(const std::string&)> f) && {
        return key.check = std::move(f), std::move(*this);
    }
    ConfigEntry&& byDefault(int v) && { return std::move(*this).byDefault(static_cast<long long>(v)); }
    ConfigEntry&& byDefault(long long v) && { return key.def = Poco::Dynamic::Var(v), std::move(*this); }
    ConfigEntry&& byDefault(bool v) && { return key.def = Poco::Dynamic::Var(v), std::move(*this); }
    ConfigEntry&& byDefault(const char* v) && { return key.def = Poco::Dynamic::Var(std::string(v)), std::move(*this); }
    ConfigEntry&& byDefault(std::initializer_list<const char*> v) && {
        Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
        for (const char* item : v)
            list->add(std::string(item));
        return key.def = Poco::Dynamic::Var(list), std::move(*this);
    }
};

// The table for struct S, and what is made from it.
template <class S> class ConfigMap {
public:
    ConfigMap(std::string description, std::vector<ConfigEntry<S>> entries)
        : entries_(std::move(entries)), schema_(configObjectSchema(description, keys())),
          schemaText_(configSchemaText(schema_)) {}

    // The section, parsed onto the defaults; every problem goes to `errors`.
    S parse(const std::string& json, ConfigErrors& errors) const {
        S out{};
        applyDefaults(out);
        if (const auto section = parseConfigObject(json, errors)) read(*section, out, "", errors);
        return out;
    }

    // `section` (at JSON Pointer `at`) onto `out`, which already holds the defaults.
    void read(const Poco::JSON::Object& section, S& out, const std::string& at, ConfigErrors& errors) const {
        refuseUnknownKeys(section, keys(), at, errors);
        for (const auto& e : entries_) {
            const std::string pointer = at + "/" + e.key.name;
            if (!section.has(e.key.name) || section.isNull(e.key.name)) {
                if (e.key.required)
                    errors.push_back(
                        {pointer, e.key.requiredWhat.empty() ? "is required" : e.key.requiredWhat + " is required"});
                continue;
            }
            const Poco::Dynamic::Var value = section.get(e.key.name);
            if (configValueFits(e.key, value, pointer, errors)) e.set(out, value, pointer, errors);
        }
    }

    void applyDefaults(S& out) const {
        ConfigErrors none; // a default that does not fit its own key is the table's bug, caught by its tests
        for (const auto& e : entries_) {
            if (e.key.def) e.set(out, *e.key.def, "", none);
            if (e.defaults) e.defaults(out);
        }
    }

    [[nodiscard]] const char* schema() const { return schemaText_.c_str(); }
    [[nodiscard]] const Poco::JSON::Object::Ptr& schemaObject() const { return schema_; }
    [[nodiscard]] std::string markdown() const { return configMarkdown(schemaText_); }

private:
    std::vector<const ConfigKey*> keys() const {
        std::vector<const ConfigKey*> out;
        for (const auto& e : entries_)
            out.push_back(&e.key);
        return out;
    }

    std::vector<ConfigEntry<S>> entries_;
    Poco::JSON::Object::Ptr schema_;
    std::string schemaText_;
};

// ---- The entries, one factory per type -----------------------------------------------------------------

namespace configmap {
template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type {};

template <class S, class F> ConfigEntry<S> entry(const std::string& name, ConfigType type, F set) {
    ConfigEntry<S> e;
    e.key.name = name;
    e.key.type = type;
    e.set = std::move(set);
    return e;
}

// The member itself, or the value of an optional one (made present).
template <class M> auto& target(M& member) {
    if constexpr (IsOptional<M>::value)
        return member.emplace();
    else
        return member;
}
} // namespace configmap

template <class S> ConfigEntry<S> stringKey(std::string name, std::string S::*member) {
    return configmap::entry<S>(name, ConfigType::string,
                               [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                   s.*member = v.extract<std::string>();
                               });
}

// Into an int, long, unsigned short... or a std::chrono duration (the number is its count).
template <class S, class M> ConfigEntry<S> integerKey(std::string name, M S::*member) {
    return configmap::entry<S>(name, ConfigType::integer,
                               [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                   s.*member = M(static_cast<long long>(v.convert<Poco::Int64>()));
                               });
}

template <class S> ConfigEntry<S> booleanKey(std::string name, bool S::*member) {
    return configmap::entry<S>(name, ConfigType::boolean,
                               [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                   s.*member = v.extract<bool>();
                               });
}

// A string that must be one of `choices`, each standing for a value of the member (an enum, a bool...).
template <class S, class M>
ConfigEntry<S> choiceKey(std::string name, M S::*member, std::vector<std::pair<std::string, M>> choices) {
    auto e =
        configmap::entry<S>(name, ConfigType::string,
                            [member, choices](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                for (const auto& [word, value] : choices)
                                    if (word == v.extract<std::string>()) s.*member = value;
                            });
    for (const auto& c : choices)
        e.key.choices.push_back(c.first);
    return e;
}

// Into a std::vector<std::string>, or a std::optional of one when "absent" and "empty" mean different things.
template <class S, class M> ConfigEntry<S> stringListKey(std::string name, M S::*member) {
    return configmap::entry<S>(name, ConfigType::stringList,
                               [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                   auto& list = configmap::target(s.*member);
                                   list.clear();
                                   for (const auto& item : *v.extract<Poco::JSON::Array::Ptr>())
                                       list.push_back(item.extract<std::string>());
                               });
}

// Into any container of integers with insert(end, value): std::vector<int>, std::set<long>...
template <class S, class M> ConfigEntry<S> integerListKey(std::string name, M S::*member) {
    return configmap::entry<S>(
        name, ConfigType::integerList, [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
            auto& list = s.*member;
            list.clear();
            for (const auto& item : *v.extract<Poco::JSON::Array::Ptr>())
                list.insert(list.end(), static_cast<typename M::value_type>(item.convert<Poco::Int64>()));
        });
}

// An object of string values under any names (headers, a word-to-word mapping).
template <class S> ConfigEntry<S> stringMapKey(std::string name, std::map<std::string, std::string> S::*member) {
    return configmap::entry<S>(name, ConfigType::stringMap,
                               [member](S& s, const Poco::Dynamic::Var& v, const std::string&, ConfigErrors&) {
                                   const auto& object = *v.extract<Poco::JSON::Object::Ptr>();
                                   auto& map = s.*member;
                                   map.clear();
                                   for (const auto& name : object.getNames())
                                       map[name] = object.getValue<std::string>(name);
                               });
}

// A nested object with its own table. Into a struct N, or a std::optional<N> left empty when the key is
// absent (so the object's own required keys are asked for only when it is given).
template <class S, class M, class N> ConfigEntry<S> objectKey(std::string name, M S::*member, const ConfigMap<N>& map) {
    auto e = configmap::entry<S>(
        name, ConfigType::object,
        [member, &map](S& s, const Poco::Dynamic::Var& v, const std::string& at, ConfigErrors& errors) {
            auto& target = configmap::target(s.*member);
            map.applyDefaults(target);
            map.read(*v.extract<Poco::JSON::Object::Ptr>(), target, at, errors);
        });
    if constexpr (!configmap::IsOptional<M>::value) e.defaults = [member, &map](S& s) { map.applyDefaults(s.*member); };
    e.key.nested = map.schemaObject();
    return e;
}

// The connect and whole-request timeouts of a connector that calls a server, with the same limits in every
// connector: 50 ms to a minute to connect, 100 ms to two minutes for the whole request.
template <class S, class M> ConfigEntry<S> connectTimeoutKey(M S::*member, long long byDefault = 2000) {
    return integerKey("connect_timeout_ms", member)
        .range(50, 60000)
        .byDefault(byDefault)
        .describe("Milliseconds allowed to open a connection");
}

template <class S, class M> ConfigEntry<S> timeoutKey(M S::*member, long long byDefault = 10000) {
    return integerKey("timeout_ms", member)
        .range(100, 120000)
        .byDefault(byDefault)
        .describe("Milliseconds a whole request may take, connecting included; one that takes longer is retryable");
}

} // namespace clinhub::kit

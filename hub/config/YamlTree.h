// The config file as a tree the checks can walk: yaml-cpp's nodes turned into plain values that keep
// their 1-based marks, with ${VAR}s substituted and duplicate keys already reported.
//
// Why not check yaml-cpp nodes directly: they silently keep the first of two duplicate keys, have no
// mark for a missing or empty value, and cannot remember that a scalar held a secret (which must never
// be echoed back in a message). A tree of our own fixes all three in one place.
#pragma once

#include "hub/config/Diagnostic.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::config {

struct YamlEntry;

// How deep values may nest: parseYaml reports deeper ones, fromJson refuses them, and whatever walks a
// tree relies on that bound instead of recursing as deep as outside input says.
inline constexpr int kMaxNesting = 64;

// One level deeper into a recursive walk for as long as it lives.
class NestingLevel {
public:
    explicit NestingLevel(int& depth) : depth_(++depth) {}
    ~NestingLevel() { --depth_; }
    NestingLevel(const NestingLevel&) = delete;
    NestingLevel& operator=(const NestingLevel&) = delete;

private:
    int& depth_;
};

struct YamlNode {
    enum class Kind { null, scalar, sequence, map };
    // A YAML scalar has no type of its own (untyped: "5" is a number and a string alike); a value that came
    // from JSON (a schema's default, enum or const, or a JSON document) keeps the one JSON gave it.
    enum class Scalar { untyped, string, number, boolean };

    Kind kind = Kind::null;
    Scalar scalar = Scalar::untyped;
    Mark mark;           // of the value; of its key when the value is empty
    std::string text;    // a scalar after ${VAR} substitution
    std::string source;  // a scalar as written: what messages quote, so substituted secrets never appear
    bool plain = true;   // written without quotes
    bool broken = false; // already reported (an unset variable): later checks leave it alone
    std::vector<YamlNode> items;
    std::vector<YamlEntry> entries; // in file order, duplicates dropped

    [[nodiscard]] bool isNull() const { return kind == Kind::null; }
    [[nodiscard]] bool isScalar() const { return kind == Kind::scalar; }
    [[nodiscard]] bool isSequence() const { return kind == Kind::sequence; }
    [[nodiscard]] bool isMap() const { return kind == Kind::map; }

    [[nodiscard]] const YamlEntry* entry(std::string_view key) const;
    [[nodiscard]] const YamlNode* find(std::string_view key) const;
    [[nodiscard]] YamlNode* find(std::string_view key);

    // How a message names this value: "'abc'", "a map", "a list" or "nothing".
    [[nodiscard]] std::string describe() const;
};

struct YamlEntry {
    std::string key;
    Mark keyMark;
    YamlNode value;
};

// Parses one YAML document. Syntax errors (which end parsing), duplicate keys (both places), non-text
// keys and unset variables go to `problems`. Nothing is returned only on a syntax error.
std::optional<YamlNode> parseYaml(const std::string& text, const std::string& fileName, const Environment& env,
                                  std::vector<Diagnostic>& problems);

} // namespace clinhub::config

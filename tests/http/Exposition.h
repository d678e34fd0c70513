// A strict reader of the Prometheus text exposition format, so tests check the output by parsing it the way
// a scraper would, not by comparing against strings the implementation produced.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace clinhub::testing {

struct ExpositionSample {
    std::string name;
    std::map<std::string, std::string> labels; // unescaped
    double value = 0;
};

struct Exposition {
    std::vector<ExpositionSample> samples;
    std::map<std::string, std::string> types; // family -> counter | gauge | histogram
    std::map<std::string, std::string> help;  // family -> unescaped help text
    std::vector<std::string> errors;          // one per bad line, empty when the text is valid

    // Samples of `name` whose labels include all of `labels`.
    std::vector<ExpositionSample> find(const std::string& name,
                                       const std::map<std::string, std::string>& labels = {}) const {
        std::vector<ExpositionSample> found;
        for (const auto& s : samples) {
            if (s.name != name) continue;
            bool all = true;
            for (const auto& [k, v] : labels) {
                auto it = s.labels.find(k);
                all = all && it != s.labels.end() && it->second == v;
            }
            if (all) found.push_back(s);
        }
        return found;
    }
};

namespace detail {

inline bool nameChar(char c, bool first, bool colon) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':') ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
}

inline std::string readName(const std::string& line, std::size_t& at, bool colon) {
    const auto start = at;
    while (at < line.size() && nameChar(line[at], at == start, colon))
        ++at;
    return line.substr(start, at - start);
}

inline bool parseValue(const std::string& text, double& value) {
    if (text == "+Inf" || text == "-Inf" || text == "NaN") {
        value = text == "NaN" ? std::nan("") : text[0] == '+' ? HUGE_VAL : -HUGE_VAL;
        return true;
    }
    if (text.empty()) return false;
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && text.find_first_of("xXpP") == std::string::npos;
}

inline std::string familyOf(const std::string& name, const std::map<std::string, std::string>& types) {
    if (types.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.ends_with(s)) {
            auto base = name.substr(0, name.size() - s.size());
            if (types.count(base) && types.at(base) == "histogram") return base;
        }
    }
    return {};
}

} // namespace detail

inline Exposition parseExposition(const std::string& text) {
    Exposition out;
    if (!text.empty() && text.back() != '\n') out.errors.push_back("text does not end with a newline");
    std::set<std::string> sampled;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        start = end + 1;
        auto bad = [&](const std::string& why) { out.errors.push_back(why + ": " + line); };
        if (line.empty()) continue;
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            std::size_t at = 7;
            const auto name = detail::readName(line, at, true);
            if (name.empty() || at >= line.size() || line[at] != ' ') {
                bad("bad comment");
                continue;
            }
            const auto rest = line.substr(at + 1);
            if (line[2] == 'T') {
                if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" &&
                    rest != "untyped")
                    bad("unknown type");
                if (out.types.count(name)) bad("second TYPE");
                if (sampled.count(name)) bad("TYPE after samples");
                out.types[name] = rest;
            } else {
                std::string help;
                for (std::size_t i = 0; i < rest.size(); ++i) {
                    if (rest[i] != '\\') {
                        help += rest[i];
                    } else if (i + 1 < rest.size() && (rest[i + 1] == '\\' || rest[i + 1] == 'n')) {
                        help += rest[++i] == 'n' ? '\n' : '\\';
                    } else {
                        bad("bad escape in HELP");
                    }
                }
                out.help[name] = help;
            }
            continue;
        }
        if (line.starts_with('#')) continue;

        ExpositionSample sample;
        std::size_t at = 0;
        sample.name = detail::readName(line, at, true);
        if (sample.name.empty()) {
            bad("no metric name");
            continue;
        }
        bool ok = true;
        if (at < line.size() && line[at] == '{') {
            ++at;
            while (ok && at < line.size() && line[at] != '}') {
                const auto label = detail::readName(line, at, false);
                if (label.empty() || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
                    ok = false;
                    break;
                }
                at += 2;
                std::string value;
                while (at < line.size() && line[at] != '"') {
                    if (line[at] == '\\') {
                        if (at + 1 >= line.size()) {
                            ok = false;
                            break;
                        }
                        const char e = line[at + 1];
                        if (e == '\\' || e == '"')
                            value += e;
                        else if (e == 'n')
                            value += '\n';
                        else
                            ok = false;
                        at += 2;
                    } else {
                        value += line[at++];
                    }
                }
                if (!ok || at >= line.size()) {
                    ok = false;
                    break;
                }
                ++at; // closing quote
                if (sample.labels.count(label)) ok = false;
                sample.labels[label] = value;
                if (at < line.size() && line[at] == ',') ++at;
            }
            if (!ok || at >= line.size()) {
                bad("bad labels");
                continue;
            }
            ++at; // '}'
        }
        if (at >= line.size() || line[at] != ' ') {
            bad("no space before value");
            continue;
        }
        if (!detail::parseValue(line.substr(at + 1), sample.value)) {
            bad("bad value");
            continue;
        }
        const auto family = detail::familyOf(sample.name, out.types);
        if (family.empty())
            bad("sample without a TYPE");
        else if (!out.help.count(family))
            bad("sample without a HELP");
        sampled.insert(family);
        out.samples.push_back(std::move(sample));
    }
    return out;
}

} // namespace clinhub::testing

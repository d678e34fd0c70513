#include "hub/config/YamlTree.h"

#include <yaml-cpp/yaml.h>

#include <yaml-cpp/eventhandler.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

namespace clinhub::config {

const YamlEntry* YamlNode::entry(std::string_view key) const {
    for (const auto& e : entries)
        if (e.key == key) return &e;
    return nullptr;
}

const YamlNode* YamlNode::find(std::string_view key) const {
    const YamlEntry* e = entry(key);
    return e ? &e->value : nullptr;
}

YamlNode* YamlNode::find(std::string_view key) {
    for (auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

std::string YamlNode::describe() const {
    switch (kind) {
    case Kind::null: return "nothing";
    case Kind::scalar: return "'" + source + "'";
    case Kind::sequence: return "a list";
    case Kind::map: return "a map";
    }
    return "nothing";
}

namespace {

// yaml-cpp's messages name its parser's states; say what the sysadmin most likely got wrong instead.
std::string friendlySyntaxMessage(const std::string& message) {
    static const std::map<std::string, std::string> hints = {
        {"end of sequence flow not found", "a list opened with '[' is not closed with ']'"},
        {"end of map flow not found", "a map opened with '{' is not closed with '}'"},
        {"illegal map value", "unexpected ':' (check the indentation, and quote a value that contains ': ')"},
        {"end of sequence not found", "a list item ('- ') is not indented like the items before it"},
        {"end of map not found", "a key is not indented like the keys before it"},
        {"unknown token", "a value cannot start with '@' or '`': quote it"},
    };
    auto hint = hints.find(message);
    return "YAML syntax error: " + (hint == hints.end() ? message : hint->second);
}

// The first line indented with a tab, at the tab.
std::optional<Mark> tabIndentation(const std::string& text, const std::string& fileName) {
    int line = 1;
    for (std::size_t start = 0; start < text.size(); ++line) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::size_t content = text.find_first_not_of(" \t", start);
        for (std::size_t i = start; i < std::min(end, content); ++i)
            if (text[i] == '\t') return Mark{fileName, line, static_cast<int>(i - start) + 1};
        start = end + 1;
    }
    return std::nullopt;
}

class TreeBuilder {
public:
    TreeBuilder(std::string fileName, const Environment& env, std::vector<Diagnostic>& problems)
        : file_(std::move(fileName)), env_(env), problems_(problems),
          baseDirectory_(std::filesystem::absolute(file_).lexically_normal().parent_path().string()) {}

    YamlNode build(const YAML::Node& node, const Mark& fallback) {
        YamlNode out;
        out.mark = markOf(node.Mark(), fallback);
        // yaml-cpp shares an aliased node; our tree copies it. Aliases of aliases ("billion laughs") would
        // make a few hundred bytes of YAML take minutes and gigabytes to load.
        if (++nodes_ > kMaxValues) {
            if (nodes_ == kMaxValues + 1)
                problems_.push_back({out.mark, "the file holds more than " + std::to_string(kMaxValues) +
                                                   " values once its aliases (*name) are expanded; write them out"});
            return out;
        }
        // An anchor may name itself inside its own value (`d: &d [*d]`): yaml-cpp then hands out a cycle, which
        // this walk would follow until the stack ran out. No config needs nesting a tenth this deep.
        if (depth_ >= kMaxDepth) {
            if (!tooDeep_)
                problems_.push_back({out.mark, "values are nested more than " + std::to_string(kMaxDepth) +
                                                   " deep (an alias inside its own anchor?)"});
            tooDeep_ = true;
            return out;
        }
        const NestingLevel deeper(depth_);
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            // An empty value's own mark points at whatever follows it, often the next line: use the key's.
            out.mark = fallback;
            break;
        case YAML::NodeType::Scalar: scalar(node, out); break;
        case YAML::NodeType::Sequence:
            out.kind = YamlNode::Kind::sequence;
            for (const auto& item : node)
                out.items.push_back(build(item, out.mark));
            break;
        case YAML::NodeType::Map: map(node, out); break;
        }
        return out;
    }

private:
    static constexpr int kMaxDepth = kMaxNesting;

    Mark markOf(const YAML::Mark& m, const Mark& fallback) const {
        if (m.is_null() || m.line < 0) return fallback;
        return Mark{file_, m.line + 1, m.column + 1};
    }

    void scalar(const YAML::Node& node, YamlNode& out) {
        out.kind = YamlNode::Kind::scalar;
        out.source = node.Scalar();
        out.plain = node.Tag() == "?";
        Substitution s = substituteVariables(out.source, env_, baseDirectory_);
        out.text = std::move(s.text);
        for (auto& error : s.errors)
            problems_.push_back({out.mark, std::move(error)});
        out.broken = !s.errors.empty();
    }

    void map(const YAML::Node& node, YamlNode& out) {
        out.kind = YamlNode::Kind::map;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const Mark keyMark = markOf(it->first.Mark(), out.mark);
            if (!it->first.IsScalar()) {
                problems_.push_back({keyMark, "a key must be plain text, not a list or a map"});
                continue;
            }
            const std::string key = it->first.Scalar();
            if (const YamlEntry* first = out.entry(key)) {
                // yaml-cpp would quietly keep one of them: the sysadmin must choose, so show both.
                problems_.push_back({first->keyMark, "key '" + key + "' is set again at line " +
                                                         std::to_string(keyMark.line) + ", column " +
                                                         std::to_string(keyMark.column)});
                problems_.push_back({keyMark, "duplicate key '" + key + "' (first set at line " +
                                                  std::to_string(first->keyMark.line) + ", column " +
                                                  std::to_string(first->keyMark.column) + ")"});
                continue;
            }
            out.entries.push_back({key, keyMark, build(it->second, keyMark)});
        }
    }

    // Far more than any practice's config (the reference config holds a few hundred).
    static constexpr std::size_t kMaxValues = 100'000;

    std::string file_;
    const Environment& env_;
    std::vector<Diagnostic>& problems_;
    std::string baseDirectory_; // where ${file:PATH}s are found
    std::size_t nodes_ = 0;
    int depth_ = 0;
    bool tooDeep_ = false;
};

// Where the text's first two documents start. yaml-cpp's LoadAll asks for documents until there are none, and
// on some malformed texts (`"",` is enough) it is handed an empty one for ever, growing without end; so the
// documents are counted here, two at most, and only the first is loaded.
std::vector<YAML::Mark> firstDocumentStarts(const std::string& text) {
    struct Starts final : YAML::EventHandler {
        std::vector<YAML::Mark> marks;
        void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    } starts;
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    return starts.marks;
}

} // namespace

std::optional<YamlNode> parseYaml(const std::string& text, const std::string& fileName, const Environment& env,
                                  std::vector<Diagnostic>& problems) {
    YAML::Node document;
    try {
        const auto starts = firstDocumentStarts(text);
        document = YAML::Load(text);
        // yaml-cpp's Load() would quietly drop the rest, and half a config running is worse than none.
        if (starts.size() > 1) {
            const YAML::Mark m = starts[1];
            const Mark at = m.is_null() || m.line < 0 ? Mark{fileName, 1, 1} : Mark{fileName, m.line + 1, m.column + 1};
            problems.push_back({at, "a config file holds one YAML document, but another starts here (remove the "
                                    "'---' line, or move this part to its own file)"});
        }
    } catch (const YAML::ParserException& e) {
        // yaml-cpp blames whatever follows a tab; the tab itself is the usual culprit and easy to miss.
        if (auto tab = tabIndentation(text, fileName)) {
            problems.push_back({*tab, "YAML syntax error: a tab indents this line; YAML indents with spaces only"});
            return std::nullopt;
        }
        const Mark at = e.mark.is_null() ? Mark{fileName, 1, 1} : Mark{fileName, e.mark.line + 1, e.mark.column + 1};
        problems.push_back({at, friendlySyntaxMessage(e.msg)});
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        problems.push_back({Mark{fileName, 1, 1}, friendlySyntaxMessage(e.msg)});
        return std::nullopt;
    }
    TreeBuilder builder(fileName, env, problems);
    return builder.build(document, Mark{fileName, 1, 1});
}

} // namespace clinhub::config

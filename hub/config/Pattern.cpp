#include "hub/config/Pattern.h"

#include <stdexcept>

namespace clinhub::config {
namespace {

// Enough for every count in the schemas ({1,5}, {6,18}, {3,10}); a count is expanded into that many
// elements, so this also bounds the work per byte.
constexpr int kMaxCount = 256;
constexpr std::size_t kMaxElements = 4096;

using Bytes = std::bitset<256>;

Bytes range(unsigned char from, unsigned char to) {
    Bytes out;
    for (unsigned c = from; c <= to; ++c)
        out.set(c);
    return out;
}

Bytes space() {
    Bytes out;
    for (unsigned char c : std::string_view(" \t\n\v\f\r"))
        out.set(c);
    return out;
}

Bytes word() { return range('a', 'z') | range('A', 'Z') | range('0', '9') | range('_', '_'); }

class Reader {
public:
    explicit Reader(std::string_view pattern) : pattern_(pattern) {}

    [[noreturn]] void unsupported(const std::string& what) const {
        throw std::invalid_argument("its pattern '" + std::string(pattern_) + "' " + what +
                                    ", which the hub's patterns do not support (character classes, quantifiers and "
                                    "^...$ anchors only)");
    }

    bool done() const { return at_ >= pattern_.size(); }
    char peek() const { return pattern_[at_]; }
    char next() {
        if (done()) unsupported("ends too early");
        return pattern_[at_++];
    }
    bool take(char c) {
        if (done() || peek() != c) return false;
        ++at_;
        return true;
    }

    // After a backslash: a class escape (\d \s \w and their negations) or a punctuation character as itself.
    Bytes escape() {
        const char c = next();
        switch (c) {
        case 'd': return range('0', '9');
        case 'D': return ~range('0', '9');
        case 's': return space();
        case 'S': return ~space();
        case 'w': return word();
        case 'W': return ~word();
        case 'n': return range('\n', '\n');
        case 't': return range('\t', '\t');
        default: break;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            unsupported(std::string("uses \\") + c);
        return range(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
    }

    Bytes characterClass() {
        const bool negated = take('^');
        Bytes out;
        while (!take(']')) {
            if (done()) unsupported("has an unclosed '['");
            Bytes one;
            int low = -1;
            if (take('\\')) {
                one = escape();
                if (one.count() == 1)
                    for (int c = 0; c < 256; ++c)
                        if (one.test(static_cast<std::size_t>(c))) low = c;
            } else {
                low = static_cast<unsigned char>(next());
                one.set(static_cast<std::size_t>(low));
            }
            if (low >= 0 && !done() && peek() == '-' && at_ + 1 < pattern_.size() && pattern_[at_ + 1] != ']') {
                ++at_;
                const char high = take('\\') ? static_cast<char>(escapedLiteral()) : next();
                if (static_cast<unsigned char>(high) < low) unsupported("has a range out of order");
                one = range(static_cast<unsigned char>(low), static_cast<unsigned char>(high));
            }
            out |= one;
        }
        return negated ? ~out : out;
    }

    unsigned char escapedLiteral() {
        const Bytes one = escape();
        if (one.count() != 1) unsupported("has a class escape as the end of a range");
        for (int c = 0; c < 256; ++c)
            if (one.test(static_cast<std::size_t>(c))) return static_cast<unsigned char>(c);
        return 0;
    }

    int number() {
        if (done() || peek() < '0' || peek() > '9') unsupported("has a malformed {n,m} count");
        int value = 0;
        while (!done() && peek() >= '0' && peek() <= '9') {
            value = value * 10 + (next() - '0');
            if (value > kMaxCount) unsupported("counts past " + std::to_string(kMaxCount));
        }
        return value;
    }

    std::size_t at_ = 0;
    std::string_view pattern_;
};

} // namespace

Pattern Pattern::compile(std::string_view text) {
    Pattern out;
    Reader r(text);
    out.anchoredStart_ = r.take('^');
    while (!r.done()) {
        const char c = r.next();
        Bytes bytes;
        if (c == '$' && r.done()) {
            out.anchoredEnd_ = true;
            break;
        }
        if (c == '\\') {
            bytes = r.escape();
        } else if (c == '[') {
            bytes = r.characterClass();
        } else if (c == '.') {
            bytes = ~range('\n', '\n');
        } else if (std::string_view("()|^$*+?{}]").find(c) != std::string_view::npos) {
            r.unsupported(std::string("uses '") + c + "' there");
        } else {
            bytes.set(static_cast<unsigned char>(c));
        }
        int least = 1;
        int most = 1; // -1: no upper bound
        if (r.take('?')) {
            least = 0;
        } else if (r.take('*')) {
            least = 0;
            most = -1;
        } else if (r.take('+')) {
            most = -1;
        } else if (r.take('{')) {
            least = most = r.number();
            if (r.take(',')) most = r.take('}') ? -1 : r.number();
            if (most != -1 && !r.take('}')) r.unsupported("has a malformed {n,m} count");
            if (most != -1 && most < least) r.unsupported("has a count {n,m} with m below n");
        }
        if (!r.done() && std::string_view("?*+{").find(r.peek()) != std::string_view::npos)
            r.unsupported("has a lazy or doubled quantifier");
        for (int i = 0; i < least; ++i)
            out.elements_.push_back({bytes, Repeat::once});
        if (most == -1) {
            out.elements_.push_back({bytes, Repeat::any});
        } else {
            for (int i = least; i < most; ++i)
                out.elements_.push_back({bytes, Repeat::optional});
        }
        if (out.elements_.size() > kMaxElements) r.unsupported("is too long");
    }
    return out;
}

bool Pattern::search(std::string_view text) const {
    const std::size_t n = elements_.size();
    std::vector<char> live(n + 1, 0);
    std::vector<char> next(n + 1, 0);
    // Being at element i also puts us past each optional element that follows it.
    const auto enter = [&](std::vector<char>& set, std::size_t i) {
        for (; !set[i]; ++i) {
            set[i] = 1;
            if (i == n || elements_[i].repeat == Repeat::once) break;
        }
    };
    enter(live, 0);
    for (std::size_t at = 0;; ++at) {
        if (live[n] && (!anchoredEnd_ || at == text.size())) return true;
        if (at == text.size()) return false;
        std::fill(next.begin(), next.end(), 0);
        const auto byte = static_cast<unsigned char>(text[at]);
        bool any = false;
        for (std::size_t i = 0; i < n; ++i) {
            if (!live[i] || !elements_[i].bytes.test(byte)) continue;
            enter(next, elements_[i].repeat == Repeat::any ? i : i + 1);
            any = true;
        }
        live.swap(next);
        if (!anchoredStart_)
            enter(live, 0); // a match may also start at the next byte
        else if (!any)
            return false;
    }
}

} // namespace clinhub::config

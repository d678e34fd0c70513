// The JSON Schema "pattern" keyword without the standard library's regex: libstdc++'s matcher recurses once per
// character and takes the process down on a long value. The schemas (the hub's and the plugins') use only character
// classes, quantifiers and ^...$ anchors, so that is what this matcher reads: no groups, alternation or
// back-references. It matches by walking the set of live positions, one byte at a time: time is bounded
// by the text's length times the pattern's, and nothing recurses.
#pragma once

#include <bitset>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::config {

class Pattern {
public:
    // Throws std::invalid_argument saying what in the pattern this matcher does not read.
    static Pattern compile(std::string_view pattern);

    // Whether the pattern matches somewhere in the text, as JSON Schema says (anchor it to match all of it).
    [[nodiscard]] bool search(std::string_view text) const;

private:
    enum class Repeat { once, optional, any };
    struct Element {
        std::bitset<256> bytes;
        Repeat repeat = Repeat::once;
    };
    std::vector<Element> elements_;
    bool anchoredStart_ = false;
    bool anchoredEnd_ = false;
};

} // namespace clinhub::config

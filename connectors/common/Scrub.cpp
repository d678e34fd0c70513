#include "Scrub.h"

namespace clinhub::connectors {

std::string scrub(const std::string& text, std::size_t max) {
    std::string out;
    std::size_t run = 0;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            ++run;
            out += c;
            // Seven digits are enough to be part of an NHS or phone number; shorter runs are dates, codes.
            if (run == 7)
                out.replace(out.size() - 7, 7, "#######");
            else if (run > 7)
                out.back() = '#';
        } else {
            run = 0;
            out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
        }
    }
    if (out.size() > max) out = out.substr(0, max) + "...";
    return out;
}

} // namespace clinhub::connectors

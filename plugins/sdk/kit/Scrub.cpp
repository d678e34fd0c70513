#include <clinhub/kit/Scrub.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <cctype>
#include <string_view>
#include <vector>

namespace clinhub::kit {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool separator(char c) { return c == ' ' || c == '-' || c == '/' || c == '.'; }

// The end of the run of digit groups starting at `at` (a digit), and the groups' lengths.
std::size_t numberEnd(std::string_view text, std::size_t at, std::vector<std::size_t>& groups, bool& spaced) {
    groups.clear();
    spaced = false;
    std::size_t i = at;
    while (true) {
        const std::size_t start = i;
        while (i < text.size() && digit(text[i]))
            ++i;
        groups.push_back(i - start);
        if (i + 1 < text.size() && separator(text[i]) && digit(text[i + 1])) {
            spaced = spaced || text[i] == ' ';
            ++i;
            continue;
        }
        return i;
    }
}

// d/m/yy, dd-mm-yyyy, yyyy-mm-dd, dd.mm.yyyy: three groups, the middle one a month's width and one end a
// year's.
bool dateShaped(const std::vector<std::size_t>& groups, bool spaced) {
    if (groups.size() != 3 || spaced || groups[1] > 2) return false;
    const auto year = [](std::size_t n) { return n == 2 || n == 4; };
    return (groups[0] <= 2 && year(groups[2])) || (groups[0] == 4 && groups[2] <= 2);
}

bool monthName(std::string_view word) {
    static constexpr std::array<std::string_view, 12> months{"january",   "february", "march",    "april",
                                                             "may",       "june",     "july",     "august",
                                                             "september", "october",  "november", "december"};
    if (word.size() < 3) return false;
    std::string lower(word);
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto m : months)
        if (lower == m || lower == m.substr(0, 3) || (m == "september" && lower == "sept")) return true;
    return false;
}

// "14 March 1980", "1 Mar 1980": the index just past the year when such a date starts at `at`, else 0.
std::size_t monthNameDateEnd(std::string_view text, std::size_t at, std::size_t dayEnd) {
    if (dayEnd - at > 2 || dayEnd >= text.size() || text[dayEnd] != ' ') return 0;
    std::size_t i = dayEnd + 1;
    const std::size_t word = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0)
        ++i;
    if (!monthName(text.substr(word, i - word)) || i + 5 > text.size() || text[i] != ' ') return 0;
    for (std::size_t k = i + 1; k < i + 5; ++k)
        if (!digit(text[k])) return 0;
    if (i + 5 < text.size() && digit(text[i + 5])) return 0;
    return i + 5;
}

void appendMasked(std::string& out, std::string_view part) {
    for (char c : part)
        out += digit(c) ? '#' : c;
}

} // namespace

std::string scrub(const std::string& input, std::size_t max) {
    const std::string_view text(input);
    std::string out;
    out.reserve(text.size());
    std::vector<std::size_t> groups;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (digit(c)) {
            bool spaced = false;
            const std::size_t end = numberEnd(text, i, groups, spaced);
            std::size_t digits = 0;
            for (std::size_t g : groups)
                digits += g;
            if (const std::size_t dateEnd = monthNameDateEnd(text, i, end)) {
                appendMasked(out, text.substr(i, dateEnd - i));
                i = dateEnd;
                continue;
            }
            if (digits >= 7 || dateShaped(groups, spaced))
                appendMasked(out, text.substr(i, end - i));
            else
                out += text.substr(i, end - i);
            i = end;
            continue;
        }
        out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
        ++i;
    }
    if (out.size() > max) out = out.substr(0, max) + "...";
    return out;
}

Poco::JSON::Object::Ptr parseAnswerObject(const std::string& body, std::string& why) {
    if (body.empty()) {
        why = "an empty body";
        return nullptr;
    }
    try {
        auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
        if (!o) why = "JSON that is not an object";
        return o;
    } catch (const Poco::Exception& e) {
        why = "a body that is not JSON (" + scrub(e.displayText(), 100) + ")";
    } catch (const std::exception&) {
        why = "JSON that is not an object";
    }
    return nullptr;
}

} // namespace clinhub::kit

#include "hub/domain/OdsCode.h"

#include <algorithm>

namespace clinhub::domain {
namespace {

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpperOrDigit(char c) { return isUpper(c) || isDigit(c); }

bool all(std::string_view s, bool (*f)(char)) { return std::all_of(s.begin(), s.end(), f); }

bool isOdsShape(std::string_view c) {
    if (c.empty() || !all(c, isUpperOrDigit)) return false;
    switch (c.size()) {
    case 3:
        return (c[0] == 'R' || c[0] == 'Q' || c[0] == 'N' || c[0] == '8') ||
               (isDigit(c[0]) && isDigit(c[1]) && isUpper(c[2]));
    case 5: return c[0] == 'R' || c[0] == 'F' || c[0] == 'N' || c[0] == '8';
    case 6: return isUpper(c[0]) && all(c.substr(1), isDigit);
    default: return false;
    }
}

} // namespace

std::string odsCodeProblem(std::string_view code) {
    if (isOdsShape(code)) return {};
    std::string hint;
    if (std::any_of(code.begin(), code.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        hint = " (ODS codes are written in capitals)";
    return "'" + std::string(code) + "' is not an ODS code" + hint +
           ": a GP practice's is a letter and five digits (A81001); a trust's is R and two characters (RXX), or R "
           "and four for one of its sites (RXX01); a pharmacy's is F and four (FA123); a commissioner's is two "
           "digits and a letter (00J) or Q and two (QWE)";
}

} // namespace clinhub::domain

#include <clinhub/kit/Identity.hpp>

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace clinhub::kit {
namespace {

bool digitsOnly(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool leapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysIn(int year, int month) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leapYear(year) ? 29 : days[month - 1];
}

} // namespace

Checked checkNhsNumber(std::string_view input) {
    std::string digits;
    for (char c : input)
        if (c != ' ') digits += c;
    if (digits.empty()) return {{}, "NHS number is missing"};
    if (!digitsOnly(digits)) return {{}, "NHS number can only contain digits"};
    if (digits.size() != 10) return {{}, "NHS number must be 10 digits (it has " + std::to_string(digits.size()) + ")"};
    int sum = 0;
    for (int i = 0; i < 9; ++i)
        sum += (digits[static_cast<size_t>(i)] - '0') * (10 - i);
    const int check = (11 - sum % 11) % 11;
    if (check == 10) return {{}, "not a valid NHS number: no number with these first nine digits exists"};
    if (check != digits[9] - '0') return {{}, "not a valid NHS number: the last digit (check digit) is wrong"};
    return {digits, {}};
}

Checked checkUkMobile(std::string_view input) {
    std::string digits;
    for (char c : input) {
        if (std::isdigit(static_cast<unsigned char>(c)) != 0)
            digits += c;
        else if (std::isspace(static_cast<unsigned char>(c)) == 0 && c != '(' && c != ')' && c != '-' && c != '+')
            return {{}, "mobile number can only include 0-9 ( ) + -"};
    }
    if (digits.empty()) return {{}, "mobile number is missing"};
    const bool nationalFormat = digits[0] == '0' && digits.rfind("00", 0) != 0;
    std::string_view rest = digits;
    while (!rest.empty() && rest.front() == '0')
        rest.remove_prefix(1);
    const bool international = !nationalFormat && !rest.starts_with("44") && !rest.starts_with("7");
    if (rest.starts_with("44")) rest.remove_prefix(2);
    while (!rest.empty() && rest.front() == '0')
        rest.remove_prefix(1);
    if (international) return {{}, "not a UK mobile number: international numbers cannot be sent to"};
    if (rest.empty() || rest.front() != '7') return {{}, "not a UK mobile number (it looks like a landline)"};
    if (rest.size() > 10) return {{}, "mobile number is too long"};
    if (rest.size() < 10) return {{}, "mobile number is too short"};
    return {"+44" + std::string(rest), {}};
}

Checked checkDateOfBirth(std::string_view input, std::string_view today) {
    int y = 0, m = 0, d = 0;
    const std::string s(input);
    char tail = 0;
    const bool iso = s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && s[4] == '-';
    const bool compact = !iso && s.size() == 8 && digitsOnly(s) && std::sscanf(s.c_str(), "%4d%2d%2d", &y, &m, &d) == 3;
    const bool uk = !iso && !compact && s.size() == 10 && s[2] == '/' && s[5] == '/' &&
                    std::sscanf(s.c_str(), "%2d/%2d/%4d%c", &d, &m, &y, &tail) == 3;
    if (s.empty()) return {{}, "date of birth is missing"};
    if (!iso && !compact && !uk) return {{}, "date of birth must be written YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY"};
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return {{}, "date of birth is not a real date"};
    char normal[32];
    std::snprintf(normal, sizeof normal, "%04d-%02d-%02d", y, m, d);
    if (std::string_view(normal) > today) return {{}, "date of birth is in the future"};
    return {normal, {}};
}

std::string ukDate(int64_t micros) { return isoDate(localDate(micros / 1'000'000, Zone::europeLondon)); }

} // namespace clinhub::kit

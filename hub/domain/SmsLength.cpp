#include "hub/domain/SmsLength.h"

#include <Poco/TextIterator.h>
#include <Poco/UTF8Encoding.h>

#include <string>

namespace clinhub::domain {
namespace {

// The GSM 03.38 default alphabet, and the characters its extension table reaches with an escape.
const std::u32string kBasic = U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                              U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const std::u32string kExtension = U"\f^{}\\[~]|€";

int fragmentsOf(int characters, int single, int multipart) {
    if (characters <= single) return characters == 0 ? 0 : 1;
    return (characters + multipart - 1) / multipart;
}

} // namespace

SmsLength smsLength(std::string_view utf8) {
    const std::string text(utf8);
    Poco::UTF8Encoding encoding;
    int gsm = 0;
    int ucs2 = 0;
    bool unicode = false;
    for (Poco::TextIterator it(text, encoding), end(text); it != end; ++it) {
        const int c = *it;
        if (c < 0) { // not UTF-8
            unicode = true;
            ++ucs2;
            continue;
        }
        const auto ch = static_cast<char32_t>(c);
        ucs2 += ch > 0xFFFF ? 2 : 1; // outside the BMP: a surrogate pair
        if (kBasic.find(ch) != std::u32string::npos)
            gsm += 1;
        else if (kExtension.find(ch) != std::u32string::npos)
            gsm += 2;
        else
            unicode = true;
    }
    if (unicode) return {ucs2, fragmentsOf(ucs2, 70, 67), true};
    return {gsm, fragmentsOf(gsm, 160, 153), false};
}

std::string renderSample(const MessageTemplate& text, const std::string& practice, const std::string& title,
                         const std::string& publicUrl, const std::optional<std::string>& name) {
    return render(text, {{"practice", practice},
                         {"title", title},
                         {"name", name.value_or("Alex")},
                         {"url", publicUrl + "/b/" + std::string(43, 'x')},
                         {"when", "Wednesday 30 September at 10:30am"},
                         {"date", "Wednesday 30 September"},
                         {"time", "10:30am"},
                         {"where", "Main Surgery"}});
}

} // namespace clinhub::domain

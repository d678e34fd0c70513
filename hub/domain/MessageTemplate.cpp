#include "hub/domain/MessageTemplate.h"

#include <algorithm>

namespace clinhub::domain {
namespace {

// How much of an offending tag a message quotes: enough to recognise it, never the whole of a long one.
constexpr std::size_t kQuotedBytes = 40;

// Bytes of the UTF-8 character starting at text[i], or 0 when none starts there (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8Length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    if (byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return length;
}

bool isControl(unsigned char c) { return (c < 0x20 && c != '\n' && c != '\r') || c == 0x7F; }

// The tag as written, cut short and made printable: it goes back to staff in JSON and to the terminal.
std::string quoted(std::string_view tag) {
    std::string_view shown = tag.substr(0, kQuotedBytes);
    std::string out;
    for (std::size_t i = 0; i < shown.size();) {
        const std::size_t length = utf8Length(shown, i);
        if (length == 0 || isControl(static_cast<unsigned char>(shown[i]))) {
            out += '?';
            ++i;
        } else {
            out.append(shown.substr(i, length));
            i += length;
        }
    }
    return shown.size() < tag.size() ? out + "..." : out;
}

std::string listOf(std::span<const std::string_view> allowed) {
    std::string out;
    for (std::size_t i = 0; i < allowed.size(); ++i)
        out += (i == 0 ? "" : i + 1 == allowed.size() ? " and " : ", ") + ("{{" + std::string(allowed[i]) + "}}");
    return out;
}

std::string_view trimSpaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

std::string at(std::size_t character) { return " at character " + std::to_string(character + 1); }

} // namespace

std::span<const std::string_view> placeholdersOf(std::string_view templateName) {
    if (templateName == "confirmation_sms" || templateName == "cancellation_sms") return kBookingPlaceholders;
    if (templateName == "reminder_sms") return kReminderPlaceholders;
    return kInvitePlaceholders;
}

bool MessageTemplate::uses(std::string_view placeholder) const {
    return std::any_of(parts.begin(), parts.end(),
                       [&](const TemplatePart& p) { return p.placeholder && p.text == placeholder; });
}

MessageTemplate scanTemplate(std::string_view text, std::span<const std::string_view> allowed) {
    if (text.size() > kMaxTemplateBytes)
        throw TemplateError("the text is " + std::to_string(text.size()) +
                                " bytes long; a message template is at most " + std::to_string(kMaxTemplateBytes) +
                                " (an SMS carries at most 918 characters)",
                            0, 0, "");
    MessageTemplate out;
    std::string literal;
    std::size_t character = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 2, "{{") == 0) {
            // Scanning on from just after the closing braces keeps the whole pass linear.
            const std::size_t close = text.find("}}", i + 2);
            const std::string tag =
                quoted(text.substr(i, close == std::string_view::npos ? text.size() - i : close + 2 - i));
            if (close == std::string_view::npos)
                throw TemplateError("'" + tag + "'" + at(character) +
                                        " is never closed: write a placeholder as {{url}}",
                                    i, character, tag);
            const std::string_view name = trimSpaces(text.substr(i + 2, close - i - 2));
            if (!name.empty() && std::string_view("#^/>&!={").find(name.front()) != std::string_view::npos)
                throw TemplateError("'" + tag + "'" + at(character) +
                                        ": sections, partials and other mustache tags are not supported; a message "
                                        "can use only " +
                                        listOf(allowed),
                                    i, character, tag);
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                throw TemplateError("unknown placeholder '" + tag + "'" + at(character) + "; this message can use " +
                                        listOf(allowed),
                                    i, character, tag);
            if (!literal.empty()) out.parts.push_back({false, std::move(literal)});
            literal.clear();
            out.parts.push_back({true, std::string(name)});
            character += close + 2 - i; // an allowed tag is ASCII: one character a byte
            i = close + 2;
            continue;
        }
        const std::size_t length = utf8Length(text, i);
        if (length == 0) throw TemplateError("the text is not valid UTF-8" + at(character), i, character, "");
        if (isControl(static_cast<unsigned char>(text[i])))
            throw TemplateError("the text has a control character" + at(character) + " (only line breaks are allowed)",
                                i, character, "");
        literal.append(text.substr(i, length));
        i += length;
        ++character;
    }
    if (!literal.empty()) out.parts.push_back({false, std::move(literal)});
    return out;
}

std::string render(const MessageTemplate& text, const std::map<std::string, std::string, std::less<>>& values) {
    std::string out;
    for (const auto& part : text.parts) {
        if (!part.placeholder) {
            out += part.text;
        } else if (const auto value = values.find(part.text); value != values.end()) {
            out += value->second;
        }
    }
    return out;
}

} // namespace clinhub::domain

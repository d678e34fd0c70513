// libFuzzer over the message template scanner and its render. The first byte chooses the placeholders
// allowed (an invite's or a booking's); the rest is the template. TemplateError is the only way to refuse a
// text; any other exception, a sanitizer report or a broken invariant is a finding.
#include "hub/domain/MessageTemplate.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace clinhub::domain;

void require(bool holds) {
    if (!holds) __builtin_trap();
}

// Non-empty and brace-free, so a rendered text can be scanned again as a template of its own.
const std::map<std::string, std::string, std::less<>> kValues = {
    {"practice", "Riverside Surgery"},      {"title", "flu vaccination"}, {"name", "Zoë"},
    {"when", "Monday 6 October at 9:30am"}, {"where", "Room 2"},          {"url", "https://hub.example/b/0123456789"}};
constexpr std::size_t kLongestValue = 32;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto allowed = (data[0] & 1) != 0 ? std::span<const std::string_view>(kBookingPlaceholders)
                                            : std::span<const std::string_view>(kInvitePlaceholders);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    MessageTemplate parsed;
    try {
        parsed = scanTemplate(text, allowed);
    } catch (const TemplateError& e) {
        require(*e.what() != '\0');
        require(e.character <= text.size());
        require(e.placeholder.size() <= 43); // 40 bytes quoted and "..."
        return 0;
    }
    require(text.size() <= kMaxTemplateBytes);
    std::size_t placeholders = 0;
    for (const auto& part : parsed.parts) {
        require(!part.text.empty());
        if (part.placeholder) {
            ++placeholders;
            require(std::find(allowed.begin(), allowed.end(), part.text) != allowed.end());
        } else {
            require(part.text.find("{{") == std::string::npos);
        }
    }
    const std::string rendered = render(parsed, kValues);
    require(rendered.size() <= text.size() + placeholders * kLongestValue);
    // A rendered text is valid UTF-8 without control characters: it scans again as a template of plain text.
    if (rendered.size() <= kMaxTemplateBytes) {
        const MessageTemplate again = scanTemplate(rendered, allowed);
        require(again.parts.size() <= 1 && (again.parts.empty() || !again.parts[0].placeholder));
    }
    return 0;
}

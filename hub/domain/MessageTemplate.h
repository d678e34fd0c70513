// The texts staff and the YAML supply for SMS messages (a batch's message, a rule's invite_sms,
// confirmation_sms, ...): plain text with {{placeholder}}s, nothing more. Not mustache: no sections, partials
// or escaping, so one linear pass over a capped text checks it, whoever wrote it. How long a rendered text may
// be is the routed SMS connector's to say (clinhub_sms_v1.max_characters).
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::domain {

// A character is at most 4 bytes of UTF-8, so any text of up to 1,024 characters fits (the ABI's default SMS
// limit is 918: six concatenated GSM-7 fragments), and nothing longer (a 50,000-space "{{   name}}") is looked
// at past its length.
constexpr std::size_t kMaxTemplateBytes = 4096;

// What each kind of message can say. The invite goes before any booking, so it has no {{when}}/{{where}}.
inline constexpr std::string_view kInvitePlaceholders[] = {"practice", "title", "name", "url"};
inline constexpr std::string_view kBookingPlaceholders[] = {"practice", "title", "name", "when", "where", "url"};
// An appointment reminder's: the booking's, and its day and time apart ({{when}} is both).
inline constexpr std::string_view kReminderPlaceholders[] = {"practice", "title", "name",  "when",
                                                             "date",     "time",  "where", "url"};

// The placeholders a rule's template of that name (invite_sms, confirmation_sms, ...) may use; the
// invite's for a name the hub does not know.
std::span<const std::string_view> placeholdersOf(std::string_view templateName);

struct TemplatePart {
    bool placeholder = false;
    std::string text; // literal text, or the placeholder's name
};

struct MessageTemplate {
    std::vector<TemplatePart> parts;
    [[nodiscard]] bool uses(std::string_view placeholder) const;
};

// Why a text is not a template, and where: `placeholder` is the offending tag as written ("{{#name}}"), or
// empty when the problem is not a tag (too long, a control character, broken UTF-8).
class TemplateError : public std::invalid_argument {
public:
    TemplateError(const std::string& message, std::size_t offset, std::size_t character, std::string placeholder)
        : std::invalid_argument(message), offset(offset), character(character), placeholder(std::move(placeholder)) {}
    std::size_t offset;    // in bytes from the start of the text
    std::size_t character; // 0-based, in UTF-8 characters: what a message to staff counts
    std::string placeholder;
};

// One pass, no recursion. Throws TemplateError naming the first problem.
MessageTemplate scanTemplate(std::string_view text, std::span<const std::string_view> allowed);

// Each placeholder replaced by its value as is (SMS is plain text); one without a value by nothing.
std::string render(const MessageTemplate& text, const std::map<std::string, std::string, std::less<>>& values);

} // namespace clinhub::domain

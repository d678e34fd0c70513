#include "hub/domain/MessageTemplate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

using namespace clinhub::domain;
using ::testing::HasSubstr;

namespace {

const std::map<std::string, std::string, std::less<>> kValues = {
    {"practice", "Riverside Surgery"}, {"title", "flu vaccination"}, {"name", "Alex"}, {"url", "https://h/b/t"}};

TemplateError errorOf(std::string_view text, std::span<const std::string_view> allowed = kInvitePlaceholders) {
    try {
        scanTemplate(text, allowed);
    } catch (const TemplateError& e) {
        return e;
    }
    ADD_FAILURE() << "accepted: " << text.substr(0, 80);
    return TemplateError("", 0, 0, "");
}

} // namespace

TEST(MessageTemplate, RendersPlaceholdersAsPlainText) {
    const auto text =
        scanTemplate("{{practice}}: {{name}}, book your {{title}} at {{url}} & <now>", kInvitePlaceholders);
    EXPECT_EQ(render(text, kValues), "Riverside Surgery: Alex, book your flu vaccination at https://h/b/t & <now>");
    EXPECT_TRUE(text.uses("url"));
    EXPECT_FALSE(text.uses("when"));
}

TEST(MessageTemplate, AcceptsSpacesInsideTheBracesAndLoneBraces) {
    const auto text = scanTemplate("{ {{ url }} }} {x}", kInvitePlaceholders);
    EXPECT_EQ(render(text, kValues), "{ https://h/b/t }} {x}");
}

TEST(MessageTemplate, PlaceholderWithoutAValueRendersAsNothing) {
    EXPECT_EQ(render(scanTemplate("at {{where}}.", kBookingPlaceholders), kValues), "at .");
}

TEST(MessageTemplate, UnknownPlaceholderIsNamedWithItsPosition) {
    const auto e = errorOf("Book: {{url}} {{ nhs_number }}");
    EXPECT_EQ(e.placeholder, "{{ nhs_number }}");
    EXPECT_EQ(e.character, 14u);
    EXPECT_STREQ(e.what(), "unknown placeholder '{{ nhs_number }}' at character 15; this message can use "
                           "{{practice}}, {{title}}, {{name}} and {{url}}");
}

TEST(MessageTemplate, InviteCannotUseTheBookingsPlaceholders) {
    EXPECT_EQ(errorOf("{{when}} {{url}}").placeholder, "{{when}}");
    EXPECT_NO_THROW(scanTemplate("{{when}} {{url}}", placeholdersOf("confirmation_sms")));
}

TEST(MessageTemplate, AnAppointmentReminderSaysWhenAndWhereAndMayTakeTheDayAndTimeApart) {
    EXPECT_NO_THROW(scanTemplate("{{when}} {{date}} {{time}} {{where}} {{url}}", placeholdersOf("reminder_sms")));
    EXPECT_EQ(errorOf("{{date}}", placeholdersOf("confirmation_sms")).placeholder, "{{date}}")
        << "a reminder's own placeholders are its own";
}

TEST(MessageTemplate, SectionsPartialsAndTripleBracesAreRefused) {
    for (const std::string tag :
         {"{{#name}}", "{{^name}}", "{{/name}}", "{{>name}}", "{{&name}}", "{{!x}}", "{{{url}}"})
        EXPECT_THAT(errorOf("x " + tag + "}").what(), HasSubstr("'" + tag + "' at character 3: sections")) << tag;
}

TEST(MessageTemplate, UnclosedTagIsQuotedShort) {
    const auto e = errorOf("é {{url}} {{name and then a great deal more text than anyone would quote");
    EXPECT_EQ(e.character, 10u);
    EXPECT_EQ(e.offset, 11u); // é is two bytes
    EXPECT_EQ(e.placeholder, "{{name and then a great deal more text t...");
    EXPECT_THAT(e.what(), HasSubstr("is never closed"));
}

TEST(MessageTemplate, LongTextIsRefusedBeforeAnyScanning) {
    EXPECT_NO_THROW(scanTemplate(std::string(kMaxTemplateBytes - 7, 'a') + "{{url}}", kInvitePlaceholders));
    const std::string spaces = "{{" + std::string(50'000, ' ') + "name}} {{url}}";
    const auto started = std::chrono::steady_clock::now();
    const auto e = errorOf(spaces);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    EXPECT_STREQ(e.what(), "the text is 50016 bytes long; a message template is at most 4096 (an SMS carries at most "
                           "918 characters)");
    EXPECT_EQ(e.placeholder, "");
}

TEST(MessageTemplate, ControlCharactersAndBrokenUtf8AreRefused) {
    EXPECT_STREQ(errorOf(std::string("ab\0c", 4)).what(),
                 "the text has a control character at character 3 (only line breaks are allowed)");
    EXPECT_STREQ(errorOf("é\xC3(").what(), "the text is not valid UTF-8 at character 2");
    EXPECT_STREQ(errorOf("\xED\xA0\x80").what(), "the text is not valid UTF-8 at character 1"); // a surrogate
    EXPECT_STREQ(errorOf("\xC0\xAF").what(), "the text is not valid UTF-8 at character 1");     // overlong '/'
    EXPECT_NO_THROW(scanTemplate("line one\r\nline two: £5 €, 🙂 {{url}}", kInvitePlaceholders));
}

TEST(MessageTemplate, AnUnprintableTagIsQuotedPrintably) { EXPECT_EQ(errorOf("{{\x01\xFF}}").placeholder, "{{??}}"); }

TEST(MessageTemplate, DeeplyNestedSectionsStopAtTheFirstTag) {
    std::string nested;
    for (int i = 0; i < 300; ++i)
        nested += "{{#name}}";
    EXPECT_EQ(errorOf(nested).character, 0u);
}

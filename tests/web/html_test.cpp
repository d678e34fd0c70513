// Escaping, practice text as HTML, and secrets compared whole.
#include "hub/web/Html.h"
#include "hub/web/Pages.h"

#include <gtest/gtest.h>

namespace clinhub::web {
namespace {

TEST(Html, EscapesEverythingThatCouldOpenATagOrAnAttribute) {
    EXPECT_EQ(escapeHtml(R"(<a href="x" title='y'>&</a>)"),
              "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(Html, PracticeTextBecomesParagraphsWithLineBreaksAndLinks) {
    EXPECT_EQ(textToHtml(""), "");
    EXPECT_EQ(textToHtml("One.\nStill one.\n\n\n  Two <b>bold</b>?  \n"),
              "<p>One.<br>\nStill one.</p>\n<p>Two &lt;b&gt;bold&lt;/b&gt;?</p>\n");
    EXPECT_EQ(textToHtml("See https://example.org/a?b=1&c=2, or http://x.test."),
              "<p>See <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>, or "
              "<a href=\"http://x.test\">http://x.test</a>.</p>\n");
    // Only http(s), never javascript: or a quote breaking out of the attribute.
    EXPECT_EQ(textToHtml("javascript:alert(1) https://a.test/\"onmouseover=x"),
              "<p>javascript:alert(1) <a href=\"https://a.test/\">https://a.test/</a>&quot;onmouseover=x</p>\n");
    EXPECT_EQ(textToHtml("xhttps://a.test"), "<p>xhttps://a.test</p>\n");
    EXPECT_EQ(textToHtml("https:// alone"), "<p>https:// alone</p>\n");
}

TEST(Pages, EveryEmbeddedTemplateParses) {
    for (const char* name : {"layout", "error-summary", "message", "welcome", "verify", "days", "times", "no-slots",
                             "appointment-details", "review", "confirmation", "appointment", "decline"})
        EXPECT_TRUE(embeddedTemplates().contains(name)) << name;
    for (const auto& [name, text] : embeddedTemplates()) {
        kainjow::mustache::mustache parsed{std::string(text)};
        EXPECT_TRUE(parsed.is_valid()) << name << ": " << parsed.error_message();
    }
    EXPECT_THROW(renderFragment("no-such-template", {}), std::logic_error);
}

TEST(Pages, ValuesAreEscapedAndTheLayoutIsAccessible) {
    Data data;
    data.set("heading", std::string("<script>alert(1)</script>"));
    data.set("paragraphs", Data{Data::type::list});
    const std::string page = renderPage({"<T>", "Dr & Partners", "", "", true}, "message", data);
    EXPECT_NE(page.find("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), std::string::npos) << page;
    EXPECT_NE(page.find("<title>Error: &lt;T&gt; – Dr &amp; Partners</title>"), std::string::npos) << page;
    EXPECT_NE(page.find("<html lang=\"en\">"), std::string::npos);
    EXPECT_NE(page.find("<main class=\"nhsuk-main-wrapper\" id=\"maincontent\">"), std::string::npos);
    EXPECT_EQ(page.find("stylesheet"), std::string::npos) << "no stylesheet named, none linked";
    EXPECT_EQ(page.find("nhsuk-back-link"), std::string::npos);
    EXPECT_NE(errorSummary("dob-day", "Enter <x>").find("<a href=\"#dob-day\">Enter &lt;x&gt;</a>"), std::string::npos);
}

} // namespace
} // namespace clinhub::web

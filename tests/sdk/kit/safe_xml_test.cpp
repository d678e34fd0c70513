// Parsing a remote system's XML reply: a malformed one is a permanent result that quotes where, scrubbed.
#include <clinhub/kit/SafeXml.hpp>

#include <gtest/gtest.h>

namespace {

using clinhub::kit::parseXml;

// Found by tests/fuzz/emis-xml: bytes pugixml reads as another encoding put its error offset past the
// end of the text, and quoting there threw std::out_of_range out of the connector.
TEST(SafeXml, AnErrorOffsetPastTheEndOfTheTextIsQuotedNotThrown) {
    std::string text("<\0&\xfa\0<&<", 8);
    text += std::string(92, '\xff');
    pugi::xml_document doc;
    clinhub::Result r;
    ASSERT_NO_THROW(r = parseXml(text, doc, "EMIS reply"));
    EXPECT_EQ(r.status, clinhub::Status::permanent);
    EXPECT_TRUE(r.message.starts_with("EMIS reply is not well-formed XML")) << r.message;
}

TEST(SafeXml, TheQuotedExcerptHidesANumberCutByItsEdge) {
    pugi::xml_document doc;
    const auto r = parseXml("<R><N>999 526 0182</N><Oops></R>", doc, "SystmOne reply");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.message.find("0182"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("### ### ####"), std::string::npos) << r.message;
}

TEST(SafeXml, RefusesADoctype) {
    pugi::xml_document doc;
    const auto r = parseXml(R"(<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>)", doc, "reply");
    EXPECT_EQ(r.message, "reply has a DOCTYPE, which is refused, at offset 0");
}

} // namespace

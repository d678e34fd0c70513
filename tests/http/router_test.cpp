#include "hub/http/Router.h"

#include <gtest/gtest.h>

using clinhub::http::Error;
using clinhub::http::Pairs;
using clinhub::http::Request;
using clinhub::http::Response;
using clinhub::http::Router;

namespace {

void noop(Request&, Response&) {}

} // namespace

TEST(HttpRouter, NamedParamsAreCapturedAndPercentDecoded) {
    Router r;
    r.get("/api/v1/organisations/{ods}/links/{id}", noop);
    const auto m = r.match("GET", "/api/v1/organisations/A81001/links/ab%20c%2Fd");
    ASSERT_EQ(m.status, 200);
    EXPECT_EQ(m.pattern, "/api/v1/organisations/{ods}/links/{id}");
    EXPECT_EQ(m.params, (Pairs{{"ods", "A81001"}, {"id", "ab c/d"}}));
}

TEST(HttpRouter, LiteralSegmentBeatsPlaceholderWhateverTheOrderAdded) {
    Router r;
    r.get("/links/{id}", noop).get("/links/new", noop).get("/{a}/{b}", noop);
    EXPECT_EQ(r.match("GET", "/links/new").pattern, "/links/new");
    EXPECT_EQ(r.match("GET", "/links/123").pattern, "/links/{id}");
    EXPECT_EQ(r.match("GET", "/other/123").pattern, "/{a}/{b}");
}

TEST(HttpRouter, UnknownPathIs404) {
    Router r;
    r.get("/healthz", noop).get("/links/{id}", noop);
    EXPECT_EQ(r.match("GET", "/nope").status, 404);
    EXPECT_EQ(r.match("GET", "/healthz/").status, 404) << "no trailing-slash guessing";
    EXPECT_EQ(r.match("GET", "/links/").status, 404) << "a placeholder needs a non-empty segment";
    EXPECT_EQ(r.match("GET", "/links/1/2").status, 404);
}

TEST(HttpRouter, KnownPathWithOtherMethodIs405ListingAllowedMethods) {
    Router r;
    r.post("/links/{id}", noop).add("DELETE", "/links/{id}", noop).get("/links/{id}", noop);
    const auto m = r.match("PUT", "/links/7");
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_EQ(m.allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD", "POST"}));
}

TEST(HttpRouter, HeadIsServedByTheGetRoute) {
    Router r;
    r.get("/page", noop);
    const auto m = r.match("HEAD", "/page");
    EXPECT_EQ(m.status, 200);
    EXPECT_NE(m.handler, nullptr);
}

TEST(HttpRouter, MalformedPercentEncodingInPathIsABadRequest) {
    Router r;
    r.get("/links/{id}", noop);
    try {
        r.match("GET", "/links/%zz");
        FAIL() << "expected Error";
    } catch (const Error& e) {
        EXPECT_EQ(e.status(), 400);
    }
}

TEST(HttpRouter, RejectsMalformedPatternsAndClashingRoutes) {
    Router r;
    EXPECT_THROW(r.get("no-slash", noop), std::invalid_argument);
    EXPECT_THROW(r.get("/a/{}", noop), std::invalid_argument);
    EXPECT_THROW(r.get("/a/x{id}", noop), std::invalid_argument);
    EXPECT_THROW(r.get("/a/{id}/{id}", noop), std::invalid_argument);
    r.get("/links/{id}", noop);
    EXPECT_THROW(r.get("/links/{other}", noop), std::invalid_argument) << "same shape, same method";
    EXPECT_NO_THROW(r.post("/links/{other}", noop));
}

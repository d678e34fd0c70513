// NHS.UK frontend's files at /assets/...: served from memory by exact name, cached long, and no path a
// request sends reaches the file system.
#include "tests/web/PagesFixture.h"

namespace clinhub::test {
namespace {

using Assets = PagesFixture;

TEST_F(Assets, TheStylesheetAndImagesAreServedWithLongCaching) {
    Browser b = browser();
    const Reply css = b.get("/assets/nhsuk-frontend.min.css");
    ASSERT_EQ(css.status, 200);
    EXPECT_EQ(css.body, "body{color:#212b32}") << "without the font another origin would serve";
    EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(css.header("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(css.header("X-Content-Type-Options"), "nosniff");

    const Reply svg = b.get("/assets/images/favicon.svg");
    ASSERT_EQ(svg.status, 200);
    EXPECT_EQ(svg.header("Content-Type"), "image/svg+xml");
    EXPECT_TRUE(svg.header("Cache-Control").starts_with("public, max-age="));
}

TEST_F(Assets, PathTraversalFindsNothing) {
    Browser b = browser();
    for (const std::string path :
         {"/assets/images/..%2F..%2Fsecret.txt", "/assets/images/%2e%2e%2fsecret.txt", "/assets/images/..%2fsecret.txt",
          "/assets/images/..", "/assets/images/%2E%2E", "/assets/../secret.txt", "/assets/images/../../secret.txt",
          "/assets/secret.txt", "/assets/images/..%5Csecret.txt", "/assets/images/%2Fetc%2Fpasswd",
          "/assets/images/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/assets/nhsuk-frontend.min.css%00.png",
          "/assets/images/favicon.svg%00", "/assets/images/.%2Ffavicon.svg"}) {
        const Reply reply = b.get(path);
        EXPECT_NE(reply.status, 200) << path;
        EXPECT_FALSE(reply.says("not for you")) << path;
        EXPECT_FALSE(reply.says("root:")) << path;
    }
}

class MissingAssets : public PagesFixture {
protected:
    void SetUp() override { start(dir.file("no-such-folder")); }
};

TEST_F(MissingAssets, PagesStillWorkUnstyled) {
    Browser b = browser();
    const Reply welcome = b.get(at(newLink()));
    EXPECT_EQ(welcome.status, 200);
    EXPECT_TRUE(welcome.says("<h1>Flu vaccination</h1>"));
    EXPECT_FALSE(welcome.says("rel=\"stylesheet\""));
    EXPECT_EQ(b.get("/assets/nhsuk-frontend.min.css").status, 404);
}

} // namespace
} // namespace clinhub::test

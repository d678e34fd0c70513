#include "hub/web/Assets.h"

#include "hub/log/Log.h"

#include <Poco/SHA1Engine.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace clinhub::web {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStylesheet = "nhsuk-frontend.min.css";
constexpr const char* kConsoleScript = "console.js";

} // namespace

std::string defaultAssetDir() {
    // An installed hub's copy first, where the package puts it beside the binary (<prefix>/bin/clinhub and
    // <prefix>/share/clinhub/nhsuk-frontend), as its plugins are found; a build tree has none, and a source
    // tree's copy is the one npm installed.
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "clinhub" / "nhsuk-frontend";
        if (fs::exists(installed / kStylesheet, ec)) return installed.string();
    }
#ifdef CLINHUB_ASSET_DIR
    return CLINHUB_ASSET_DIR;
#else
    return {};
#endif
}

namespace {

std::string contentTypeOf(const fs::path& file) {
    const auto extension = file.extension().string();
    if (extension == ".css") return "text/css; charset=utf-8";
    if (extension == ".svg") return "image/svg+xml";
    if (extension == ".png") return "image/png";
    if (extension == ".ico") return "image/x-icon";
    return {};
}

bool readFile(const fs::path& file, std::string& body) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    std::ostringstream text;
    text << in.rdbuf();
    body = text.str();
    return true;
}

std::string shortHash(const std::string& body) {
    Poco::SHA1Engine sha;
    sha.update(body);
    return Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 12);
}

// NHS.UK frontend's stylesheet loads the Frutiger font from assets.nhs.uk. The pages load nothing from
// another origin (a patient's page tells no third party it was opened, and the policy says font-src 'self'),
// so those rules are dropped here rather than refused by the browser on every page: the text is set in
// Arial, NHS.UK frontend's own fallback. Our installed file, read once: not input from outside.
void dropRemoteFonts(std::string& css) {
    constexpr std::string_view kRule = "@font-face{";
    std::string::size_type at = 0;
    while ((at = css.find(kRule, at)) != std::string::npos) {
        const auto end = css.find('}', at);
        if (end == std::string::npos) return;
        const std::string_view rule(css.data() + at, end + 1 - at);
        if (rule.find("url(http") != std::string_view::npos || rule.find("url(//") != std::string_view::npos)
            css.erase(at, end + 1 - at);
        else
            at = end;
    }
}

} // namespace

Assets::Assets(const std::string& dir) {
    const auto script = embeddedScripts().find("console");
    if (script != embeddedScripts().end()) {
        File file{std::string(script->second), "text/javascript; charset=utf-8"};
        consoleScriptUrl_ = std::string("/assets/") + kConsoleScript + "?v=" + shortHash(file.body);
        files_.emplace(std::string("/assets/") + kConsoleScript, std::move(file));
    }
    std::error_code ec;
    const fs::path root(dir);
    File stylesheet{{}, contentTypeOf(kStylesheet)};
    if (dir.empty() || !readFile(root / kStylesheet, stylesheet.body)) {
        log::warning("patient_pages_unstyled", {{"asset_dir", dir}, {"missing", kStylesheet}});
        return;
    }
    dropRemoteFonts(stylesheet.body);
    stylesheetUrl_ = std::string("/assets/") + kStylesheet + "?v=" + shortHash(stylesheet.body);
    files_.emplace(std::string("/assets/") + kStylesheet, std::move(stylesheet));

    // The images the stylesheet and the layout refer to by /assets/images/NAME.
    for (const auto& entry : fs::directory_iterator(root / "assets" / "images", ec)) {
        const auto type = contentTypeOf(entry.path());
        File file{{}, type};
        if (type.empty() || !entry.is_regular_file(ec) || !readFile(entry.path(), file.body)) continue;
        files_.emplace("/assets/images/" + entry.path().filename().string(), std::move(file));
    }
}

const Assets::File* Assets::find(const std::string& urlPath) const {
    const auto found = files_.find(urlPath);
    return found == files_.end() ? nullptr : &found->second;
}

void addAssetRoutes(http::Router& router, std::shared_ptr<const Assets> assets) {
    auto serve = [assets = std::move(assets)](const std::string& urlPath, http::Response& response) {
        const Assets::File* file = assets->find(urlPath);
        if (!file) {
            response.text("Not found\n", 404);
            return;
        }
        // The stylesheet's and the script's URLs carry their hash; the images change only with an
        // nhsuk-frontend upgrade, which a day's caching survives.
        const bool versioned = urlPath.ends_with(".css") || urlPath.ends_with(".js");
        response.header("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "public, max-age=86400");
        response.text(file->body, 200, file->contentType);
    };
    router.get(std::string("/assets/") + kStylesheet,
               [serve](http::Request& request, http::Response& response) { serve(request.route(), response); });
    router.get(std::string("/assets/") + kConsoleScript,
               [serve](http::Request& request, http::Response& response) { serve(request.route(), response); });
    router.get("/assets/images/{name}", [serve](http::Request& request, http::Response& response) {
        // Looked up by exact name among the files read at start-up: "..", "/" or "%2f" find nothing.
        serve("/assets/images/" + request.param("name"), response);
    });
}

} // namespace clinhub::web

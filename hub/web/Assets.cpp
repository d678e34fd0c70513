#include "hub/web/Assets.h"

#include "hub/log/Log.h"

#include <Poco/SHA1Engine.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace clinhub::web {

namespace fs = std::filesystem;

std::string defaultAssetDir() {
#ifdef CLINHUB_ASSET_DIR
    return CLINHUB_ASSET_DIR;
#else
    return {};
#endif
}

namespace {

constexpr const char* kStylesheet = "nhsuk-frontend.min.css";

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

} // namespace

Assets::Assets(const std::string& dir) {
    std::error_code ec;
    const fs::path root(dir);
    File stylesheet{{}, contentTypeOf(kStylesheet)};
    if (dir.empty() || !readFile(root / kStylesheet, stylesheet.body)) {
        log::warning("patient_pages_unstyled", {{"asset_dir", dir}, {"missing", kStylesheet}});
        return;
    }
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
        // The stylesheet's URL carries its hash; the images change only with an nhsuk-frontend upgrade,
        // which a day's caching survives.
        const bool versioned = urlPath.ends_with(".css");
        response.header("Cache-Control", versioned ? "public, max-age=31536000, immutable" : "public, max-age=86400");
        response.text(file->body, 200, file->contentType);
    };
    router.get(std::string("/assets/") + kStylesheet,
               [serve](http::Request& request, http::Response& response) { serve(request.route(), response); });
    router.get("/assets/images/{name}", [serve](http::Request& request, http::Response& response) {
        // Looked up by exact name among the files read at start-up: "..", "/" or "%2f" find nothing.
        serve("/assets/images/" + request.param("name"), response);
    });
}

} // namespace clinhub::web

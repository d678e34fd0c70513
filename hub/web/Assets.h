// NHS.UK frontend's compiled CSS and images, served at /assets/... from a folder of the installed npm
// package (node_modules/nhsuk-frontend/dist/nhsuk); and the console's script, compiled into the binary.
//
// The files are read once, when the routes are added, and served from memory by exact name: a request
// can only ever name one of them, so no path it sends reaches the file system.
#pragma once

#include "hub/http/Router.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace clinhub::web {

// The installed copy beside the binary (share/clinhub/nhsuk-frontend), else the source tree's, for a hub run
// from its build tree.
std::string defaultAssetDir();

class Assets {
public:
    // Loads what the pages use from `dir`. A missing folder is not fatal: the pages work unstyled, and a
    // warning is logged (once per Assets).
    explicit Assets(const std::string& dir);

    // The stylesheet's URL, with a version so it can be cached for good; empty when there is none.
    [[nodiscard]] const std::string& stylesheetUrl() const { return stylesheetUrl_; }
    // The console's script, versioned the same way.
    [[nodiscard]] const std::string& consoleScriptUrl() const { return consoleScriptUrl_; }

    struct File {
        std::string body;
        std::string contentType;
    };
    // By URL path, e.g. "/assets/images/favicon.ico"; nullptr when not served.
    [[nodiscard]] const File* find(const std::string& urlPath) const;

private:
    std::map<std::string, File> files_;
    std::string stylesheetUrl_;
    std::string consoleScriptUrl_;
};

// The scripts compiled into the binary (hub/console/assets/*.js), by file name without the extension.
const std::map<std::string_view, std::string_view>& embeddedScripts();

// GET /assets/nhsuk-frontend.min.css, /assets/images/{name} and /assets/console.js, from files read once
// and shared by the patient and staff pages.
void addAssetRoutes(http::Router& router, std::shared_ptr<const Assets> assets);

} // namespace clinhub::web

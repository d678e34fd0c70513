// libFuzzer over the hub's whole config load from YAML text: syntax, ${VAR}s, the schema, every connector's
// section against the plugin catalog of tests/config (stand-ins for the shipped plugins), routes. The
// loader reports problems, never throws; it returns a Config exactly when it found none, and each problem
// has a message, and a position inside the text when it is about the text.
#include "hub/config/Loader.h"
#include "tests/config/FakeCatalog.h"
#include "tests/fuzz/FuzzCheck.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

using namespace clinhub::config;
using clinhub::fuzz::require;

const std::string kFile = "/srv/clinhub/hub.yaml";

std::optional<std::string> environment(const std::string& name) {
    if (name == "NOTIFY_API_KEY") return "fuzz-key";
    if (name == "EMPTY") return "";
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const testing::FakeCatalog catalog = testing::standardCatalog();
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    const LoadResult result = loadConfigText(text, kFile, catalog, environment);
    require(result.config.has_value() == result.problems.empty());
    for (const auto& d : result.problems) {
        require(!d.message.empty());
        if (d.mark.file == kFile) require(d.mark.line >= 0 && d.mark.line <= lines + 1);
    }
    return 0;
}

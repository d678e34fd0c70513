// Shared helpers for the loader tests: load YAML text as /srv/clinhub/hub.yaml and read back problems.
#pragma once

#include "hub/config/Loader.h"
#include "tests/config/FakeCatalog.h"

#include <map>
#include <string>
#include <vector>

namespace clinhub::config::testing {

inline const std::string kFile = "/srv/clinhub/hub.yaml";

inline Environment fakeEnvironment(std::map<std::string, std::string> values = {}) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

inline LoadResult load(const std::string& yaml, const Environment& env = fakeEnvironment()) {
    static const FakeCatalog catalog = standardCatalog();
    return loadConfigText(yaml, kFile, catalog, env);
}

// Each problem as "LINE:COL: message", the file name being the same in all of them.
inline std::vector<std::string> problems(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& d : result.problems) {
        std::string s = d.str();
        out.push_back(s.rfind(kFile + ":", 0) == 0 ? s.substr(kFile.size() + 1) : s);
    }
    return out;
}

inline std::vector<std::string> problems(const std::string& yaml, const Environment& env = fakeEnvironment()) {
    return problems(load(yaml, env));
}

} // namespace clinhub::config::testing

#include "hub/cli/Options.h"

#include <algorithm>

namespace clinhub::cli {
namespace {

bool among(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

std::optional<std::string> Options::value(const std::string& name) const {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional(it->second);
}

std::optional<Options> parseOptions(const std::vector<std::string>& args, const Syntax& syntax, std::string& problem) {
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        // A lone "-" is a plain argument (standard input, by convention); "--" would be an empty option name.
        if (!arg.starts_with("-") || arg == "-") {
            options.arguments.push_back(arg);
            continue;
        }
        const auto equals = arg.find('=');
        const std::string name = arg.substr(0, equals);
        if (among(syntax.flags, name)) {
            if (equals != std::string::npos) {
                problem = name + " takes no value";
                return std::nullopt;
            }
            options.flags.insert(name);
            continue;
        }
        if (!among(syntax.required, name) && !among(syntax.optional, name)) {
            problem = "unknown option " + name;
            return std::nullopt;
        }
        std::string value;
        if (equals != std::string::npos) {
            value = arg.substr(equals + 1);
        } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
            value = args[++i];
        } else {
            problem = name + " needs a value";
            return std::nullopt;
        }
        if (value.empty()) {
            problem = name + " needs a value";
            return std::nullopt;
        }
        if (!options.values.emplace(name, value).second) {
            problem = name + " is given twice";
            return std::nullopt;
        }
    }
    for (const auto& name : syntax.required)
        if (!options.values.contains(name)) {
            problem = name + " is required";
            return std::nullopt;
        }
    if (options.arguments.size() > syntax.maxArguments) {
        problem = "unexpected argument '" + options.arguments[syntax.maxArguments] + "'";
        return std::nullopt;
    }
    if (options.arguments.size() < syntax.minArguments) {
        problem = syntax.minArguments == 1 ? "an argument is missing" : "arguments are missing";
        return std::nullopt;
    }
    return options;
}

} // namespace clinhub::cli

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace clinhub::kit {

Poco::JSON::Object::Ptr parseConfigObject(const std::string& json, std::vector<ConfigError>& errors) {
    Poco::JSON::Object::Ptr root;
    try {
        root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        errors.push_back({"", "not a JSON object: " + e.displayText()});
        return nullptr;
    }
    if (root.isNull()) errors.push_back({"", "must be an object"});
    return root;
}

std::string text(const Poco::JSON::Object::Ptr& o, const std::string& key, const std::string& fallback) {
    if (o.isNull() || !o->has(key) || o->isNull(key)) return fallback;
    return o->get(key).convert<std::string>();
}

int integer(const Poco::JSON::Object::Ptr& o, const std::string& key, int fallback, int min, int max,
            std::vector<ConfigError>& errors) {
    if (o.isNull() || !o->has(key)) return fallback;
    int value = fallback;
    try {
        value = o->getValue<int>(key);
    } catch (const Poco::Exception&) {
        errors.push_back({"/" + key, "must be an integer"});
        return fallback;
    }
    if (value < min || value > max)
        errors.push_back({"/" + key, "must be between " + std::to_string(min) + " and " + std::to_string(max)});
    return value;
}

bool httpUrl(const std::string& url) {
    for (const char* scheme : {"http://", "https://"})
        if (url.rfind(scheme, 0) == 0 && url.size() > std::string(scheme).size()) return true;
    return false;
}

} // namespace clinhub::kit

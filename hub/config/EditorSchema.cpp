#include "hub/config/EditorSchema.h"

#include "hub/config/Loader.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <stdexcept>
#include <vector>

namespace clinhub::config {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true)); // keeps the schema's own key order
    return parser.parse(text).extract<Object::Ptr>();
}

Object::Ptr object() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

// Every `pattern` in `schema` also takes a value with a ${...} in it: the hub substitutes those before it
// checks, but an editor sees `base_url: ${EMIS_PARTNER_URL}` as written. Walked with a stack of our own, as
// deep as the plugin's schema nests.
void allowSubstitutions(const Object::Ptr& schema) {
    std::vector<Poco::Dynamic::Var> pending{schema};
    while (!pending.empty()) {
        const Poco::Dynamic::Var value = pending.back();
        pending.pop_back();
        if (value.type() == typeid(Object::Ptr)) {
            auto o = value.extract<Object::Ptr>();
            if (o->has("pattern") && o->get("pattern").isString())
                o->set("pattern", "(?:" + o->getValue<std::string>("pattern") + ")|\\$\\{");
            for (const auto& name : o->getNames())
                pending.push_back(o->get(name));
        } else if (value.type() == typeid(Array::Ptr)) {
            auto a = value.extract<Array::Ptr>();
            for (std::size_t i = 0; i < a->size(); ++i)
                pending.push_back(a->get(i));
        }
    }
}

} // namespace

std::string editorSchema(const PluginCatalog& plugins) {
    Object::Ptr root = parseObject(hubSchema());
    Object::Ptr connector = root->getObject("$defs")->getObject("connector");
    const auto names = plugins.names();

    Object::Ptr plugin = object();
    Array::Ptr known = new Array;
    for (const auto& name : names)
        known->add(name);
    plugin->set("description",
                connector->getObject("properties")->getObject("plugin")->getValue<std::string>("description"));
    plugin->set("enum", known);
    connector->getObject("properties")->set("plugin", plugin);

    Array::Ptr cases = new Array;
    for (const auto& name : names) {
        const PluginInfo* info = plugins.find(name);
        Object::Ptr section;
        try {
            section = parseObject(info->configSchema);
            allowSubstitutions(section);
        } catch (const std::exception& e) {
            throw std::invalid_argument("plugin '" + name + "' publishes a config schema that is not a JSON object");
        }
        Object::Ptr is = object();
        Object::Ptr named = object();
        named->set("const", name);
        Object::Ptr pluginIs = object();
        pluginIs->set("plugin", named);
        is->set("properties", pluginIs);
        Array::Ptr required = new Array;
        required->add("plugin");
        is->set("required", required);
        Object::Ptr then = object();
        Object::Ptr configIs = object();
        configIs->set("config", section);
        then->set("properties", configIs);
        Object::Ptr when = object();
        when->set("if", is);
        when->set("then", then);
        cases->add(when);
    }
    connector->set("allOf", cases);

    std::ostringstream out;
    root->stringify(out, 2);
    out << '\n';
    return out.str();
}

} // namespace clinhub::config

#include "Fixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace notifysim {

Fixture Fixture::load(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read fixture " + file);
    std::stringstream text;
    text << in.rdbuf();
    const auto root = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    Fixture f;
    const auto services = root->getArray("services");
    const auto templates = root->getArray("templates");
    if (!services || !templates) throw std::runtime_error(file + ": needs \"services\" and \"templates\"");
    for (unsigned i = 0; i < services->size(); ++i) {
        const auto s = services->getObject(i);
        Service service{s->getValue<std::string>("id"), s->optValue<std::string>("name", ""), {}};
        const auto secrets = s->getArray("secrets");
        for (unsigned k = 0; secrets && k < secrets->size(); ++k)
            service.secrets.push_back(secrets->getElement<std::string>(k));
        f.services[service.id] = service;
    }
    for (unsigned i = 0; i < templates->size(); ++i) {
        const auto t = templates->getObject(i);
        Template tpl{t->getValue<std::string>("id"),          t->getValue<std::string>("type"),
                     t->optValue<std::string>("name", ""),    t->optValue<int>("version", 1),
                     t->optValue<std::string>("subject", ""), t->getValue<std::string>("body")};
        f.templates[tpl.id] = tpl;
    }
    return f;
}

std::vector<std::string> placeholders(const std::string& text) {
    std::vector<std::string> out;
    for (auto open = text.find("(("); open != std::string::npos; open = text.find("((", open + 2)) {
        const auto close = text.find("))", open + 2);
        if (close == std::string::npos) break;
        const std::string name = text.substr(open + 2, close - open - 2);
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
}

std::string render(const std::string& text, const std::map<std::string, std::string>& values) {
    std::string out;
    std::size_t at = 0;
    for (auto open = text.find("((", at); open != std::string::npos; open = text.find("((", at)) {
        const auto close = text.find("))", open + 2);
        if (close == std::string::npos) break;
        out += text.substr(at, open - at);
        const auto it = values.find(text.substr(open + 2, close - open - 2));
        out += it == values.end() ? text.substr(open, close + 2 - open) : it->second;
        at = close + 2;
    }
    return out + text.substr(at);
}

} // namespace notifysim

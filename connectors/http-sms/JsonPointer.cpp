#include "JsonPointer.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace httpsms {

namespace {

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> tokens;
    if (text.empty()) return tokens;
    if (text.front() != '/')
        throw std::invalid_argument("must be a JSON Pointer starting with '/', e.g. /messages/0/id");
    size_t start = 1;
    while (true) {
        const size_t slash = text.find('/', start);
        const std::string raw = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        std::string token;
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '~') {
                token += raw[i];
                continue;
            }
            if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1'))
                throw std::invalid_argument("'~' must be followed by 0 or 1 in a JSON Pointer");
            token += raw[++i] == '0' ? '~' : '/';
        }
        tokens.push_back(token);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return tokens;
}

bool arrayIndex(const std::string& token, size_t& index) {
    if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return false;
    if (!std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return false;
    index = std::stoul(token);
    return true;
}

} // namespace

JsonPointer::JsonPointer(const std::string& text) : text_(text), tokens_(split(text)) {}

std::optional<std::string> JsonPointer::scalar(const Poco::Dynamic::Var& document) const {
    Poco::Dynamic::Var at = document;
    for (const auto& token : tokens_) {
        if (at.type() == typeid(Poco::JSON::Object::Ptr)) {
            const auto object = at.extract<Poco::JSON::Object::Ptr>();
            if (object.isNull() || !object->has(token)) return std::nullopt;
            at = object->get(token);
        } else if (at.type() == typeid(Poco::JSON::Array::Ptr)) {
            const auto array = at.extract<Poco::JSON::Array::Ptr>();
            size_t index = 0;
            if (array.isNull() || !arrayIndex(token, index) || index >= array->size()) return std::nullopt;
            at = array->get(static_cast<unsigned>(index));
        } else {
            return std::nullopt;
        }
    }
    if (at.isEmpty() || at.type() == typeid(Poco::JSON::Object::Ptr) || at.type() == typeid(Poco::JSON::Array::Ptr))
        return std::nullopt;
    try {
        return at.convert<std::string>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

std::string pointerProblem(const std::string& text) {
    try {
        split(text);
        return {};
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

Poco::Dynamic::Var parseJson(const std::string& body) {
    try {
        return Poco::JSON::Parser().parse(body);
    } catch (const Poco::Exception&) {
        return {};
    }
}

} // namespace httpsms

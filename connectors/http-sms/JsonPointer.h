// RFC 6901 JSON Pointers into a parsed response: how the configuration says where a provider puts its
// message id, its error text and its delivery status.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>
#include <vector>

namespace httpsms {

class JsonPointer {
public:
    // Throws std::invalid_argument saying what is wrong ("must start with /", a bad ~ escape).
    explicit JsonPointer(const std::string& text);
    JsonPointer() = default;

    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] bool empty() const { return text_.empty() && tokens_.empty(); }

    // The scalar at the pointer as text (numbers and booleans as JSON writes them); nothing when a step is
    // missing or the value there is an object, an array or null.
    [[nodiscard]] std::optional<std::string> scalar(const Poco::Dynamic::Var& document) const;

private:
    std::string text_;
    std::vector<std::string> tokens_;
};

// The same check as the constructor, as a message ("" when the pointer is fine).
std::string pointerProblem(const std::string& text);

// Parses `body` as JSON; an empty Var when it is not JSON.
Poco::Dynamic::Var parseJson(const std::string& body);

} // namespace httpsms

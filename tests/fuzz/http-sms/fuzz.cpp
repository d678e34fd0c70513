// libFuzzer over the http-sms connector's JSON pointers (RFC 6901), as a config gives them, and the provider
// bodies they read: the input's first line is the pointer, the rest the body. A pointer is refused with
// std::invalid_argument exactly when pointerProblem() says why; parseJson and scalar() never throw.
#include "JsonPointer.h"

#include "tests/fuzz/FuzzCheck.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace {

using clinhub::fuzz::require;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string text = input.substr(0, newline);
    const std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);

    const std::string problem = httpsms::pointerProblem(text);
    httpsms::JsonPointer pointer;
    try {
        pointer = httpsms::JsonPointer(text);
        require(problem.empty());
    } catch (const std::invalid_argument& e) {
        require(!problem.empty() && problem == e.what());
        return 0;
    }
    require(pointer.text() == text);
    const auto document = httpsms::parseJson(body);
    if (const auto value = pointer.scalar(document); value && text.empty()) require(!document.isEmpty());
    return 0;
}

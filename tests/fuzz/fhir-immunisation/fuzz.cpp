// libFuzzer over the Immunisation FHIR API's search replies: the body parsed as the connector does (Poco's
// JSON parser, whose Poco::Exception is the documented refusal), then Records.cpp's readSearchset for a few
// searches. It returns a result, never throws; each dose it accepts is of a target asked for, with a date.
#include "Records.h"

#include "tests/fuzz/FuzzCheck.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

using namespace immunisation;
using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

void read(const Poco::JSON::Object::Ptr& bundle, const Search& search) {
    std::vector<clinhub::Immunisation> doses;
    requireResult(readSearchset(bundle, search, doses), "Immunisation FHIR API ");
    for (const auto& d : doses) {
        require(std::find(search.targets.begin(), search.targets.end(), d.target) != search.targets.end());
        require(d.occurredOn.size() == 10 && d.doseNumber >= 0);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    Poco::Dynamic::Var parsed;
    try {
        parsed = Poco::JSON::Parser().parse(text);
    } catch (const Poco::Exception&) {
        return 0;
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return 0;
    const auto bundle = parsed.extract<Poco::JSON::Object::Ptr>();
    read(bundle, {"9995260182", {"FLU"}});
    read(bundle, {"9995260182", {"FLU", "MMR"}});
    read(bundle, {"9995260182", {"MMR", "MMRV", "COVID"}});
    return 0;
}

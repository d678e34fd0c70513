// A C++ plugin whose constructor throws: the SDK must turn that into a refusal, not a crash.
#include <clinhub/plugin.hpp>

#include <stdexcept>

namespace {
class Throwing final : public clinhub::Connector, public clinhub::SmsSender {
public:
    Throwing(const clinhub::Host&, const std::string&) { throw std::runtime_error("the sender id is not registered"); }
    clinhub::Result send(const clinhub::Sms&, std::string&) override { return clinhub::Result::success(); }
};
} // namespace

CLINHUB_PLUGIN(Throwing, "throwing", "0.0.1", "a plugin whose factory throws", R"({"type":"object"})")

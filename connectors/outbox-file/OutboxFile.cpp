// outbox-file: a development sink for SMS and email. Each message becomes one JSON line appended to a
// file, so the demo "sends" with nothing installed and tests can read exactly what would have gone out.
//
// The file holds message bodies and addresses (patient data): it is created 0600, and the log only ever
// names the channel and the reference.
#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::Result;

struct Config {
    std::string path;
};

const clinhub::kit::ConfigMap<Config> kConfigMap{
    "Development sink: appends each SMS and email as one JSON line to a file instead of sending it",
    {
        clinhub::kit::stringKey("path", &Config::path)
            .required("the file to write messages to")
            .format("path")
            .describe("File the messages are appended to (created 0600 when missing; its folder must exist). It "
                      "holds patient data: keep it out of shared places"),
    }};

// Closes a file descriptor on every path out.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

class OutboxFile final : public clinhub::Connector, public clinhub::SmsSender, public clinhub::EmailSender {
public:
    OutboxFile(const clinhub::Host& host, const std::string& configJson) : host_(host), path_(pathFrom(configJson)) {}

    Result send(const clinhub::Sms& sms, std::string& providerId) override {
        if (sms.reference.empty()) return Result::permanent("message has no reference");
        if (sms.to.empty()) return Result::permanent("message has no recipient");
        auto line = record("sms", sms.reference, sms.to);
        line->set("body", sms.body);
        return write(*line, "sms", sms.reference, providerId);
    }

    Result send(const clinhub::Email& email, std::string& providerId) override {
        if (email.reference.empty()) return Result::permanent("message has no reference");
        if (email.to.empty()) return Result::permanent("message has no recipient");
        auto line = record("email", email.reference, email.to);
        line->set("subject", email.subject);
        line->set("text", email.text);
        if (!email.html.empty()) line->set("html", email.html);
        return write(*line, "email", email.reference, providerId);
    }

    // One implementation serves both kinds: references are the hub's and unique across channels.
    Result lookup(const std::string& reference, Delivery& delivery) override {
        delivery = {DeliveryState::unknown, {}};
        std::ifstream in(path_);
        if (!in) return Result::success(); // no file yet: nothing was ever written
        // Only lines that could hold the reference are parsed; a reference in a JSON string may be escaped,
        // so the shortcut is taken only for references that never are.
        const bool plain =
            reference.find_first_of("\"\\/") == std::string::npos &&
            std::all_of(reference.begin(), reference.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
        std::string text;
        while (std::getline(in, text)) {
            if (plain && text.find(reference) == std::string::npos) continue;
            try {
                const auto object = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
                if (object && object->optValue<std::string>("reference", "") == reference) {
                    delivery = {DeliveryState::delivered, providerIdFor(reference)};
                    return Result::success();
                }
            } catch (const Poco::Exception&) {
                // A torn or hand-edited line is not ours to judge: skip it and keep looking.
            }
        }
        return Result::success();
    }

private:
    static std::string pathFrom(const std::string& json) {
        return clinhub::kit::parseOrThrow([](const std::string& j, auto& e) { return kConfigMap.parse(j, e); }, json)
            .path;
    }

    static std::string providerIdFor(const std::string& reference) { return "file-" + reference; }

    Poco::JSON::Object::Ptr record(const char* channel, const std::string& reference, const std::string& to) const {
        Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        const int64_t ms = host_.nowMs();
        const Poco::Timestamp at = ms > 0 ? Poco::Timestamp(ms * 1000) : Poco::Timestamp();
        line->set("time", Poco::DateTimeFormatter::format(at, Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, 0));
        line->set("channel", channel);
        line->set("reference", reference);
        line->set("to", to);
        return line;
    }

    // O_APPEND and a single write() per line: the kernel places each line whole at the end of the file,
    // so threads and processes sharing the file never interleave. The file is opened per message so a
    // rotated or deleted file is simply started again.
    Result write(const Poco::JSON::Object& line, const char* channel, const std::string& reference,
                 std::string& providerId) const {
        std::ostringstream out;
        line.stringify(out);
        std::string text = out.str();
        text += '\n';
        const Fd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
        if (fd.get() < 0)
            return Result::retryable("cannot open the outbox file " + path_ + ": " + std::strerror(errno));
        ssize_t written = -1;
        do {
            written = ::write(fd.get(), text.data(), text.size());
        } while (written < 0 && errno == EINTR);
        if (written != static_cast<ssize_t>(text.size())) {
            const std::string why = written < 0 ? std::strerror(errno) : "short write";
            // End a torn line so the next message still starts on its own line.
            if (written > 0) [[maybe_unused]]
                auto ignored = ::write(fd.get(), "\n", 1);
            return Result::retryable("cannot write to the outbox file " + path_ + ": " + why);
        }
        providerId = providerIdFor(reference);
        host_.info(std::string("message written: channel=") + channel + " reference=" + reference);
        return Result::success();
    }

    clinhub::Host host_;
    std::string path_;
};

} // namespace

CLINHUB_PLUGIN(OutboxFile, "outbox-file", "1.0.0",
               "Development sink: writes each SMS and email as a JSON line to a file instead of sending it",
               kConfigMap.schema())

// The nhs-notify plugin loaded as the hub loads a plugin (dlopen, the entry point, the descriptor), with its
// patient-messaging table (ABI 1.3) wrapped back into clinhub::PatientMessenger: the tests call the C table
// themselves, through reply callbacks that keep every call's reports, in order, and the plugin's log lines.
#pragma once

#include <clinhub/plugin.hpp>

#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinhub::test {

// Everything a call reported through its reply.
struct Replies {
    std::string message;
    std::vector<std::string> texts;
    std::vector<Delivery> deliveries;
    std::vector<Receipt> receipts; // message receipts and channel receipts, in the order given
    std::vector<ConfigError> configErrors;
    bool notSent = false;

    clinhub_reply reply() {
        clinhub_reply r{};
        r.struct_size = sizeof(r);
        r.ctx = this;
        r.message = [](void* c, const char* t) { self(c).message += t; };
        r.config_error = [](void* c, const char* p, const char* t) { self(c).configErrors.push_back({p, t}); };
        r.text = [](void* c, const char* t) { self(c).texts.emplace_back(t); };
        r.delivery = [](void* c, clinhub_delivery_state s, const char* id) {
            self(c).deliveries.push_back({static_cast<DeliveryState>(s), id});
        };
        r.receipt = [](void* c, const char* ref, clinhub_delivery_state s, const char* id, const char* detail) {
            self(c).receipts.push_back({ref, static_cast<DeliveryState>(s), id, detail, PatientChannel::unknown});
        };
        r.not_sent = [](void* c) { self(c).notSent = true; };
        r.channel_receipt = [](void* c, const char* ref, clinhub_channel ch, clinhub_delivery_state s,
                               const char* detail) {
            self(c).receipts.push_back(
                {ref, static_cast<DeliveryState>(s), "", detail, static_cast<PatientChannel>(ch)});
        };
        return r;
    }
    static Replies& self(void* c) { return *static_cast<Replies*>(c); }
};

// What the plugin logged, for checking that no patient data reaches the log.
struct LogLines {
    std::mutex mutex;
    std::vector<std::string> lines;
};

class PatientPlugin {
public:
    explicit PatientPlugin(const std::string& path) {
        handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
        auto entry = reinterpret_cast<clinhub_entry_fn>(dlsym(handle_, CLINHUB_ENTRY_POINT));
        if (entry == nullptr) throw std::runtime_error("no entry point");
        host_.struct_size = sizeof(host_);
        host_.abi_major = CLINHUB_ABI_MAJOR;
        host_.abi_minor = CLINHUB_ABI_MINOR;
        host_.ctx = &log_;
        host_.log = [](void* ctx, clinhub_log_level, const char*, const char* text) {
            auto& log = *static_cast<LogLines*>(ctx);
            std::lock_guard lock(log.mutex);
            log.lines.emplace_back(text);
        };
        host_.now_ms = nullptr;
        plugin_ = entry(&host_);
        if (plugin_ == nullptr || plugin_->patient_messaging == nullptr)
            throw std::runtime_error("the plugin has no patient-messaging table");
    }
    // Never dlclose()d, as the hub never does.

    [[nodiscard]] const clinhub_plugin& descriptor() const { return *plugin_; }
    [[nodiscard]] const clinhub_patient_messaging_v1& table() const { return *plugin_->patient_messaging; }
    [[nodiscard]] bool cascades(const std::string& json) const { return table().cascades(json.c_str()) != 0; }

    std::vector<ConfigError> checkConfig(const std::string& json) const {
        Replies r;
        const auto reply = r.reply();
        plugin_->check_config(json.c_str(), &reply);
        return r.configErrors;
    }

    std::vector<std::string> logLines() {
        std::lock_guard lock(log_.mutex);
        return log_.lines;
    }

    class Instance : public PatientMessenger {
    public:
        Instance(const PatientPlugin& plugin, void* self) : plugin_(plugin), self_(self) {}
        ~Instance() override { plugin_.descriptor().destroy(self_); }
        Instance(const Instance&) = delete;
        Instance& operator=(const Instance&) = delete;

        Result send(const PatientMessage& m, std::string& providerId) override {
            Replies r;
            const auto reply = r.reply();
            const clinhub_patient_message c{sizeof(c),        m.nhsNumber.c_str(), m.dateOfBirth.c_str(),
                                            m.mobile.c_str(), m.body.c_str(),      m.reference.c_str()};
            const auto status = plugin_.table().send(self_, &c, &reply);
            providerId = r.texts.empty() ? "" : r.texts.front();
            return {static_cast<Status>(status), r.message, r.notSent};
        }
        Result lookup(const std::string& reference, Delivery& delivery, std::vector<Receipt>& channels) override {
            Replies r;
            const auto reply = r.reply();
            const auto status = plugin_.table().lookup(self_, reference.c_str(), &reply);
            delivery = r.deliveries.empty() ? Delivery{} : r.deliveries.front();
            channels = r.receipts;
            return {static_cast<Status>(status), r.message};
        }
        Result receipt(const Headers& headers, const std::string& body, std::vector<Receipt>& receipts) override {
            std::vector<clinhub_header> h;
            for (const auto& [name, value] : headers)
                h.push_back({name.c_str(), value.c_str()});
            Replies r;
            const auto reply = r.reply();
            const auto status = plugin_.table().receipt(self_, h.data(), h.size(), body.c_str(), &reply);
            receipts = r.receipts;
            return {static_cast<Status>(status), r.message};
        }

    private:
        const PatientPlugin& plugin_;
        void* self_;
    };

    // A connector instance; null with the plugin's reason in `error` when create() refuses.
    std::unique_ptr<Instance> create(const std::string& json, std::string& error) const {
        Replies r;
        const auto reply = r.reply();
        void* self = nullptr;
        if (plugin_->create(&host_, json.c_str(), &self, &reply) != CLINHUB_OK) {
            error = r.message;
            return nullptr;
        }
        return std::make_unique<Instance>(*this, self);
    }

private:
    void* handle_ = nullptr;
    LogLines log_;
    clinhub_host host_{};
    const clinhub_plugin* plugin_ = nullptr;
};

} // namespace clinhub::test

#include "hub/host/PluginHost.h"

#include "hub/host/Reply.h"
#include "hub/log/Log.h"

#include <Poco/Path.h>
#include <Poco/Timestamp.h>

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string_view>

namespace clinhub::host {
namespace {

namespace fs = std::filesystem;

// [a-z][a-z0-9-]*: a name that is safe in a file name, a log line and the YAML unquoted.
bool isPluginName(std::string_view name) {
    return !name.empty() && name.front() >= 'a' && name.front() <= 'z' &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Whether a table built against an older ABI minor is long enough to hold `member`, and sets it.
template <class Table, class Member> bool provides(const Table* table, Member Table::*member) {
    if (table == nullptr) return false;
    const auto* base = reinterpret_cast<const char*>(table);
    const auto* field = reinterpret_cast<const char*>(&(table->*member));
    // The member's own size, a pointer's when it is one: whether the table reaches past it.
    return static_cast<size_t>(field - base) + sizeof(Member) <= // NOLINT(bugprone-sizeof-expression)
               table->struct_size &&
           table->*member != nullptr;
}

const clinhub_host& hostTable() {
    static const clinhub_host table{
        sizeof(clinhub_host),
        CLINHUB_ABI_MAJOR,
        CLINHUB_ABI_MINOR,
        nullptr,
        [](void*, clinhub_log_level level, const char* plugin, const char* text) {
            static constexpr log::Level levels[] = {log::Level::debug, log::Level::info, log::Level::warning,
                                                    log::Level::error};
            const auto index = std::clamp(static_cast<int>(level), 0, 3);
            log::write(levels[index], "plugin",
                       {{"plugin", plugin != nullptr ? plugin : ""}, {"message", text != nullptr ? text : ""}});
        },
        [](void*) -> int64_t { return Poco::Timestamp().epochMicroseconds() / 1000; },
    };
    return table;
}

// Why a plugin file may not be trusted, or "": anyone who can write it, or replace it in its folder, runs
// code inside the hub with the hub's access to patient data.
std::string writableByOthers(const std::string& path) {
    for (const auto& target : {fs::path(path), fs::absolute(fs::path(path)).parent_path()}) {
        struct stat st {};
        if (::stat(target.c_str(), &st) != 0) continue;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0) continue;
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return std::string(target == fs::path(path) ? "the file" : "its folder " + target.string()) +
               " is writable by others than its owner (mode " + mode +
               "): whoever can write it runs code in the hub; chmod go-w it";
    }
    return {};
}

std::string abi(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

// The patient-messaging table of a descriptor, or nullptr; a descriptor built before ABI 1.3 ends before it.
const clinhub_patient_messaging_v1* patientMessagingOf(const clinhub_plugin* d) {
    return provides(d, &clinhub_plugin::patient_messaging) ? d->patient_messaging : nullptr;
}

// Reads and vets a descriptor; returns the reason for refusing it, or "" when it is acceptable.
std::string vet(const clinhub_plugin* d) {
    if (d == nullptr) return "its entry point returned no descriptor";
    // The end of the last field of ABI 1.0: the pointer's own size, not what it points to.
    if (d->struct_size < offsetof(clinhub_plugin, email) + sizeof(d->email) && // NOLINT(bugprone-sizeof-expression)
        d->abi_major == CLINHUB_ABI_MAJOR)
        return "its descriptor is truncated (" + std::to_string(d->struct_size) + " bytes)";
    if (d->abi_major != CLINHUB_ABI_MAJOR)
        return "it was built for plugin ABI " + abi(d->abi_major, d->abi_minor) + " but this hub speaks ABI " +
               abi(CLINHUB_ABI_MAJOR, CLINHUB_ABI_MINOR) + " (major versions must match: rebuild it against this SDK)";
    if (d->abi_minor > CLINHUB_ABI_MINOR)
        return "it was built for plugin ABI " + abi(d->abi_major, d->abi_minor) + ", newer than this hub's " +
               abi(CLINHUB_ABI_MAJOR, CLINHUB_ABI_MINOR) + " (upgrade the hub, or rebuild the plugin against SDK " +
               abi(CLINHUB_ABI_MAJOR, CLINHUB_ABI_MINOR) + ")";
    if (d->name == nullptr || !isPluginName(d->name))
        return "its name must be lower-case letters, digits and '-', starting with a letter";
    if (d->create == nullptr || d->destroy == nullptr) return "its descriptor has no create or destroy function";
    if (d->appointment_book == nullptr && d->immunisation_records == nullptr && d->sms == nullptr &&
        d->email == nullptr && patientMessagingOf(d) == nullptr)
        return "it implements no kind (appointment-book, immunisation-records, sms, email or patient-messaging)";
    return {};
}

config::PluginInfo describe(const clinhub_plugin* d) {
    config::PluginInfo info;
    info.name = d->name;
    if (d->appointment_book != nullptr) info.kinds.insert(config::Kind::appointmentBook);
    if (d->immunisation_records != nullptr) info.kinds.insert(config::Kind::immunisationRecords);
    if (d->sms != nullptr) info.kinds.insert(config::Kind::sms);
    if (d->email != nullptr) info.kinds.insert(config::Kind::email);
    if (patientMessagingOf(d) != nullptr) info.kinds.insert(config::Kind::patientMessaging);
    info.configSchema = d->config_schema != nullptr ? d->config_schema : R"({"type": "object"})";
    if (d->check_config != nullptr) {
        info.checkConfig = [check = d->check_config](const std::string& json) {
            Reply reply;
            const clinhub_status status = check(json.c_str(), reply.c());
            if (status != CLINHUB_OK && reply.configErrors.empty())
                reply.configErrors.push_back({"", reply.message.empty() ? "rejected by the plugin" : reply.message});
            return reply.configErrors;
        };
    }
    // A 1.0 or 1.1 table ends before max_characters: provides() reads struct_size first.
    if (provides(d->sms, &clinhub_sms_v1::max_characters))
        info.maxCharacters = [declared = d->sms->max_characters](const std::string& json) {
            return static_cast<int>(declared(json.c_str()));
        };
    if (const auto* messaging = patientMessagingOf(d); provides(messaging, &clinhub_patient_messaging_v1::cascades))
        info.cascades = [declared = messaging->cascades](const std::string& json) {
            return declared(json.c_str()) != 0;
        };
    return info;
}

// A connector instance backed by a plugin's C tables: each call goes through a fresh Reply.
class PluginConnector final : public ConnectorInstance,
                              AppointmentBook,
                              ImmunisationRecords,
                              SmsSender,
                              EmailSender,
                              PatientMessenger {
public:
    PluginConnector(std::string name, std::shared_ptr<const PluginFile> plugin, void* self,
                    std::shared_ptr<ConnectorCalls> watcher)
        : name_(std::move(name)), plugin_(std::move(plugin)), d_(plugin_->descriptor),
          messaging_(patientMessagingOf(d_)), self_(self), watcher_(std::move(watcher)) {}
    ~PluginConnector() override { d_->destroy(self_); }
    PluginConnector(const PluginConnector&) = delete;
    PluginConnector& operator=(const PluginConnector&) = delete;

    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] const PluginFile& plugin() const override { return *plugin_; }
    AppointmentBook* appointmentBook() override { return d_->appointment_book != nullptr ? this : nullptr; }
    ImmunisationRecords* immunisationRecords() override { return d_->immunisation_records != nullptr ? this : nullptr; }
    SmsSender* sms() override { return d_->sms != nullptr ? this : nullptr; }
    EmailSender* email() override { return d_->email != nullptr ? this : nullptr; }
    PatientMessenger* patientMessaging() override { return messaging_ != nullptr ? this : nullptr; }

private:
    // Every call into the plugin comes through here, so the watcher sees each one, timed on the monotonic
    // clock (a wall-clock step must not read as a slow call).
    template <class Table, class Fn, class... Args>
    Result call(Operation operation, const Table* table, Fn Table::*member, Reply& reply, Args&&... args) {
        const auto start = watcher_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        Result r = provides(table, member)
                       ? reply.result((table->*member)(self_, std::forward<Args>(args)..., reply.c()))
                       : Result::permanent("plugin '" + plugin_->info.name + "' does not implement this call");
        if (watcher_) {
            const auto ended = std::chrono::steady_clock::now();
            watcher_->called(operation, r, ended - start, ended);
        }
        return r;
    }

    static std::optional<Result> single(const Result& r, size_t count, const char* what) {
        if (r.ok() && count != 1) return Result::permanent(std::string("plugin returned no ") + what);
        return std::nullopt;
    }

    Result slotTypes(TimeRange range, std::vector<std::string>& types) override {
        Reply reply;
        Result r = call(Operation::slotTypes, d_->appointment_book, &clinhub_appointment_book_v1::slot_types, reply,
                        clinhub_time_range{range.from, range.to});
        types = std::move(reply.texts);
        return r;
    }
    Result freeSlots(const std::string& type, TimeRange range, std::vector<Slot>& slots) override {
        Reply reply;
        Result r = call(Operation::freeSlots, d_->appointment_book, &clinhub_appointment_book_v1::free_slots, reply,
                        type.c_str(), clinhub_time_range{range.from, range.to});
        slots = std::move(reply.slots);
        return r;
    }
    Result book(const std::string& slotId, const Patient& patient, const std::string& note,
                Appointment& booked) override {
        Reply reply;
        const clinhub_patient p = sdk::toC(patient);
        Result r = call(Operation::book, d_->appointment_book, &clinhub_appointment_book_v1::book, reply,
                        slotId.c_str(), &p, note.c_str());
        if (auto bad = single(r, reply.appointments.size(), "appointment")) return *bad;
        if (r.ok()) booked = reply.appointments.front();
        return r;
    }
    Result cancel(const std::string& appointmentId) override {
        Reply reply;
        return call(Operation::cancel, d_->appointment_book, &clinhub_appointment_book_v1::cancel, reply,
                    appointmentId.c_str());
    }
    Result reschedule(const std::string& appointmentId, const std::string& newSlotId, Appointment& moved) override {
        Reply reply;
        Result r = call(Operation::reschedule, d_->appointment_book, &clinhub_appointment_book_v1::reschedule, reply,
                        appointmentId.c_str(), newSlotId.c_str());
        if (auto bad = single(r, reply.appointments.size(), "appointment")) return *bad;
        if (r.ok()) moved = reply.appointments.front();
        return r;
    }
    Result writeCode(const Patient& patient, const std::string& code, const std::string& term) override {
        Reply reply;
        const clinhub_patient p = sdk::toC(patient);
        return call(Operation::writeCode, d_->appointment_book, &clinhub_appointment_book_v1::write_code, reply, &p,
                    code.c_str(), term.c_str());
    }
    Result findPatient(const std::string& nhsNumber, std::optional<Patient>& found) override {
        Reply reply;
        Result r = call(Operation::findPatient, d_->appointment_book, &clinhub_appointment_book_v1::find_patient, reply,
                        nhsNumber.c_str());
        found.reset();
        if (r.ok() && !reply.patients.empty()) found = reply.patients.front();
        return r;
    }
    Result history(const std::string& nhsNumber, const std::vector<std::string>& targets,
                   std::vector<Immunisation>& doses) override {
        Reply reply;
        std::vector<const char*> t;
        t.reserve(targets.size());
        for (const auto& s : targets)
            t.push_back(s.c_str());
        Result r = call(Operation::history, d_->immunisation_records, &clinhub_immunisation_records_v1::history, reply,
                        nhsNumber.c_str(), t.data(), t.size());
        doses = std::move(reply.immunisations);
        return r;
    }
    Result send(const Sms& sms, std::string& providerId) override {
        Reply reply;
        const clinhub_sms m{sizeof(m), sms.to.c_str(), sms.body.c_str(), sms.reference.c_str()};
        Result r = call(Operation::send, d_->sms, &clinhub_sms_v1::send, reply, &m);
        if (r.ok() && !reply.texts.empty()) providerId = reply.texts.front();
        return r;
    }
    Result send(const Email& email, std::string& providerId) override {
        Reply reply;
        const clinhub_email m{sizeof(m),          email.to.c_str(),   email.subject.c_str(),
                              email.text.c_str(), email.html.c_str(), email.reference.c_str()};
        Result r = call(Operation::send, d_->email, &clinhub_email_v1::send, reply, &m);
        if (r.ok() && !reply.texts.empty()) providerId = reply.texts.front();
        return r;
    }
    Result lookupIn(const auto* table, auto member, const std::string& reference, Delivery& delivery) {
        Reply reply;
        Result r = call(Operation::lookup, table, member, reply, reference.c_str());
        if (r.ok()) delivery = reply.delivery.value_or(Delivery{});
        return r;
    }
    // Both messaging kinds name their lookup the same; the connector answers for whichever is asked.
    Result lookup(const std::string& reference, Delivery& delivery) override {
        if (d_->sms != nullptr) return lookupIn(d_->sms, &clinhub_sms_v1::lookup, reference, delivery);
        return lookupIn(d_->email, &clinhub_email_v1::lookup, reference, delivery);
    }
    Result send(const PatientMessage& message, std::string& providerId) override {
        Reply reply;
        const clinhub_patient_message m{sizeof(m),
                                        message.nhsNumber.c_str(),
                                        message.dateOfBirth.c_str(),
                                        message.mobile.c_str(),
                                        message.body.c_str(),
                                        message.reference.c_str()};
        Result r = call(Operation::send, messaging_, &clinhub_patient_messaging_v1::send, reply, &m);
        if (r.ok() && !reply.texts.empty()) providerId = reply.texts.front();
        return r;
    }
    Result lookup(const std::string& reference, Delivery& delivery, std::vector<Receipt>& channels) override {
        Reply reply;
        Result r = call(Operation::lookup, messaging_, &clinhub_patient_messaging_v1::lookup, reply, reference.c_str());
        if (r.ok()) {
            delivery = reply.delivery.value_or(Delivery{});
            channels = std::move(reply.receipts);
        }
        return r;
    }
    Result receipt(const Headers& headers, const std::string& body, std::vector<Receipt>& receipts) override {
        std::vector<clinhub_header> h;
        h.reserve(headers.size());
        for (const auto& [name, value] : headers)
            h.push_back({name.c_str(), value.c_str()});
        Reply reply;
        Result r = call(Operation::receipt, messaging_, &clinhub_patient_messaging_v1::receipt, reply, h.data(),
                        h.size(), body.c_str());
        receipts = std::move(reply.receipts);
        return r;
    }
    // Likewise one receipt call for both SMS and email: a provider's callback reports whichever messages it
    // carried.
    Result receipt(const std::string& authorization, const std::string& body, std::vector<Receipt>& receipts) override {
        Reply reply;
        Result r = d_->sms != nullptr ? call(Operation::receipt, d_->sms, &clinhub_sms_v1::receipt, reply,
                                             authorization.c_str(), body.c_str())
                                      : call(Operation::receipt, d_->email, &clinhub_email_v1::receipt, reply,
                                             authorization.c_str(), body.c_str());
        receipts = std::move(reply.receipts);
        return r;
    }

    std::string name_;
    std::shared_ptr<const PluginFile> plugin_;
    const clinhub_plugin* d_;
    const clinhub_patient_messaging_v1* messaging_;
    void* self_;
    std::shared_ptr<ConnectorCalls> watcher_;
};

} // namespace

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;

std::vector<std::string> PluginHost::defaultDirectories() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    const fs::path dir = exe.parent_path();
    return {(dir / "plugins").string(),
            (dir.parent_path() / "lib" / "clinhub" / "plugins").lexically_normal().string()};
}

void PluginHost::loadNamed(const std::vector<std::string>& directories, const std::set<std::string>& names) {
    for (const auto& name : names) {
        if (!isPluginName(name)) continue; // the config check names it
        const std::string file = "libclinhub-" + name + ".so";
        bool found = false;
        std::string searched;
        for (const auto& directory : directories) {
            searched += (searched.empty() ? "" : ", ") + directory;
            const auto path = (fs::path(directory) / file).string();
            std::error_code ec;
            if (!fs::exists(path, ec)) continue;
            found = true;
            // Found in a second folder too: loadFile makes the name ambiguous.
            if (!loadFile(path)) continue;
            for (auto it = plugins_.begin(); it != plugins_.end(); ++it) {
                if (it->second->path != path || it->first == name) continue;
                const std::string reason = "it declares plugin '" + it->first + "', not '" + name + "'";
                log::warning("plugin_refused", {{"file", path}, {"reason", reason}});
                refused_.push_back({path, reason});
                plugins_.erase(it);
                break;
            }
        }
        if (!found) {
            const std::string reason = "no plugin file " + file + " in " + (searched.empty() ? "no folder" : searched);
            log::warning("plugin_refused", {{"plugin", name}, {"reason", reason}});
            refused_.push_back({file, reason});
        }
    }
}

void PluginHost::loadDirectory(const std::string& directory) {
    std::error_code ec;
    if (!fs::is_directory(directory, ec)) {
        refused_.push_back({directory, "plugin directory does not exist"});
        log::warning("plugin_directory_missing", {{"path", directory}});
        return;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory, ec))
        if (entry.path().extension() == ".so") files.push_back(entry.path());
    std::sort(files.begin(), files.end()); // a stable order makes the log and refusals predictable
    for (const auto& file : files)
        loadFile(file.string());
}

bool PluginHost::loadFile(const std::string& path) {
    auto refuse = [&](std::string reason) {
        log::warning("plugin_refused", {{"file", path}, {"reason", reason}});
        refused_.push_back({path, std::move(reason)});
        return false;
    };
    for (const auto& [name, plugin] : plugins_)
        if (plugin->path == path) return true;
    // A file refused before is tried afresh (it may have been rebuilt), and refused at most once.
    std::erase_if(refused_, [&](const Refusal& r) { return r.path == path; });
    if (std::string reason = writableByOthers(path); !reason.empty()) return refuse(reason);

    dlerror();
    void* raw = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (raw == nullptr) {
        const char* why = dlerror();
        return refuse(std::string("not a loadable shared object: ") + (why != nullptr ? why : "dlopen failed"));
    }
    std::shared_ptr<void> handle(raw, [](void* h) { dlclose(h); });
    auto* entry = reinterpret_cast<clinhub_entry_fn>(dlsym(raw, CLINHUB_ENTRY_POINT));
    if (entry == nullptr)
        return refuse(std::string("no entry point '") + CLINHUB_ENTRY_POINT +
                      "': is it a clinhub plugin? (export it with CLINHUB_PLUGIN or extern \"C\")");
    const clinhub_plugin* descriptor = entry(&hostTable());
    if (std::string reason = vet(descriptor); !reason.empty()) return refuse(reason);
    if (auto it = plugins_.find(descriptor->name); it != plugins_.end() || ambiguous_.contains(descriptor->name)) {
        const std::string name = descriptor->name;
        auto& files = ambiguous_[name];
        if (it != plugins_.end()) {
            files = it->second->path;
            plugins_.erase(it);
        }
        files += " and " + path;
        log::error("plugin_ambiguous", {{"plugin", name}, {"files", files}});
        return refuse("plugin '" + name + "' is declared by " + files +
                      ": remove all but one, so which runs does not depend on the order of a folder");
    }

    auto file = std::make_shared<PluginFile>();
    file->path = path;
    file->descriptor = descriptor;
    file->info = describe(descriptor);
    file->version = descriptor->version != nullptr ? descriptor->version : "";
    file->description = descriptor->description != nullptr ? descriptor->description : "";
    file->handle = std::move(handle);
    log::info("plugin_loaded", {{"plugin", file->info.name}, {"version", file->version}, {"file", path}});
    plugins_.emplace(file->info.name, std::move(file));
    return true;
}

std::vector<const PluginFile*> PluginHost::loaded() const {
    std::vector<const PluginFile*> out;
    for (const auto& [name, plugin] : plugins_)
        out.push_back(plugin.get());
    return out;
}

const config::PluginInfo* PluginHost::find(const std::string& name) const {
    auto it = plugins_.find(name);
    return it != plugins_.end() ? &it->second->info : nullptr;
}

std::vector<std::string> PluginHost::names() const {
    std::vector<std::string> out;
    for (const auto& [name, plugin] : plugins_)
        out.push_back(name);
    return out;
}

std::shared_ptr<ConnectorInstance> PluginHost::create(const std::string& connectorName, const std::string& pluginName,
                                                      const std::string& configJson, std::string& error) const {
    auto it = plugins_.find(pluginName);
    if (it == plugins_.end()) {
        error = "connector '" + connectorName + "': no plugin named '" + pluginName + "' is loaded";
        return nullptr;
    }
    const auto& plugin = it->second;
    Reply reply;
    void* self = nullptr;
    const clinhub_status status = plugin->descriptor->create(&hostTable(), configJson.c_str(), &self, reply.c());
    if (status != CLINHUB_OK || self == nullptr) {
        std::string why = reply.message;
        for (const auto& e : reply.configErrors)
            why += (why.empty() ? "" : "; ") + e.pointer + ": " + e.message;
        error = "connector '" + connectorName + "': plugin '" + pluginName + "' (" + plugin->path +
                ") failed to create it: " + (why.empty() ? "no reason given" : why);
        if (self != nullptr) plugin->descriptor->destroy(self);
        return nullptr;
    }
    return std::make_shared<PluginConnector>(connectorName, plugin, self,
                                             observer_ ? observer_->watch(connectorName, pluginName) : nullptr);
}

} // namespace clinhub::host

// clinhub-plugin: one plugin, no hub. What a plugin author runs while writing one: what the file declares,
// whether a config section passes, one call against the real system, or the conformance kit.
//
//   clinhub-plugin info PLUGIN.so [--schema]
//   clinhub-plugin check PLUGIN.so --config SECTION.json
//   clinhub-plugin sms PLUGIN.so --config SECTION.json --to +447700900123 --body TEXT [--reference REF]
//   clinhub-plugin email PLUGIN.so --config SECTION.json --to ADDRESS --subject TEXT --text TEXT [--html HTML]
//                        [--reference REF]
//   clinhub-plugin lookup PLUGIN.so --config SECTION.json --reference REF
//   clinhub-plugin slots PLUGIN.so --config SECTION.json [--type TYPE] [--days N]
//   clinhub-plugin conformance PLUGIN.so --config SECTION.json [--kind KIND] [--fixture F] [kit options]
//
// The section goes through what the hub does to it first (${VAR}s from the environment, the plugin's
// schema with its defaults, relative paths from the file's folder, the plugin's own check), so a call here
// sees what create() would see in the hub. Exit status: 0 done; 1 refused or failed for good (a bad config,
// a permanent or conflict result); 2 a wrong command line; 3 retryable and possibly sent; 4 retryable and
// certainly not sent (plugin.h: "possibly sent").
#include "Kit.h"
#include "hub/config/Schema.h"
#include "hub/config/YamlTree.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

namespace {

using namespace clinhub;

constexpr int kDone = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr int kPossiblySent = 3;
constexpr int kNotSent = 4;

int usage(const std::string& problem) {
    std::cerr << "clinhub-plugin: " << problem << R"(
usage: clinhub-plugin info PLUGIN.so [--schema]
       clinhub-plugin check PLUGIN.so --config SECTION.json
       clinhub-plugin sms PLUGIN.so --config SECTION.json --to NUMBER --body TEXT [--reference REF]
       clinhub-plugin email PLUGIN.so --config SECTION.json --to ADDRESS --subject TEXT --text TEXT [--html HTML] [--reference REF]
       clinhub-plugin lookup PLUGIN.so --config SECTION.json --reference REF
       clinhub-plugin slots PLUGIN.so --config SECTION.json [--type TYPE] [--days N]
       clinhub-plugin conformance PLUGIN.so --config SECTION.json [--kind KIND] [--fixture FIXTURE.json] [--peer CMD] [--set N=V]...
)";
    return kUsage;
}

// The exit status and the line for a call's result.
int report(const Result& r, const std::string& what) {
    if (r.ok()) return kDone;
    const char* how = r.definitelyNotSent() ? "retryable, not sent" : toString(r.status);
    std::cerr << "clinhub-plugin: " << what << " " << how << ": " << r.message << '\n';
    if (r.status != Status::retryable) return kFailed;
    return r.notSent ? kNotSent : kPossiblySent;
}

std::string kindsOf(const config::PluginInfo& info) {
    std::string out;
    for (const auto kind : info.kinds)
        out += std::string(out.empty() ? "" : ", ") + config::toString(kind);
    return out;
}

// A reference shaped like the hub's ("msg-" and a UUIDv7), for a send that was given none.
std::string newReference() {
    std::mt19937_64 random{std::random_device{}()};
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (int shift = 44; shift >= 0; shift -= 4)
        id += hex[(ms >> shift) & 0xf];
    id += '7';
    for (int i = 0; i < 3; ++i)
        id += hex[random() % 16];
    id += hex[8 + random() % 4];
    for (int i = 0; i < 15; ++i)
        id += hex[random() % 16];
    return "msg-" + id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
           id.substr(20);
}

// The command line after the subcommand and the plugin: --name value pairs.
struct Options {
    std::map<std::string, std::string> values;
    std::vector<std::string> flags;

    [[nodiscard]] std::optional<std::string> get(const std::string& name) const {
        const auto it = values.find(name);
        return it == values.end() ? std::nullopt : std::optional(it->second);
    }
};

std::optional<Options> parseOptions(int argc, char** argv, int from, const std::vector<std::string>& takesValue,
                                    const std::vector<std::string>& flags, std::string& problem) {
    Options o;
    for (int i = from; i < argc; ++i) {
        const std::string arg = argv[i];
        if (std::find(flags.begin(), flags.end(), arg) != flags.end()) {
            o.flags.push_back(arg);
        } else if (std::find(takesValue.begin(), takesValue.end(), arg) != takesValue.end()) {
            if (i + 1 >= argc) {
                problem = arg + " needs a value";
                return std::nullopt;
            }
            o.values[arg] = argv[++i];
        } else {
            problem = "unknown argument " + arg;
            return std::nullopt;
        }
    }
    return o;
}

// The section as the hub would hand it to create(), or nothing with each problem printed at its place.
std::optional<std::string> loadSection(const config::PluginInfo& plugin, const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::cerr << file << ": cannot read the file\n";
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::vector<config::Diagnostic> problems;
    auto section = config::parseYaml(text.str(), file, config::processEnvironment(), problems);
    std::optional<std::string> json;
    if (section && problems.empty()) {
        if (section->isNull()) section->kind = config::YamlNode::Kind::map; // an empty file: an empty section
        const config::Mark owner = section->mark.line > 0 ? section->mark : config::Mark{file, 1, 1};
        try {
            const auto schema = config::Schema::parse(plugin.configSchema.empty() ? "{}" : plugin.configSchema);
            config::validate(*section, schema, owner, "config", problems);
            if (problems.empty()) {
                config::applyDefaults(*section, schema);
                config::resolvePaths(*section, schema,
                                     std::filesystem::absolute(file).lexically_normal().parent_path().string());
                json = config::toJson(*section, schema);
                if (plugin.checkConfig)
                    for (const auto& e : plugin.checkConfig(*json))
                        problems.push_back(
                            {config::markAt(*section, owner, e.pointer), "plugin '" + plugin.name + "': " + e.message});
            }
        } catch (const std::exception& e) {
            problems.push_back(
                {owner, "plugin '" + plugin.name + "' publishes a config schema that cannot be used: " + e.what()});
        }
    }
    for (const auto& p : problems)
        std::cerr << p.str() << '\n';
    if (!problems.empty()) return std::nullopt;
    return json;
}

int info(const host::PluginFile& file, bool schema) {
    std::cout << "plugin: " << file.info.name << "\nversion: " << file.version
              << "\nabi: " << file.descriptor->abi_major << "." << file.descriptor->abi_minor
              << "\nkinds: " << kindsOf(file.info) << "\ndescription: " << file.description << "\nfile: " << file.path
              << '\n';
    if (file.info.kinds.count(config::Kind::sms) != 0)
        std::cout << "sms length: "
                  << (file.info.maxCharacters ? "declared per config (clinhub-plugin check shows it)"
                                              : "not declared (the hub's default, " +
                                                    std::to_string(CLINHUB_SMS_DEFAULT_MAX_CHARACTERS) + " characters)")
                  << '\n';
    if (schema) std::cout << file.info.configSchema << '\n';
    return kDone;
}

int slots(AppointmentBook& book, const Options& o) {
    int days = 14;
    try {
        days = std::stoi(o.get("--days").value_or("14"));
    } catch (const std::exception&) {
        return usage("--days is a number of days");
    }
    using namespace std::chrono;
    const auto today = floor<std::chrono::days>(system_clock::now());
    const int64_t from = duration_cast<seconds>((today + std::chrono::days{1}).time_since_epoch()).count();
    const TimeRange range{from, from + int64_t{days} * 86'400};
    std::vector<std::string> types;
    if (const auto type = o.get("--type")) {
        types.push_back(*type);
    } else if (int status = report(book.slotTypes(range, types), "slot_types"); status != kDone) {
        return status;
    }
    for (const auto& type : types) {
        std::vector<Slot> free;
        if (int status = report(book.freeSlots(type, range, free), "free_slots '" + type + "'"); status != kDone)
            return status;
        std::cout << type << ": " << free.size() << " free from tomorrow for " << days << " days\n";
        for (const auto& s : free) {
            const std::time_t start = s.start;
            char when[32];
            std::strftime(when, sizeof when, "%Y-%m-%d %H:%M", std::gmtime(&start));
            std::cout << "  " << when << "Z " << s.durationMinutes << " min" << (s.telephone ? " telephone" : "")
                      << (s.clinician.empty() ? "" : " with " + s.clinician) << "  id " << s.id << '\n';
        }
    }
    return kDone;
}

int run(int argc, char** argv) {
    if (argc < 3) return usage(argc < 2 ? "no command" : "no plugin file");
    const std::string command = argv[1];
    const std::string pluginFile = argv[2];
    static const std::vector<std::string> commands = {"info",   "check", "sms",        "email",
                                                      "lookup", "slots", "conformance"};
    if (std::find(commands.begin(), commands.end(), command) == commands.end())
        return usage("unknown command '" + command + "'");

    if (command == "conformance") {
        // The kit's own command line, with the plugin given as this one gives it.
        std::vector<std::string> args = {"clinhub-plugin conformance", "--plugin", pluginFile};
        for (int i = 3; i < argc; ++i)
            args.emplace_back(argv[i]);
        std::vector<char*> kitArgv;
        for (auto& a : args)
            kitArgv.push_back(a.data());
        kitArgv.push_back(nullptr);
        return conformance::run(static_cast<int>(args.size()), kitArgv.data());
    }

    std::string problem;
    const auto options =
        parseOptions(argc, argv, 3,
                     {"--config", "--to", "--body", "--subject", "--text", "--html", "--reference", "--type", "--days"},
                     {"--schema"}, problem);
    if (!options) return usage(problem);

    host::PluginHost host;
    if (!host.loadFile(pluginFile)) {
        std::cerr << "clinhub-plugin: " << pluginFile << ": refused: " << host.refused().back().reason << '\n';
        return kFailed;
    }
    const host::PluginFile& file = *host.loaded().back();
    if (command == "info")
        return info(file, std::find(options->flags.begin(), options->flags.end(), "--schema") != options->flags.end());

    const auto configFile = options->get("--config");
    if (!configFile) return usage(command + " needs --config SECTION.json");
    const auto section = loadSection(file.info, *configFile);
    if (!section) return kFailed;
    if (command == "check") {
        std::cout << *configFile << ": valid for plugin '" << file.info.name << "'\n";
        if (file.info.kinds.count(config::Kind::sms) != 0)
            std::cout << "sms length: at most " << config::smsMaxCharacters(file.info, *section) << " characters"
                      << (file.info.maxCharacters && file.info.maxCharacters(*section) > 0 ? ""
                                                                                           : " (the hub's default)")
                      << '\n';
        return kDone;
    }

    std::string error;
    const auto instance = host.create("clinhub-plugin", file.info.name, *section, error);
    if (!instance) {
        std::cerr << "clinhub-plugin: " << error << '\n';
        return kFailed;
    }
    const auto need = [&](const char* what, bool has) {
        if (!has) std::cerr << "clinhub-plugin: plugin '" << file.info.name << "' implements no " << what << '\n';
        return has;
    };
    const std::string reference = options->get("--reference").value_or(newReference());
    std::string providerId;
    if (command == "sms") {
        if (!need("sms", instance->sms() != nullptr)) return kFailed;
        const auto to = options->get("--to");
        const auto body = options->get("--body");
        if (!to || !body) return usage("sms needs --to and --body");
        const int status = report(instance->sms()->send({*to, *body, reference}, providerId), "send");
        if (status == kDone) std::cout << "sent: reference " << reference << ", provider id " << providerId << '\n';
        return status;
    }
    if (command == "email") {
        if (!need("email", instance->email() != nullptr)) return kFailed;
        const auto to = options->get("--to");
        const auto subject = options->get("--subject");
        const auto text = options->get("--text");
        if (!to || !subject || !text) return usage("email needs --to, --subject and --text");
        const int status = report(
            instance->email()->send({*to, *subject, *text, options->get("--html").value_or(""), reference}, providerId),
            "send");
        if (status == kDone) std::cout << "sent: reference " << reference << ", provider id " << providerId << '\n';
        return status;
    }
    if (command == "lookup") {
        if (!options->get("--reference")) return usage("lookup needs --reference");
        Delivery d;
        Result r = instance->sms() != nullptr     ? instance->sms()->lookup(reference, d)
                   : instance->email() != nullptr ? instance->email()->lookup(reference, d)
                                                  : Result::permanent("the plugin sends no SMS or email");
        const int status = report(r, "lookup");
        static const char* states[] = {"unknown", "accepted", "delivered", "failed"};
        if (status == kDone)
            std::cout << reference << ": " << states[static_cast<int>(d.state) & 3]
                      << (d.providerId.empty() ? "" : ", provider id " + d.providerId) << '\n';
        return status;
    }
    // slots
    if (!need("appointment-book", instance->appointmentBook() != nullptr)) return kFailed;
    return slots(*instance->appointmentBook(), *options);
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "clinhub-plugin: " << e.what() << '\n';
        return kFailed;
    }
}

// The conformance kit's command line: runs the checks of the kinds a plugin implements (appointment-book,
// immunisation-records, sms, email), or of the one --kind names, against it and the live system behind it.
//
//   clinhub-conformance --plugin FILE.so --config CONFIG.json [--fixture FIXTURE.json] [--kind KIND]
//                       [--peer "COMMAND ARGS..."] [--set NAME=VALUE]... [gtest flags]
//
// A fixture is required for appointment books and immunisation records; SMS and email checks run without
// one, on its defaults.
// CONFIG is the connector's section as JSON (what the hub would pass it); FIXTURE says what the system
// holds (see README.md). In both, {tmp} becomes a fresh folder removed afterwards, {port} the peer's port,
// and {NAME} each --set value; in the peer's command, {tmp} and {NAME} too. --peer starts the system's peer
// (e.g. a simulator) first: the kit appends `--port-file FILE` and waits for it to write its port there.
#include "Kit.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

extern char** environ;

namespace {

using namespace clinhub;

int usage(const std::string& problem) {
    std::cerr << "clinhub-conformance: " << problem
              << "\nusage: clinhub-conformance --plugin FILE.so --config CONFIG.json [--fixture FIXTURE.json]"
                 " [--kind appointment-book|immunisation-records|sms|email] [--peer \"COMMAND ARGS...\"]"
                 " [--set NAME=VALUE]... [gtest flags]\n";
    return 2;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
    for (const auto& [name, value] : values) {
        const std::string key = "{" + name + "}";
        for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
            text.replace(at, key.size(), value);
    }
    return text;
}

// The book's peer process, stopped when the kit ends.
class Peer {
public:
    Peer(const std::string& command, const std::string& portFile) {
        // exec, so the pid is the peer's own and SIGTERM reaches it rather than the shell.
        std::string line = "exec " + command + " --port-file '" + portFile + "'";
        const char* argv[] = {"/bin/sh", "-c", line.c_str(), nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
            throw std::runtime_error("cannot start the peer: " + command);
        for (int i = 0; i < 300; ++i) {
            std::ifstream in(portFile);
            if (in >> port_ && port_ > 0) return;
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("the peer exited before writing its port: " + command);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error("the peer wrote no port to " + portFile + " within 15 s: " + command);
    }
    ~Peer() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;
    [[nodiscard]] int port() const { return port_; }

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

TimeRange rangeFromTomorrow(int days) {
    using namespace std::chrono;
    const auto today = floor<std::chrono::days>(system_clock::now());
    const int64_t from = duration_cast<seconds>((today + std::chrono::days{1}).time_since_epoch()).count();
    return {from, from + int64_t{days} * 86'400};
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               ("clinhub-conformance-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// Leaves the checks of kinds the plugin lacks (or that were not asked for) out of whatever --gtest_filter
// asked for.
void leaveOut(const std::vector<std::string>& suites) {
    std::string out;
    for (const auto& s : suites)
        out += (out.empty() ? "" : ":") + s;
    if (out.empty()) return;
    std::string filter = ::testing::GTEST_FLAG(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":") + out;
    ::testing::GTEST_FLAG(filter) = filter;
}

} // namespace

namespace clinhub::conformance {

int run(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv); // takes its own flags out of argv
    std::string pluginFile, configFile, fixtureFile, peerCommand, kind;
    std::map<std::string, std::string> values;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) return usage(flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--plugin")
            pluginFile = value;
        else if (flag == "--config")
            configFile = value;
        else if (flag == "--fixture")
            fixtureFile = value;
        else if (flag == "--peer")
            peerCommand = value;
        else if (flag == "--kind")
            kind = value;
        else if (flag == "--set" && value.find('=') != std::string::npos)
            values[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
        else
            return usage("unknown argument " + flag);
    }
    if (pluginFile.empty() || configFile.empty()) return usage("--plugin and --config are required");
    if (!kind.empty() && kind != "appointment-book" && kind != "immunisation-records" && kind != "sms" &&
        kind != "email")
        return usage("--kind is appointment-book, immunisation-records, sms or email, not '" + kind + "'");

    try {
        TempDir tmp;
        values["tmp"] = tmp.path.string();
        std::unique_ptr<Peer> peer;
        if (!peerCommand.empty()) {
            // Substituted too, so a peer can leave files (a simulator's test keys) where the config finds them.
            peer = std::make_unique<Peer>(substitute(peerCommand, values), (tmp.path / "peer.port").string());
            values["port"] = std::to_string(peer->port());
        }

        host::PluginHost host;
        if (!host.loadFile(pluginFile)) {
            std::cerr << "clinhub-conformance: " << host.refused().back().path << ": " << host.refused().back().reason
                      << '\n';
            return 1;
        }
        const std::string name = host.loaded().back()->info.name;
        std::string error;
        conformance::Kit kit;
        kit.host = &host;
        kit.configJson = substitute(readFile(configFile), values);
        kit.instance = host.create("conformance", name, kit.configJson, error);
        if (kit.instance == nullptr) {
            std::cerr << "clinhub-conformance: " << error << '\n';
            return 1;
        }
        const auto wanted = [&](const char* k) { return kind.empty() || kind == k; };
        const bool book = kit.instance->appointmentBook() != nullptr && wanted("appointment-book");
        const bool records = kit.instance->immunisationRecords() != nullptr && wanted("immunisation-records");
        const bool sms = kit.instance->sms() != nullptr && wanted("sms");
        const bool email = kit.instance->email() != nullptr && wanted("email");
        if (!book && !records && !sms && !email) {
            std::cerr << "clinhub-conformance: plugin '" << name << "' implements "
                      << (kind.empty() ? "none of the kinds the kit checks" : "no " + kind) << '\n';
            return 1;
        }
        kit.fixture = conformance::Fixture::parse(
            fixtureFile.empty() ? std::string() : substitute(readFile(fixtureFile), values), book, records, sms, email);
        if (book) kit.range = rangeFromTomorrow(kit.fixture.book->days);
        std::vector<std::string> left;
        std::string checked;
        for (const auto& [on, suites, word] :
             {std::tuple{book, conformance::kBookSuites, "appointment-book"},
              std::tuple{records, conformance::kRecordsSuites, "immunisation-records"},
              std::tuple{sms, conformance::kSmsSuites, "sms"}, std::tuple{email, conformance::kEmailSuites, "email"}}) {
            if (!on) left.emplace_back(suites);
            if (on) checked += std::string(checked.empty() ? "" : " and ") + word;
        }
        leaveOut(left);
        std::cout << "clinhub-conformance: " << checked << " plugin '" << name << "' (" << host.loaded().back()->version
                  << ") from " << pluginFile << '\n';
        conformance::setKit(std::move(kit));
        const int failed = RUN_ALL_TESTS();
        conformance::setKit({}); // the instance goes before the host unloads its plugin
        return failed;
    } catch (const std::exception& e) {
        std::cerr << "clinhub-conformance: " << e.what() << '\n';
        return 1;
    }
}

} // namespace clinhub::conformance

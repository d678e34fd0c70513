// A real `clinhub serve` child process on an ephemeral port, for tests of the whole program.
#pragma once

#include "tests/TempDir.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <fstream>
#include <memory>
#include <optional>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>

namespace clinhub::test {

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs `clinhub <args>` to completion, capturing both streams.
inline CommandResult runClinhub(const std::vector<std::string>& args, const TempDir& dir) {
    const std::string out = dir.file("cmd.out");
    const std::string err = dir.file("cmd.err");
    std::string command = std::string("exec '") + CLINHUB_EXE + "'";
    for (const auto& a : args)
        command += " '" + a + "'";
    command += " >'" + out + "' 2>'" + err + "'";
    Poco::ProcessHandle handle = Poco::Process::launch("/bin/sh", {"-c", command});
    CommandResult result;
    result.exitCode = handle.wait();
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    result.out = slurp(out);
    result.err = slurp(err);
    return result;
}

// A staff key for `organisation` made with `clinhub keys create`, or "" (with the reason in `why`).
inline std::string createKey(const std::string& configPath, const std::string& organisation, const TempDir& dir,
                             std::string& why) {
    const auto created =
        runClinhub({"keys", "create", "--config", configPath, "--org", organisation, "--name", "test"}, dir);
    const auto at = created.out.find("chk_");
    if (created.exitCode != 0 || at == std::string::npos) {
        why = created.err + created.out;
        return {};
    }
    return created.out.substr(at, created.out.find_first_of(" \t\r\n", at) - at);
}

class HubProcess {
public:
    // Starts `clinhub serve --config <configPath>`; the log goes to <dir>/<logName>.
    HubProcess(const std::string& configPath, const TempDir& dir, const std::string& logName = "hub.log")
        : log_(dir.file(logName)) {
        Poco::Pipe out;
        const std::string command =
            std::string("exec '") + CLINHUB_EXE + "' serve --config '" + configPath + "' 2>>'" + log_ + "'";
        handle_ = std::make_unique<Poco::ProcessHandle>(
            Poco::Process::launch("/bin/sh", {"-c", command}, nullptr, &out, nullptr));
        Poco::PipeInputStream stream(out);
        std::string line;
        // "clinhub serving on port N (config ...)"
        while (std::getline(stream, line)) {
            const std::string marker = "serving on port ";
            if (auto at = line.find(marker); at != std::string::npos) {
                port_ = static_cast<uint16_t>(std::stoi(line.substr(at + marker.size())));
                const std::string admin = "metrics on port ";
                at = line.find(admin);
                adminPort_ =
                    at == std::string::npos ? port_ : static_cast<uint16_t>(std::stoi(line.substr(at + admin.size())));
                break;
            }
        }
    }

    ~HubProcess() { stop(); }
    HubProcess(const HubProcess&) = delete;
    HubProcess& operator=(const HubProcess&) = delete;

    [[nodiscard]] bool started() const { return port_ != 0; }
    [[nodiscard]] uint16_t port() const { return port_; }
    // The staff API's and /metrics' port: hub.admin_listen's when set, else port().
    [[nodiscard]] uint16_t adminPort() const { return adminPort_; }
    [[nodiscard]] pid_t pid() const { return handle_ ? static_cast<pid_t>(handle_->id()) : -1; }

    struct Reply {
        int status = 0;
        std::string body;
    };

    Reply get(const std::string& path) const { return get(port_, path); }
    Reply get(uint16_t port, const std::string& path, const std::string& bearer = {}) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);
        Reply reply{static_cast<int>(response.getStatus()), {}};
        Poco::StreamCopier::copyToString(body, reply.body);
        return reply;
    }

    void signal(int sig) const { ::kill(static_cast<pid_t>(handle_->id()), sig); }

    // Polls until `predicate` holds or about ten seconds pass.
    template <class P> static bool eventually(P predicate) {
        for (int i = 0; i < 200; ++i) {
            if (predicate()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    std::string log() const {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    int stop() {
        if (!handle_) return exitCode_;
        signal(SIGTERM);
        return wait();
    }

    // The exit status of a hub told to stop already (signal()): a second SIGTERM while it stops would end it
    // at once.
    int wait() {
        if (!handle_) return exitCode_;
        exitCode_ = handle_->wait();
        handle_.reset();
        return exitCode_;
    }

private:
    std::string log_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
    uint16_t port_ = 0;
    uint16_t adminPort_ = 0;
    int exitCode_ = -1;
};

// A config for a hub on an ephemeral port with the embedded connectors, all files in `dir`.
inline std::string writeEmbeddedConfig(const TempDir& dir, const std::string& extraOrganisation = "",
                                       const std::string& extraHub = "") {
    std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 1}
)" << extraHub << R"(connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [outbox], email: outbox}
)" << extraOrganisation;
    return path;
}

// The value of one series (`name{labels}` as /metrics writes it) of the hub's /metrics; -1 when it has none.
inline double metric(const HubProcess& hub, const std::string& series) {
    const std::string body = hub.get("/metrics").body;
    const auto at = body.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + series.size() + 2));
}

} // namespace clinhub::test

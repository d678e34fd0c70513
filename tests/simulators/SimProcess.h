// Starts a simulator as a separate process on a free loopback port and stops it when the test ends.
//
//   clinhub::test::SimProcess sim(EMIS_SIM, {"--fixture", fixture, "--error-rate", "0.3"});
//   sim.url();                                  // "http://127.0.0.1:<port>"
//   sim.setFaults(R"({"latency_ms": 3000})");   // through the simulator's /_sim/faults
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace clinhub::test {

class SimProcess {
public:
    SimProcess(const std::string& exe, std::vector<std::string> args) {
        std::random_device rd;
        portFile_ = (std::filesystem::temp_directory_path() /
                     ("clinhub-sim-" + std::to_string(rd()) + "-" + std::to_string(rd()) + ".port"))
                        .string();
        args.insert(args.begin(), exe);
        args.emplace_back("--port-file");
        args.push_back(portFile_);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start " + exe);
        port_ = waitForPort(portFile_, exe);
    }
    ~SimProcess() { stop(); }
    SimProcess(const SimProcess&) = delete;
    SimProcess& operator=(const SimProcess&) = delete;

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] pid_t pid() const { return pid_; }

    // Sends one control request to the simulator; returns the body, throws on a non-2xx answer.
    std::string control(const std::string& method, const std::string& path, const std::string& body = {}) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string text;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
        if (response.getStatus() / 100 != 2)
            throw std::runtime_error(method + " " + path + " -> " + std::to_string(response.getStatus()) + ": " + text);
        return text;
    }
    void setFaults(const std::string& json) const { control("POST", "/_sim/faults", json); }
    void clearFaults() const { control("DELETE", "/_sim/faults"); }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
        std::error_code ec;
        std::filesystem::remove(portFile_, ec);
    }

    // Waits for a port number in `file`, written by the simulator once it listens.
    int waitForPort(const std::string& file, const std::string& what) const {
        for (int i = 0; i < 200; ++i) {
            std::ifstream in(file);
            int port = 0;
            if (in >> port && port > 0) return port;
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) throw std::runtime_error(what + " exited before listening");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error(what + " did not write its port file " + file + " within 10 s");
    }

private:
    std::string portFile_;
    pid_t pid_ = -1;
    int port_ = 0;
};

} // namespace clinhub::test

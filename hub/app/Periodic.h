// Runs a job every interval on its own thread until stopped; a job that throws is logged and run again
// next time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace clinhub::app {

class Periodic {
public:
    Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> job);
    ~Periodic();
    Periodic(const Periodic&) = delete;
    Periodic& operator=(const Periodic&) = delete;

    void stop();

private:
    void run();

    std::string name_;
    std::chrono::milliseconds interval_;
    std::function<void()> job_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace clinhub::app

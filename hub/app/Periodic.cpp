#include "hub/app/Periodic.h"

#include "hub/log/Log.h"

#include <Poco/Exception.h>

namespace clinhub::app {

Periodic::Periodic(std::string name, std::chrono::milliseconds interval, std::function<void()> job)
    : name_(std::move(name)), interval_(interval), job_(std::move(job)), thread_([this] { run(); }) {}

Periodic::~Periodic() { stop(); }

void Periodic::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Periodic::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        try {
            job_();
        } catch (const Poco::Exception& e) {
            log::error("job_failed", {{"job", name_}, {"error", e.displayText()}});
        } catch (const std::exception& e) {
            log::error("job_failed", {{"job", name_}, {"error", e.what()}});
        }
        lock.lock();
    }
}

} // namespace clinhub::app

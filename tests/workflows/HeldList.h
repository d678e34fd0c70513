// An uploaded list whose bytes stop coming until the test lets them: its reader blocks at the first read,
// so a test can act while an upload is under way (after its claim, before any row) without racing it.
#pragma once

#include <condition_variable>
#include <istream>
#include <mutex>
#include <streambuf>
#include <string>

namespace clinhub::test {

class HeldList : public std::streambuf {
public:
    explicit HeldList(std::string text) : text_(std::move(text)) {}

    // Waits until the reader has asked for the first byte.
    void waitUntilRead() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return asked_; });
    }
    // Lets the bytes come (also to a reader that has not asked yet).
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }
    [[nodiscard]] bool asked() {
        std::lock_guard lock(mutex_);
        return asked_;
    }

protected:
    int_type underflow() override {
        if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
        if (given_) return traits_type::eof();
        {
            std::unique_lock lock(mutex_);
            asked_ = true;
            changed_.notify_all();
            changed_.wait(lock, [&] { return released_; });
        }
        given_ = true;
        setg(text_.data(), text_.data(), text_.data() + text_.size());
        return text_.empty() ? traits_type::eof() : traits_type::to_int_type(*gptr());
    }

private:
    std::string text_;
    bool given_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool asked_ = false;
    bool released_ = false;
};

} // namespace clinhub::test

// What happens to a notification after Notify accepts it: a short delay later it is delivered (or, for
// the --delivery-failure-rate fraction, fails), and when --callback-url is set that outcome is POSTed
// there as Notify's delivery receipt, with `Authorization: Bearer <--callback-token>`. A receipt that
// is not taken (no answer, or not 2xx) is retried up to 5 times, as Notify does.
#pragma once

#include "Store.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>

namespace notifysim {

struct ReceiptOptions {
    std::string callbackUrl;
    std::string callbackToken;
    int delayMs = 200;
    double failureRate = 0;
};

class Receipts {
public:
    Receipts(Store& store, ReceiptOptions options, unsigned seed);
    ~Receipts();
    Receipts(const Receipts&) = delete;
    Receipts& operator=(const Receipts&) = delete;

    void schedule(const std::string& notificationId);

    std::int64_t sent() const { return sent_; }
    std::int64_t failed() const { return failed_; }

private:
    struct Due {
        std::chrono::steady_clock::time_point at;
        std::string id;
        int attempt = 0;
        std::string status; // empty until the outcome is decided
        bool operator>(const Due& o) const { return at > o.at; }
    };
    void run();
    bool post(const Notification& n);

    Store& store_;
    ReceiptOptions options_;
    std::mt19937 random_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
    bool stopping_ = false;
    std::atomic<std::int64_t> sent_{0};
    std::atomic<std::int64_t> failed_{0};
    std::thread thread_;
};

} // namespace notifysim

// Hub processes sharing a store, each looking for the scheduled sends that are due, as threads that all read
// what is due before any of them starts one: the race a start's conditional UPDATE must win exactly once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace clinhub::test {

// Runs `look` on `lookers` threads, each given a clock reading `clock` whose second reading (the first start's)
// waits until every thread has made its first (before reading what is due), then a little more. Returns the
// sum of what each `look` returned (how many it started).
inline int lookingAtOnce(int lookers, const std::atomic<int64_t>& clock,
                         const std::function<int(std::function<int64_t()>)>& look) {
    std::atomic<int> looking{0};
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < lookers; ++i)
        threads.emplace_back([&] {
            int readings = 0;
            started += look([&] {
                if (++readings == 1) {
                    ++looking;
                } else if (readings == 2) {
                    while (looking.load() < lookers)
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
                return clock.load();
            });
        });
    for (auto& t : threads)
        t.join();
    return started.load();
}

} // namespace clinhub::test

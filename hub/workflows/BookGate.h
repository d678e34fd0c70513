// At most N calls at once to each organisation's appointment book. A practice's book (EMIS, SystmOne, GP
// Connect) answers slowly under load and counts calls against a quota; without a bound, patients of one
// practice refreshing at once would pin every serving thread of the hub on that one book.
//
// A call that cannot get in within the wait is not made: the caller answers "busy, try again" instead of
// queueing unboundedly behind a slow book.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace clinhub::workflows {

class BookGate {
public:
    BookGate(int perOrganisation, std::chrono::milliseconds wait);

    // Held for the length of one call to the book.
    class Permit {
    public:
        Permit(Permit&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)), key_(std::move(other.key_)) {}
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        Permit& operator=(Permit&&) = delete;
        ~Permit();

    private:
        friend class BookGate;
        Permit(BookGate* gate, std::string key) : gate_(gate), key_(std::move(key)) {}
        BookGate* gate_;
        std::string key_;
    };

    // A permit, or nothing when the organisation's book already has its N calls for longer than the wait.
    std::optional<Permit> enter(const std::string& organisation);

private:
    void leave(const std::string& organisation);

    int limit_;
    std::chrono::milliseconds wait_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::map<std::string, int> inside_;
};

} // namespace clinhub::workflows

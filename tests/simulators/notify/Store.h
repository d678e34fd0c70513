// Every notification notify_sim accepted, in order, findable by id and by reference; and the per-service
// rolling one-minute rate limit.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace notifysim {

struct Notification {
    std::string id;
    std::string serviceId;
    std::optional<std::string> reference;
    std::string type; // "sms" or "email"
    std::string to;
    std::string templateId;
    int templateVersion = 1;
    std::map<std::string, std::string> personalisation;
    std::string body; // rendered
    std::string subject;
    std::string status = "created";
    std::string createdAt;
    std::string sentAt;
    std::string completedAt;
};

std::string nowIso();

// Notify's GET /v2/notifications/{id} shape. `root` is the sim's own URL, for the uris.
Poco::JSON::Object::Ptr toJson(const Notification& n, const std::string& root);

class Store {
public:
    void add(const Notification& n);
    std::optional<Notification> byId(const std::string& id) const;
    std::vector<Notification> byReference(const std::string& reference) const; // newest first
    std::vector<Notification> all() const;
    // Sets a final status; returns the updated notification.
    std::optional<Notification> finish(const std::string& id, const std::string& status);
    void clear();

    // Counts one request against the service's limit; false when it is over `perMinute` (0: no limit).
    bool admit(const std::string& serviceId, int perMinute);

private:
    mutable std::mutex mutex_;
    std::vector<Notification> log_;
    std::unordered_map<std::string, std::size_t> byId_;
    std::unordered_multimap<std::string, std::size_t> byReference_;
    std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> windows_;
};

} // namespace notifysim

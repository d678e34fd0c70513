#include "Store.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace notifysim {

std::string nowIso() { return Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%FZ"); }

Poco::JSON::Object::Ptr toJson(const Notification& n, const std::string& root) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", n.id);
    o->set("reference", n.reference ? Poco::Dynamic::Var(*n.reference) : Poco::Dynamic::Var());
    o->set("type", n.type);
    o->set("email_address", n.type == "email" ? Poco::Dynamic::Var(n.to) : Poco::Dynamic::Var());
    o->set("phone_number", n.type == "sms" ? Poco::Dynamic::Var(n.to) : Poco::Dynamic::Var());
    o->set("status", n.status);
    Poco::JSON::Object::Ptr tpl = new Poco::JSON::Object;
    tpl->set("id", n.templateId);
    tpl->set("version", n.templateVersion);
    tpl->set("uri", root + "/v2/template/" + n.templateId + "/version/" + std::to_string(n.templateVersion));
    o->set("template", tpl);
    o->set("body", n.body);
    o->set("subject", n.type == "email" ? Poco::Dynamic::Var(n.subject) : Poco::Dynamic::Var());
    o->set("created_at", n.createdAt);
    o->set("created_by_name", Poco::Dynamic::Var());
    o->set("sent_at", n.sentAt.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(n.sentAt));
    o->set("completed_at", n.completedAt.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(n.completedAt));
    o->set("scheduled_for", Poco::Dynamic::Var());
    return o;
}

void Store::add(const Notification& n) {
    std::lock_guard lock(mutex_);
    byId_[n.id] = log_.size();
    if (n.reference) byReference_.emplace(*n.reference, log_.size());
    log_.push_back(n);
}

std::optional<Notification> Store::byId(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = byId_.find(id);
    if (it == byId_.end()) return std::nullopt;
    return log_[it->second];
}

std::vector<Notification> Store::byReference(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    std::vector<std::size_t> at;
    const auto [from, to] = byReference_.equal_range(reference);
    for (auto it = from; it != to; ++it)
        at.push_back(it->second);
    std::sort(at.rbegin(), at.rend());
    std::vector<Notification> out;
    for (auto i : at)
        out.push_back(log_[i]);
    return out;
}

std::vector<Notification> Store::all() const {
    std::lock_guard lock(mutex_);
    return log_;
}

std::optional<Notification> Store::finish(const std::string& id, const std::string& status) {
    std::lock_guard lock(mutex_);
    const auto it = byId_.find(id);
    if (it == byId_.end()) return std::nullopt;
    auto& n = log_[it->second];
    n.status = status;
    n.sentAt = n.sentAt.empty() ? nowIso() : n.sentAt;
    n.completedAt = nowIso();
    return n;
}

void Store::clear() {
    std::lock_guard lock(mutex_);
    log_.clear();
    byId_.clear();
    byReference_.clear();
    windows_.clear();
}

bool Store::admit(const std::string& serviceId, int perMinute) {
    if (perMinute <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto& window = windows_[serviceId];
    while (!window.empty() && now - window.front() >= std::chrono::seconds(60))
        window.pop_front();
    if (window.size() >= static_cast<std::size_t>(perMinute)) return false;
    window.push_back(now);
    return true;
}

} // namespace notifysim

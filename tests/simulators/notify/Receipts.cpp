#include "Receipts.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <sstream>

namespace notifysim {

Receipts::Receipts(Store& store, ReceiptOptions options, unsigned seed)
    : store_(store), options_(std::move(options)), random_(seed), thread_([this] { run(); }) {}

Receipts::~Receipts() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Receipts::schedule(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        queue_.push({std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.delayMs), id, 0, {}});
    }
    wake_.notify_all();
}

void Receipts::run() {
    static const char* failures[] = {"permanent-failure", "temporary-failure", "technical-failure"};
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        if (const auto at = queue_.top().at; std::chrono::steady_clock::now() < at) {
            wake_.wait_until(lock, at);
            continue;
        }
        Due due = queue_.top();
        queue_.pop();
        if (due.status.empty())
            due.status = std::uniform_real_distribution<>(0, 1)(random_) < options_.failureRate
                             ? failures[std::uniform_int_distribution<>(0, 2)(random_)]
                             : "delivered";
        lock.unlock();
        std::optional<Notification> n = due.attempt == 0 ? store_.finish(due.id, due.status) : store_.byId(due.id);
        const bool posted = !n || options_.callbackUrl.empty() || post(*n);
        lock.lock();
        if (!posted && due.attempt < 5) {
            due.attempt++;
            due.at = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.delayMs * 5);
            queue_.push(due);
        }
    }
}

bool Receipts::post(const Notification& n) {
    Poco::JSON::Object body;
    body.set("id", n.id);
    body.set("reference", n.reference ? Poco::Dynamic::Var(*n.reference) : Poco::Dynamic::Var());
    body.set("to", n.to);
    body.set("status", n.status);
    body.set("created_at", n.createdAt);
    body.set("completed_at", n.completedAt);
    body.set("sent_at", n.sentAt);
    body.set("notification_type", n.type);
    std::ostringstream text;
    body.stringify(text);
    try {
        const Poco::URI uri(options_.callbackUrl);
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.set("Authorization", "Bearer " + options_.callbackToken);
        request.setContentLength(static_cast<std::streamsize>(text.str().size()));
        session.sendRequest(request) << text.str();
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response).ignore(1 << 20);
        const bool ok = response.getStatus() / 100 == 2;
        (ok ? sent_ : failed_)++;
        return ok;
    } catch (const Poco::Exception&) {
        failed_++;
        return false;
    }
}

} // namespace notifysim

#include "Service.h"

#include "SimServer.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <random>
#include <sstream>

namespace nhsnotifysim {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr const char* kTokenPath = "/oauth2/token";
constexpr const char* kMessages = "/comms/v1/messages";
constexpr const char* kJsonApi = "application/vnd.api+json";

std::string stringify(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

std::string uuid() { return Poco::UUIDGenerator::defaultGenerator().createRandom().toString(); }

// NHS Notify's message ids are KSUIDs: 27 letters and digits.
std::string ksuid() {
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static std::mutex mutex;
    static std::mt19937 random{std::random_device{}()};
    std::lock_guard lock(mutex);
    std::string id;
    for (int i = 0; i < 27; ++i)
        id += alphabet[std::uniform_int_distribution<>(0, 61)(random)];
    return id;
}

// The API's error document: {"errors": [{id, code, links, status, title, detail, source: {pointer}}]}.
void error(HTTPServerResponse& response, int status, const std::string& code, const std::string& title,
           const std::string& detail, const std::string& pointer = {}) {
    Object::Ptr e = new Object;
    e->set("id", uuid());
    e->set("code", code);
    Object::Ptr links = new Object;
    links->set("about", "https://digital.nhs.uk/developer/api-catalogue/communications-manager");
    e->set("links", links);
    e->set("status", std::to_string(status));
    e->set("title", title);
    e->set("detail", detail);
    if (!pointer.empty()) {
        Object::Ptr source = new Object;
        source->set("pointer", pointer);
        e->set("source", source);
    }
    Array::Ptr errors = new Array;
    errors->add(e);
    Object::Ptr o = new Object;
    o->set("errors", errors);
    clinhub::sim::send(response, status, kJsonApi, stringify(o));
}

bool validNhsNumber(const std::string& n) {
    if (n.size() != 10 || !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    int sum = 0;
    for (std::size_t i = 0; i < 9; ++i)
        sum += (n[i] - '0') * static_cast<int>(10 - i);
    const int check = 11 - sum % 11;
    return check != 10 && (check == 11 ? 0 : check) == n[9] - '0';
}

struct Sha256 : Poco::SHA2Engine {
    Sha256() : Poco::SHA2Engine(SHA_256) {}
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
};

// A callback's body: {"data": [{type, attributes, links: {message}, meta: {idempotencyKey}}]}.
std::string callbackBody(const std::string& type, const Object::Ptr& attributes, const std::string& id) {
    Object::Ptr entry = new Object;
    entry->set("type", type);
    entry->set("attributes", attributes);
    Object::Ptr links = new Object;
    links->set("message", std::string("https://api.service.nhs.uk") + kMessages + "/" + id);
    entry->set("links", links);
    Object::Ptr meta = new Object;
    meta->set("idempotencyKey", uuid());
    entry->set("meta", meta);
    Array::Ptr data = new Array;
    data->add(entry);
    Object::Ptr body = new Object;
    body->set("data", data);
    return stringify(body);
}

// A routing plan as messages and callbacks name it.
Object::Ptr routingPlanOf(const Plan& plan) {
    Object::Ptr rp = new Object;
    rp->set("id", plan.id);
    rp->set("name", plan.name);
    rp->set("version", "clinhubSimVersion1");
    rp->set("createdDate", "2024-01-01T00:00:00.000Z");
    return rp;
}

// The API's message document: a create's answer (`full` false: only what MessageCreated allows) or a get's
// (MessageResponse: the status as it is now, its description and code, the channels).
std::string messageDocument(const Message& m, const Plan& plan, const std::string& host, bool full) {
    Object::Ptr timestamps = new Object;
    timestamps->set("created", m.created);
    Object::Ptr attributes = new Object;
    attributes->set("messageReference", m.reference);
    attributes->set("messageStatus", full ? m.status : std::string("created"));
    attributes->set("timestamps", timestamps);
    attributes->set("routingPlan", routingPlanOf(plan));
    if (full) {
        if (!m.description.empty()) attributes->set("messageStatusDescription", m.description);
        if (!m.reasonCode.empty()) attributes->set("messageFailureReasonCode", m.reasonCode);
        Array::Ptr channels = new Array;
        for (std::size_t i = 0; i < m.channels.size(); ++i) {
            const Channel& c = m.channels[i];
            Object::Ptr ch = new Object;
            ch->set("type", c.type);
            ch->set("retryCount", 0);
            ch->set("cascadeType", "primary");
            ch->set("cascadeOrder", static_cast<int>(i + 1));
            ch->set("channelStatus", c.status);
            if (!c.description.empty()) ch->set("channelStatusDescription", c.description);
            if (!c.reasonCode.empty()) ch->set("channelFailureReasonCode", c.reasonCode);
            if (!c.supplierStatus.empty()) ch->set("supplierStatus", c.supplierStatus);
            Object::Ptr created = new Object;
            created->set("created", c.created);
            ch->set("timestamps", created);
            Object::Ptr rp = new Object;
            rp->set("id", plan.id);
            rp->set("type", "original");
            ch->set("routingPlan", rp);
            channels->add(ch);
        }
        attributes->set("channels", channels);
    }
    Object::Ptr links = new Object;
    links->set("self", "http://" + host + kMessages + "/" + m.id);
    Object::Ptr data = new Object;
    data->set("type", "Message");
    data->set("id", m.id);
    data->set("attributes", attributes);
    data->set("links", links);
    Object::Ptr body = new Object;
    body->set("data", data);
    return stringify(body);
}

Object::Ptr objectAt(const Object::Ptr& o, const std::string& name) {
    try {
        return o ? o->getObject(name) : nullptr;
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::string textAt(const Object::Ptr& o, const std::string& name) {
    if (!o || !o->has(name) || o->isNull(name)) return {};
    const auto v = o->get(name);
    return v.isString() ? v.extract<std::string>() : std::string();
}

} // namespace

Service::Service(Plans plans, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, immsim::TokenSettings tokens,
                 CallbackOptions callbacks, double rate429, unsigned seed, clinhub::sim::Faults& faults)
    : plans_(std::move(plans)), clients_{plans_.clients, {}}, auth_(clients_, std::move(publicKey), tokens),
      callbacks_(std::move(callbacks)), faults_(faults), random_(seed), rate429_(rate429), thread_([this] { run(); }) {}

Service::~Service() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool Service::rate429() {
    std::lock_guard lock(mutex_);
    return rate429_ > 0 && std::uniform_real_distribution<>(0, 1)(random_) < rate429_;
}

std::int64_t Service::nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offsetMs_;
}

std::string Service::timestamp() const {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(nowMs() * 1000), "%Y-%m-%dT%H:%M:%S.%iZ");
}

void Service::schedule(const std::string& id, Step step, std::int64_t afterMs) {
    queue_.push({nowMs() + afterMs, id, step});
    wake_.notify_all();
}

void Service::serve(HTTPServerRequest& request, HTTPServerResponse& response) {
    const std::string path = Poco::URI(request.getURI()).getPath();
    if (request.getMethod() == "POST" && path == kTokenPath) {
        const auto issued = auth_.token(clinhub::sim::readBody(request), "http://" + request.getHost() + path);
        return clinhub::sim::send(response, issued.status, "application/json", issued.body);
    }
    {
        std::unique_lock lock(mutex_);
        if (next_ && path.rfind(kMessages, 0) == 0) {
            const Canned canned = *next_;
            next_.reset();
            lock.unlock();
            clinhub::sim::readBody(request);
            return clinhub::sim::send(response, canned.status, kJsonApi, canned.body);
        }
    }
    if (path.rfind(kMessages, 0) == 0 && auth_.bearer(request.get("Authorization", "")) == nullptr)
        return error(response, 401, "CM_DENIED", "Access denied",
                     "Access token missing, invalid or expired, or calling application not configured for this "
                     "operation.",
                     "Authorization");
    if (path.rfind(kMessages, 0) == 0 && faults_.error())
        return error(response, 500, "CM_INTERNAL_SERVER_ERROR", "Error processing request",
                     "There was an internal error whilst processing this request.");
    if (request.getMethod() == "POST" && path == kMessages && rate429()) {
        clinhub::sim::readBody(request);
        response.set("Retry-After", "1");
        return error(response, 429, "CM_QUOTA", "Too many requests",
                     "You have made too many requests. Re-send the request after the time (in seconds) specified "
                     "`Retry-After` header.");
    }
    if (request.getMethod() == "POST" && path == kMessages) return create(request, response);
    if (request.getMethod() == "GET" && path.rfind(std::string(kMessages) + "/", 0) == 0)
        return get(path.substr(std::string(kMessages).size() + 1), request, response);
    error(response, 404, "CM_NOT_FOUND", "Resource not found", "The resource at the requested URI was not found.");
}

void Service::create(HTTPServerRequest& request, HTTPServerResponse& response) {
    Object::Ptr document;
    try {
        document = Poco::JSON::Parser().parse(clinhub::sim::readBody(request)).extract<Object::Ptr>();
    } catch (const std::exception&) {
        return error(response, 400, "CM_INVALID_VALUE", "Invalid value", "The request body is not valid JSON.", "/");
    }
    const auto data = objectAt(document, "data");
    if (!data) return error(response, 400, "CM_MISSING_VALUE", "Missing property", "Missing value", "/data");
    if (textAt(data, "type") != "Message")
        return error(response, 400, "CM_INVALID_VALUE", "Invalid value", "Invalid value", "/data/type");
    const auto a = objectAt(data, "attributes");
    if (!a) return error(response, 400, "CM_MISSING_VALUE", "Missing property", "Missing value", "/data/attributes");
    const std::string planId = textAt(a, "routingPlanId");
    const std::string reference = textAt(a, "messageReference");
    const auto recipient = objectAt(a, "recipient");
    const std::string nhs = textAt(recipient, "nhsNumber");
    if (planId.empty())
        return error(response, 400, "CM_MISSING_VALUE", "Missing property",
                     "The property at the specified location "
                     "is required, but was not present in the request.",
                     "/data/attributes/routingPlanId");
    if (reference.empty())
        return error(response, 400, "CM_MISSING_VALUE", "Missing property",
                     "The property at the specified location "
                     "is required, but was not present in the request.",
                     "/data/attributes/messageReference");
    if (!validNhsNumber(nhs))
        return error(response, 400, "CM_INVALID_NHS_NUMBER", "Invalid nhs number",
                     "The value provided in this nhsNumber field is not a valid NHS number.",
                     "/data/attributes/recipient/nhsNumber");
    std::lock_guard lock(mutex_);
    const auto plan = plans_.plans.find(planId);
    if (plan == plans_.plans.end())
        return error(response, 404, "CM_NO_SUCH_ROUTING_PLAN", "No such routing plan",
                     "The routing plan specified either does not exist or is not in a usable state.",
                     "/data/attributes/routingPlanId");
    if (byReference_.count(reference) != 0) {
        ++duplicates_;
        return error(response, 422, "CM_DUPLICATE_REQUEST", "Duplicate message request",
                     "Request exists with identical messageReference", "/data/attributes/messageReference");
    }
    Message m;
    m.id = ksuid();
    m.reference = reference;
    m.planId = planId;
    m.nhsNumber = nhs;
    m.mobile = textAt(objectAt(recipient, "contactDetails"), "sms");
    if (const auto fields = objectAt(a, "personalisation"))
        for (const auto& name : fields->getNames())
            m.personalisation.push_back(name);
    m.created = timestamp();
    messages_[m.id] = m;
    byReference_[reference] = m.id;
    ++creates_;
    schedule(m.id, Step::enrich, callbacks_.stepMs);
    // The message is taken, but the client never hears so: it cannot tell whether it was.
    if (faults_.afterCommit()) throw clinhub::sim::DropConnection{};

    clinhub::sim::send(response, 201, kJsonApi, messageDocument(m, plan->second, request.getHost(), false));
}

void Service::get(const std::string& id, HTTPServerRequest& request, HTTPServerResponse& response) {
    std::lock_guard lock(mutex_);
    ++gets_;
    const auto it = messages_.find(id);
    if (it == messages_.end())
        return error(response, 404, "CM_NOT_FOUND", "Resource not found",
                     "The resource at the requested URI was not found.");
    const Message& m = it->second;
    clinhub::sim::send(response, 200, kJsonApi, messageDocument(m, plans_.plans.at(m.planId), request.getHost(), true));
}

// ---- The message's life, on the simulator's clock ---------------------------------------------------------

void Service::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const std::int64_t wait = queue_.top().atMs - nowMs();
        if (wait > 0) {
            wake_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(wait, 1000)));
            continue;
        }
        const Due due = queue_.top();
        queue_.pop();
        std::vector<Callback> out;
        if (const auto it = messages_.find(due.id); it != messages_.end()) apply(it->second, due.step, out);
        lock.unlock();
        for (const auto& c : out)
            post(c);
        lock.lock();
    }
}

void Service::apply(Message& m, Step step, std::vector<Callback>& out) {
    switch (step) {
    case Step::enrich: {
        const auto patient = plans_.patients.find(m.nhsNumber);
        if (patient == plans_.patients.end()) {
            // As the API's own sandbox answers for an NHS number PDS does not hold.
            m.description = "Failed reason: NHS number not found";
            m.reasonCode = "MFR_PDSV_0004";
            return finish(m, "failed", out);
        }
        const Plan& plan = plans_.plans.at(m.planId);
        for (const auto& field : plan.personalisation)
            if (std::find(m.personalisation.begin(), m.personalisation.end(), field) == m.personalisation.end()) {
                m.description = "Failed reason: personalisation field " + field + " is missing (simulated)";
                m.reasonCode = "SIM_PERSONALISATION_MISSING";
                return finish(m, "failed", out);
            }
        m.status = "sending";
        for (const auto& type : plan.channels) {
            Channel c;
            c.type = type;
            c.created = timestamp();
            m.channels.push_back(c);
        }
        m.current = 0;
        return startChannel(m, out);
    }
    case Step::nhsAppRead: {
        Channel& c = m.channels[m.current];
        if (c.type != "nhsapp" || c.status != "sending") return;
        c.status = "delivered";
        c.supplierStatus = "read";
        out.push_back(channelCallback(m, c));
        return finish(m, "delivered", out);
    }
    case Step::nhsAppWaitOver: {
        Channel& c = m.channels[m.current];
        if (c.type != "nhsapp" || c.status != "sending") return;
        c.status = "failed";
        c.supplierStatus = "unnotified";
        c.description = "Failed reason: not read within the routing plan's wait (simulated)";
        c.reasonCode = "SIM_NHSAPP_UNREAD";
        out.push_back(channelCallback(m, c));
        return nextChannel(m, out);
    }
    case Step::smsDelivered: {
        Channel& c = m.channels[m.current];
        if (c.type != "sms" || c.status != "sending") return;
        c.status = "delivered";
        c.supplierStatus = "delivered";
        out.push_back(channelCallback(m, c));
        return finish(m, "delivered", out);
    }
    }
}

void Service::startChannel(Message& m, std::vector<Callback>& out) {
    Channel& c = m.channels[m.current];
    const Patient& patient = plans_.patients.at(m.nhsNumber);
    if (c.type == "nhsapp") {
        if (patient.app == NhsApp::none) {
            c.status = "failed";
            c.description = "Failed reason: recipient is not registered for the NHS App (simulated)";
            c.reasonCode = "SIM_NHSAPP_NOT_REGISTERED";
            out.push_back(channelCallback(m, c));
            return nextChannel(m, out);
        }
        sent_[m.reference]["nhsapp"]++;
        c.status = "sending";
        c.supplierStatus = "delivered"; // in the patient's inbox, not yet read
        out.push_back(channelCallback(m, c));
        if (patient.app == NhsApp::reads) schedule(m.id, Step::nhsAppRead, callbacks_.readDelayMs);
        schedule(m.id, Step::nhsAppWaitOver, std::int64_t{plans_.plans.at(m.planId).nhsAppWaitSeconds} * 1000);
        return;
    }
    if (c.type == "sms") {
        if (m.mobile.empty() && patient.mobile.empty()) {
            c.status = "failed";
            c.description = "Failed reason: Contact detail is missing";
            c.reasonCode = "SIM_NO_MOBILE";
            out.push_back(channelCallback(m, c));
            return nextChannel(m, out);
        }
        sent_[m.reference]["sms"]++;
        c.status = "sending";
        c.supplierStatus = "received";
        out.push_back(channelCallback(m, c));
        schedule(m.id, Step::smsDelivered, callbacks_.stepMs);
        return;
    }
    c.status = "failed"; // email and letter: not simulated
    c.description = "Failed reason: channel not simulated";
    out.push_back(channelCallback(m, c));
    nextChannel(m, out);
}

void Service::nextChannel(Message& m, std::vector<Callback>& out) {
    if (m.current + 1 >= m.channels.size()) {
        m.description = "Failed reason: every channel of the routing plan failed";
        return finish(m, "failed", out);
    }
    ++m.current;
    startChannel(m, out);
}

void Service::finish(Message& m, const std::string& status, std::vector<Callback>& out) {
    m.status = status;
    for (std::size_t i = m.current + 1; i < m.channels.size(); ++i)
        if (m.channels[i].status == "created") m.channels[i].status = "skipped";
    out.push_back(messageCallback(m));
}

Service::Callback Service::channelCallback(const Message& m, const Channel& c) const {
    Object::Ptr a = new Object;
    a->set("messageId", m.id);
    a->set("messageReference", m.reference);
    a->set("cascadeType", "primary");
    a->set("cascadeOrder", static_cast<int>(m.current + 1));
    a->set("channel", c.type);
    a->set("channelStatus", c.status);
    if (!c.description.empty()) a->set("channelStatusDescription", c.description);
    if (!c.reasonCode.empty()) a->set("channelFailureReasonCode", c.reasonCode);
    if (!c.supplierStatus.empty()) a->set("supplierStatus", c.supplierStatus);
    a->set("timestamp", timestamp());
    a->set("retryCount", 0);
    return {callbackBody("ChannelStatus", a, m.id)};
}

Service::Callback Service::messageCallback(const Message& m) const {
    const Plan& plan = plans_.plans.at(m.planId);
    Object::Ptr a = new Object;
    a->set("messageId", m.id);
    a->set("messageReference", m.reference);
    a->set("messageStatus", m.status);
    if (!m.description.empty()) a->set("messageStatusDescription", m.description);
    if (!m.reasonCode.empty()) a->set("messageFailureReasonCode", m.reasonCode);
    Array::Ptr channels = new Array;
    for (const auto& c : m.channels)
        if (c.status == "delivered" || c.status == "failed") {
            Object::Ptr ch = new Object;
            ch->set("type", c.type);
            ch->set("channelStatus", c.status);
            channels->add(ch);
        }
    a->set("channels", channels);
    a->set("timestamp", timestamp());
    a->set("routingPlan", routingPlanOf(plan));
    return {callbackBody("MessageStatus", a, m.id)};
}

// One callback, retried a few times if not taken (NHS Notify retries for two hours).
void Service::post(const Callback& c) {
    if (callbacks_.url.empty()) return;
    Poco::HMACEngine<Sha256> hmac(callbacks_.applicationId + "." + callbacks_.apiKey);
    hmac.update(c.body);
    const std::string signature = Poco::DigestEngine::digestToHex(hmac.digest());
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            const Poco::URI uri(callbacks_.url);
            Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
            session.setTimeout(Poco::Timespan(5, 0));
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType(kJsonApi);
            request.set("x-api-key", callbacks_.apiKey);
            request.set("x-hmac-sha256-signature", signature);
            request.setContentLength(static_cast<std::streamsize>(c.body.size()));
            session.sendRequest(request) << c.body;
            Poco::Net::HTTPResponse response;
            session.receiveResponse(response).ignore(1 << 20);
            std::lock_guard lock(mutex_);
            if (response.getStatus() / 100 == 2) {
                ++callbacksPosted_;
                return;
            }
            ++callbacksRefused_;
        } catch (const Poco::Exception&) {
            std::lock_guard lock(mutex_);
            ++callbacksRefused_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// ---- Control --------------------------------------------------------------------------------------------

void Service::inspect(HTTPServerRequest& request, HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    const std::string& path = uri.getPath();
    const std::string& method = request.getMethod();
    const std::string body = clinhub::sim::readBody(request);
    auto ok = [&](const Object::Ptr& o) { clinhub::sim::send(response, 200, "application/json", stringify(o)); };
    try {
        if (path == "/_sim/stats" && method == "GET") {
            const auto c = auth_.counts();
            std::lock_guard lock(mutex_);
            Object::Ptr o = new Object;
            o->set("token_requests", c.tokenRequests);
            o->set("tokens_issued", c.tokensIssued);
            o->set("tokens_refused", c.tokensRefused);
            o->set("last_refusal", c.lastRefusal);
            o->set("bearer_refused", c.bearerRefused);
            o->set("creates", creates_);
            o->set("duplicates", duplicates_);
            o->set("gets", gets_);
            o->set("callbacks_posted", callbacksPosted_);
            o->set("callbacks_refused", callbacksRefused_);
            return ok(o);
        }
        if (path == "/_sim/sent" && method == "GET") {
            std::lock_guard lock(mutex_);
            Object::Ptr totals = new Object;
            Object::Ptr byReference = new Object;
            std::map<std::string, int> sums;
            for (const auto& [reference, channels] : sent_) {
                Object::Ptr one = new Object;
                for (const auto& [channel, n] : channels) {
                    one->set(channel, n);
                    sums[channel] += n;
                }
                byReference->set(reference, one);
            }
            for (const auto& [channel, n] : sums)
                totals->set(channel, n);
            Object::Ptr o = new Object;
            o->set("channels", totals);
            o->set("by_reference", byReference);
            return ok(o);
        }
        if (path == "/_sim/advance" && method == "POST") {
            long long seconds = 0;
            for (const auto& [name, value] : uri.getQueryParameters())
                if (name == "seconds") seconds = std::stoll(value);
            if (seconds < 0) throw std::invalid_argument("seconds must not be negative");
            std::lock_guard lock(mutex_);
            offsetMs_ += seconds * 1000;
            wake_.notify_all();
            Object::Ptr o = new Object;
            o->set("offset_s", offsetMs_ / 1000);
            return ok(o);
        }
        if (path == "/_sim/settings" && method == "POST") {
            const auto o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
            std::lock_guard lock(mutex_);
            if (o->has("rate_429")) rate429_ = o->getValue<double>("rate_429");
            return ok(new Object);
        }
        if (path == "/_sim/revoke" && method == "POST") {
            auth_.revokeAll();
            return ok(new Object);
        }
        if (path == "/_sim/next" && method == "POST") {
            const auto o = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
            std::lock_guard lock(mutex_);
            next_ = Canned{o->getValue<int>("status"), o->getValue<std::string>("body")};
            return ok(new Object);
        }
    } catch (const std::exception& e) {
        return clinhub::sim::send(response, 400, "text/plain", std::string(e.what()) + "\n");
    }
    clinhub::sim::send(response, 404, "text/plain", "no such control path\n");
}

} // namespace nhsnotifysim

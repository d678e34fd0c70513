// NHS Notify's Communications Manager API as the nhs-notify connector meets it, with the shapes of its
// OpenAPI description (NHSDigital/communications-manager-api, specification/):
//   POST /oauth2/token                the API platform's signed-JWT client credentials (immunisation_sim's Auth)
//   POST /comms/v1/messages           create a message: 201 with data.id (a KSUID); 422 CM_DUPLICATE_REQUEST for a
//                                     messageReference already held (nothing is sent again); 404 for an unknown
//                                     routing plan; 400 for a malformed request; 401 without a live token
//   GET  /comms/v1/messages/{id}      the message, its status and its channels
// There is no look-up by messageReference, as in the real API.
//
// A created message moves on by the simulator's clock (real time plus whatever /_sim/advance added):
// after --step-ms it is enriched from the fixture (a number PDS does not know fails the message, as does a
// personalisation field the plan needs and the request lacks: the API checks them only then), then the
// routing plan's channels are tried in order. The NHS App: a patient not on the app fails it at once; one on
// the app has it delivered to the inbox, and read --read-delay-ms later if they read messages, or failed
// unread once the plan's wait has passed. SMS: sent to the patient's mobile and delivered --step-ms later.
// The message is delivered when a channel is, failed when the last channel fails. Each change is POSTed to
// --callback-url as NHS Notify's ChannelStatus / MessageStatus callbacks, with x-api-key and
// x-hmac-sha256-signature (HMAC-SHA256 of the body keyed "[APPLICATION_ID].[API_KEY]").
//
// Faults: --error-rate answers 500; --rate-429 refuses that fraction of creates with 429 CM_QUOTA (nothing
// created); --after-commit-rate creates the message and drops the connection unanswered; --latency-ms longer
// than the client's timeout is a timeout; the next API answer can be canned (POST /_sim/next {"status": 400,
// "body": "..."}).
//
// Control (besides /_sim/faults): GET /_sim/stats, POST /_sim/revoke, POST /_sim/next, POST /_sim/settings
// {"rate_429": P}, POST
// /_sim/advance?seconds=N (moves the clock on, running what falls due), GET /_sim/sent (what went out on
// each channel, in all and per messageReference).
#pragma once

#include "Auth.h"
#include "Faults.h"
#include "Plans.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace nhsnotifysim {

struct CallbackOptions {
    std::string url; // none: statuses still move on
    std::string apiKey;
    std::string applicationId;
    int stepMs = 100;
    int readDelayMs = 200;
};

struct Channel {
    std::string type;
    std::string status = "created"; // created, sending, delivered, failed, skipped
    std::string supplierStatus;
    std::string description;
    std::string reasonCode;
    std::string created;
};

struct Message {
    std::string id;
    std::string reference;
    std::string planId;
    std::string nhsNumber;
    std::string mobile;                       // contactDetails.sms, when given
    std::vector<std::string> personalisation; // the field names given
    std::string status = "created";
    std::string description;
    std::string reasonCode;
    std::string created;
    std::vector<Channel> channels;
    std::size_t current = 0; // the channel being tried
};

class Service {
public:
    Service(Plans plans, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, immsim::TokenSettings tokens,
            CallbackOptions callbacks, double rate429, unsigned seed, clinhub::sim::Faults& faults);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    enum class Step { enrich, nhsAppRead, nhsAppWaitOver, smsDelivered };
    struct Due {
        std::int64_t atMs; // on the simulator's clock
        std::string id;
        Step step;
        bool operator>(const Due& o) const { return atMs > o.atMs; }
    };
    struct Callback {
        std::string body;
    };

    void create(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void get(const std::string& id, Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    bool rate429();             // whether this create is refused with 429 (--rate-429)
    std::int64_t nowMs() const; // the simulator's clock, ms since the epoch; mutex_ held
    std::string timestamp() const;
    void schedule(const std::string& id, Step step, std::int64_t afterMs);
    void run();
    void apply(Message& m, Step step, std::vector<Callback>& out);
    void startChannel(Message& m, std::vector<Callback>& out);
    void nextChannel(Message& m, std::vector<Callback>& out);
    void finish(Message& m, const std::string& status, std::vector<Callback>& out);
    Callback channelCallback(const Message& m, const Channel& c) const;
    Callback messageCallback(const Message& m) const;
    void post(const Callback& c);

    Plans plans_;
    immsim::Fixture clients_; // what Auth reads (it keeps a reference)
    immsim::Auth auth_;
    CallbackOptions callbacks_;
    clinhub::sim::Faults& faults_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::int64_t offsetMs_ = 0;
    std::map<std::string, Message> messages_;                // by id
    std::map<std::string, std::string> byReference_;         // messageReference -> id
    std::map<std::string, std::map<std::string, int>> sent_; // reference -> channel -> times sent
    std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
    struct Canned {
        int status;
        std::string body;
    };
    std::optional<Canned> next_;
    std::mt19937 random_;
    double rate429_ = 0;
    int creates_ = 0, duplicates_ = 0, gets_ = 0, callbacksPosted_ = 0, callbacksRefused_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace nhsnotifysim

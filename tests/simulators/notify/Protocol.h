// GOV.UK Notify's REST API v2 as notify_sim serves it:
//   POST /v2/notifications/sms     {phone_number, template_id, personalisation?, reference?, sms_sender_id?}
//   POST /v2/notifications/email   {email_address, template_id, personalisation?, reference?, email_reply_to_id?}
//   GET  /v2/notifications?reference=R[&template_type=sms|email][&status=S]   newest first
//   GET  /v2/notifications/{id}
// and for tests (never part of Notify):
//   GET    /_sim/notifications         every accepted notification, in order: [{id, reference, type, to,
//                                      template_id, personalisation, body, subject, status}]
//   GET    /_sim/notifications/count   {count, distinct_references, duplicated_references}
//   DELETE /_sim/notifications         forget them all (and the rate-limit windows)
//   GET    /_sim/stats                 counts of answers by kind, receipts sent and failed
#pragma once

#include "Fixture.h"
#include "Receipts.h"
#include "SimServer.h"
#include "Store.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>

namespace notifysim {

struct ProtocolOptions {
    int rateLimitPerMinute = 3000; // 0: no limit
    double rate429 = 0;            // fraction of sends answered 429 TooManyRequestsError
    int clockSkewS = 0;            // the sim's clock runs this far ahead of the system's
};

class Protocol {
public:
    Protocol(const Fixture& fixture, clinhub::sim::Faults& faults, Store& store, Receipts& receipts,
             ProtocolOptions options, unsigned seed);

    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    void send(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              const std::string& serviceId, const std::string& type);
    void list(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void one(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, const std::string& id);
    bool roll(double rate);

    const Fixture& fixture_;
    clinhub::sim::Faults& faults_;
    Store& store_;
    Receipts& receipts_;
    ProtocolOptions options_;
    std::mutex randomMutex_;
    std::mt19937 random_;

    std::atomic<std::int64_t> requests_{0}, accepted_{0}, authRefused_{0}, rateLimited_{0}, tooMany_{0},
        serverErrors_{0}, invalid_{0};
};

} // namespace notifysim

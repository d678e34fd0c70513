// A generic JSON SMS gateway, the kind of provider the http-sms connector is configured for:
//
//   POST /messages            X-Api-Key: <key from the fixture>
//                             {"to": "+447700900123", "text": "...", "client_ref": "..."}
//     201 {"messages":[{"id":"msg-000001","status":"accepted","client_ref":"..."}]}
//     400 / 401 / 500 {"error":{"message":"..."}}
//   GET /messages?client_ref=R {"messages":[{"id","status","client_ref"}, ...]}   (empty list when none)
//
// Inspection (never part of the protocol):
//   GET  /_sim/messages        every accepted message, in order: {"messages":[{id,to,text,client_ref,status}]}
//   POST /_sim/status          {"id": "...", "status": "delivered"}: what later lookups report
//
// Faults: error → 500, malformed → a 201 whose body is not JSON, after-commit → the message is accepted and
// the connection dropped unanswered. Latency and drops come from SimServer.
#pragma once

#include "Faults.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace smsgw {

struct Message {
    std::string id;
    std::string to;
    std::string text;
    std::string clientRef;
    std::string status = "accepted";
};

class Gateway {
public:
    Gateway(const std::string& fixtureFile, clinhub::sim::Faults& faults);

    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    void accept(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void find(const std::string& clientRef, Poco::Net::HTTPServerResponse& response);

    clinhub::sim::Faults& faults_;
    std::set<std::string> keys_;
    std::mutex mutex_;
    std::vector<Message> messages_;
};

} // namespace smsgw

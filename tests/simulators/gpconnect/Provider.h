// The simulated GP Connect provider behind the Spine Security Proxy: routes each FHIR request, checks the
// Spine headers and JWT, applies the faults in GP Connect's own way, and keeps a log of what it was asked.
//
// Faults, per request: error = 500 INTERNAL_SERVER_ERROR before any work; malformed = the reply body cut
// in half (after the work, for writes); after-commit = the write is done, then the connection is dropped
// or a 500 sent (alternately); steal = on POST /Appointment, someone else books the slot just before.
#pragma once

#include "Book.h"
#include "Faults.h"
#include "Fhir.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gpcsim {

using Params = std::vector<std::pair<std::string, std::string>>;

// One protocol request, as routed.
struct Call {
    std::string method;
    std::vector<std::string> segments; // the path split on '/', after any SSP prefix
    Params params;
    std::string audience; // the endpoint the consumer addressed: the JWT aud must be this
    std::string body;
    int status = 0;    // of the answer, for the log; 0 when the connection was dropped
    std::string fault; // the fault injected into it, if any

    [[nodiscard]] std::vector<std::string> values(const std::string& name) const;
};

class Provider {
public:
    Provider(Book book, clinhub::sim::Faults& faults);

    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    struct Canned {
        int status = 200;
        std::string contentType;
        std::string body;
        std::string method; // empty: the next request whatever its method
    };
    struct LogEntry {
        std::string method;
        std::string path;
        std::string interaction;
        int status = 0;
        std::string fault;
    };

    void dispatch(Call& c, Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    // Routes, each answering through reply() or fail().
    void searchSlots(Call& c, Poco::Net::HTTPServerResponse& response);
    void searchPatients(Call& c, Poco::Net::HTTPServerResponse& response);
    void patientAppointments(Call& c, const std::string& patientId, Poco::Net::HTTPServerResponse& response);
    void createAppointment(Call& c, Poco::Net::HTTPServerResponse& response);
    void readAppointment(Call& c, const std::string& id, Poco::Net::HTTPServerResponse& response);
    void updateAppointment(Call& c, const std::string& id, const std::string& interaction, const std::string& ifMatch,
                           Poco::Net::HTTPServerResponse& response);
    void createObservation(Call& c, const std::string& ifNoneExist, Poco::Net::HTTPServerResponse& response);

    void reply(Call& c, Poco::Net::HTTPServerResponse& response, int status, const std::string& body,
               bool committed = false);
    void fail(Call& c, Poco::Net::HTTPServerResponse& response, const FhirError& error);
    // After a write is done: maybe fail to answer it (drop or 500), as the after-commit fault says.
    void afterCommit(Call& c, Poco::Net::HTTPServerResponse& response);

    [[nodiscard]] Object::Ptr slotResource(const SlotRecord& slot) const;
    [[nodiscard]] Object::Ptr patientResource(const PatientRecord& p) const;
    [[nodiscard]] Object::Ptr bundle(const std::vector<Object::Ptr>& resources, const std::string& base) const;

    std::mutex mutex_; // one request at a time changes or reads the book
    Book book_;
    clinhub::sim::Faults& faults_;
    std::deque<Canned> canned_;
    std::vector<LogEntry> log_;
    unsigned afterCommits_ = 0;
};

} // namespace gpcsim

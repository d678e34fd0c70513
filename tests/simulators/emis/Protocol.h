// The EMIS Partner API as emis_sim serves it on POST /emis/partnerapi, with its faults and its /_sim/
// inspection paths:
//
//   GET  /_sim/appointments       every booked slot, as JSON (stolen ones marked)
//   GET  /_sim/records            every coded entry filed
//   GET  /_sim/calls              how many requests each call has had
//   POST /_sim/expire-sessions    forget every logon session, as an EMIS restart would
//   POST /_sim/steal?slot=ID      book a slot at reception, behind the API's back
//   POST /_sim/canned?call=NAME[&status=200][&times=1]   answer the next `times` NAME calls with the
//                                 request body, verbatim, without doing the work
#pragma once

#include "Diary.h"
#include "Soap.h"

#include "SimServer.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace emissim {

class Protocol {
public:
    Protocol(Diary& diary, clinhub::sim::Faults& faults, std::chrono::seconds sessionTtl, unsigned seed);

    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
    void inspect(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

private:
    struct Canned {
        int status = 200;
        int times = 0;
        std::string body;
    };

    // Runs one call against the diary: the reply envelope, or Refusal.
    std::string execute(const Call& call, bool& wrote);
    void requireSession(const pugi::xml_node& call);
    std::string logon(const pugi::xml_node& call);
    std::string appointmentSessions(const pugi::xml_node& call);
    std::string slotsForSession(const pugi::xml_node& call);
    std::string matchedPatient(const pugi::xml_node& call);
    std::string patientAppointments(const pugi::xml_node& call);
    std::string bookAppointment(const pugi::xml_node& call);
    std::string cancelAppointment(const pugi::xml_node& call);
    std::string fileRecord(const pugi::xml_node& call);

    std::string sessionXml(const Session& s) const;
    std::string slotXml(const Slot& s) const;
    std::string appointmentXml(const Slot& s) const;
    std::string siteXml(long site) const;
    std::string holdersXml(const Session& s) const;

    Diary& diary_;
    clinhub::sim::Faults& faults_;
    std::chrono::seconds sessionTtl_;

    std::mutex mutex_; // guards everything below; the diary has its own
    std::mt19937 random_;
    std::map<std::string, std::chrono::steady_clock::time_point> sessions_;
    std::map<std::string, int> calls_;
    std::map<std::string, Canned> canned_;
    int afterCommits_ = 0;
};

} // namespace emissim

// The Partner API's transport: each call is a SOAP envelope POSTed to one endpoint, its body element
// naming the call, carrying the logon session, answered by <CallResponse> with <Outcome> (1 is success)
// and an <ErrorMessage> otherwise. The client logs on when it has no session, and when EMIS answers
// "Session expired" logs on again once and resends: that answer means the call was not carried out.
#pragma once

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/plugin.hpp>

#include "Config.h"

#include <pugixml.hpp>

#include <mutex>
#include <string>

namespace emisxml {

inline constexpr const char* kNamespace = "http://www.e-mis.com/emisopen/MedicalRecord";

struct Reply {
    pugi::xml_document doc;
    pugi::xml_node body;   // the <CallResponse> element, once answered with outcome 1
    bool sent = false;     // the call itself went out (not just its logon): it may have been carried out
    bool answered = false; // EMIS said what became of the call: done (outcome 1) or refused (error)
    std::string error;     // the ErrorMessage of a refused call
};

class Client {
public:
    Client(const Config& config, const clinhub::Host& host);

    // ok when EMIS answered outcome 1. Otherwise:
    // - refused by EMIS (reply.answered, reply.error set): permanent, quoting the error; callers map the
    //   texts that mean more (a taken slot);
    // - a timeout, dropped connection or 5xx: retryable, and nobody knows whether the call was carried out;
    // - a reply that is not XML or not the call's response: permanent, quoting what was wrong; not known
    //   either.
    // `params` are the call's parameter elements, escaped. A call that changes the record goes `once`:
    // on a connection of its own, which libcurl never silently resends on, so whether it is sent again
    // is for the connector to decide.
    enum class Repeat { safe, once };
    clinhub::Result call(const std::string& name, const std::string& params, Reply& reply,
                         Repeat repeat = Repeat::safe);

private:
    clinhub::Result exchange(const std::string& name, const std::string& params, Reply& reply, Repeat repeat);
    clinhub::Result session(std::string& id);
    void expire(const std::string& id);

    const Config& config_;
    clinhub::Host host_;
    clinhub::kit::HttpClient http_;
    std::mutex sessionMutex_; // held across a logon, so concurrent calls log on once
    std::string session_;
};

// <name>escaped text</name>
std::string param(const char* name, const std::string& text);

} // namespace emisxml

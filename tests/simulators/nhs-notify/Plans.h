// What nhs_notify_sim knows, from its --fixture file: the API platform's registered applications (API key and
// key id, as immunisation_sim's), the routing plans (channels in cascade order, how long the NHS App channel
// waits to be read) and the patients PDS and the NHS App know of.
#pragma once

#include "Fixture.h" // immunisation_sim's: immsim::Client

#include <map>
#include <string>
#include <vector>

namespace nhsnotifysim {

struct Plan {
    std::string id;
    std::string name;
    std::vector<std::string> channels;        // "nhsapp", "sms", "email", "letter", in cascade order
    int nhsAppWaitSeconds = 86400;            // unread after this long: the NHS App channel fails, the next is tried
    std::vector<std::string> personalisation; // the fields its templates need; one missing fails the message
};

enum class NhsApp { reads, neverReads, none };

struct Patient {
    std::string nhsNumber;
    NhsApp app = NhsApp::none;
    std::string mobile; // from PDS; empty: none
};

struct Plans {
    std::vector<immsim::Client> clients;
    std::map<std::string, Plan> plans;       // by id
    std::map<std::string, Patient> patients; // by NHS number; a valid number not here is unknown to PDS

    static Plans load(const std::string& file);
};

} // namespace nhsnotifysim

// A vaccination cohort member as the hub keeps it: who they are, the label the records gave them, and
// what happened to them since (their activity log).
#pragma once

#include "hub/config/Config.h"
#include "hub/links/Link.h"

#include <cstdint>
#include <string>
#include <vector>

namespace clinhub::cohorts {

struct CohortEvent {
    int64_t at = 0;
    std::string event; // uploaded, checked, check_failed, invited, not_invited, booked, cancelled, declined, ...
    std::string detail;
};

// Who a cohort list says a member is, as an upload writes it.
struct Contact {
    links::PatientDetails patient;
    std::string email;
    std::string schoolUrn;
};

struct Member {
    std::string id; // "mbr_…"
    std::string organisation;
    std::string campaign;
    links::PatientDetails patient; // mobile empty when there is no valid UK mobile
    std::string email;             // a parent's, for school-age programmes
    std::string schoolUrn;
    std::string status; // one of domain::cohortStatuses()
    int doses = 0;      // received, as the records said
    std::string dose1On;
    config::Code dose1Vaccine;
    int checkAttempts = 0;
    std::string checkError;
    std::string consent;             // given, refused, or "" for no response
    std::vector<CohortEvent> events; // filled by Cohorts::find()
};

} // namespace clinhub::cohorts

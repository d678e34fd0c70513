// Labelling cohort members from the national immunisation records: what the records say a patient has
// received of a campaign's target, and the label that gives them. Rules: docs/domain.md (Vaccination).
//
// The records say whether a dose was *received*; nothing here assumes a booking elsewhere. A patient the
// records could not be asked about gets no label, only the reason: no one is ever labelled from a guess.
#pragma once

#include "hub/domain/Vaccination.h"

#include <clinhub/plugin.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace clinhub::cohorts {

struct Label {
    bool ok = false;    // the records answered
    std::string status; // with ok: one of domain::cohortStatuses()
    domain::Course course;
    std::string error; // without ok: why not
};

// One patient to label. `reachable`: a valid UK mobile to text.
struct ToLabel {
    std::string nhsNumber;
    bool reachable = false;
};

class Labeller {
public:
    // `records` may be null (none routed): every label then fails saying so. The records connectors are
    // thread-safe, so one Labeller may ask from several threads.
    Labeller(ImmunisationRecords* records, std::string target, int dosesInCourse)
        : records_(records), target_(std::move(target)), dosesInCourse_(dosesInCourse) {}

    [[nodiscard]] Label label(const ToLabel& patient) const;

    // Labels every patient, in order, with kLookupsInFlight lookups in flight: against the live API each
    // takes tens of milliseconds, and one after another a cohort of thousands would take minutes. Once one
    // fails the rest are not asked (each would wait out its own timeout) and fail with the same reason.
    [[nodiscard]] std::vector<Label> labelAll(const std::vector<ToLabel>& patients) const;

    static constexpr std::size_t kLookupsInFlight = 8;

private:
    ImmunisationRecords* records_;
    std::string target_;
    int dosesInCourse_;
};

} // namespace clinhub::cohorts

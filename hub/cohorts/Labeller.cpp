#include "hub/cohorts/Labeller.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace clinhub::cohorts {

Label Labeller::label(const ToLabel& patient) const {
    Label l;
    if (records_ == nullptr) {
        l.error = "no immunisation records connector is routed";
        return l;
    }
    std::vector<Immunisation> doses;
    const Result r = records_->history(patient.nhsNumber, {target_}, doses);
    if (!r.ok()) {
        l.error = r.message.empty() ? "the immunisation records did not answer" : r.message;
        return l;
    }
    l.ok = true;
    l.course = domain::courseOf(doses, target_);
    l.status = std::string(domain::labelFor(l.course, dosesInCourse_, patient.reachable));
    return l;
}

std::vector<Label> Labeller::labelAll(const std::vector<ToLabel>& patients) const {
    std::vector<Label> labels(patients.size());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> recordsDown{false};
    std::mutex failure;
    std::string why;
    const auto worker = [&] {
        for (std::size_t i = next++; i < patients.size() && !recordsDown; i = next++) {
            labels[i] = label(patients[i]);
            if (!labels[i].ok) {
                const std::lock_guard lock(failure);
                if (why.empty()) why = labels[i].error;
                recordsDown = true;
            }
        }
    };
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 1; w < std::min(kLookupsInFlight, patients.size()); ++w)
            workers.emplace_back(worker);
        worker();
    }
    for (auto& l : labels)
        if (!l.ok && l.error.empty()) l.error = why; // never asked: the records were down
    return labels;
}

} // namespace clinhub::cohorts

#include "hub/domain/Vaccination.h"

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

namespace clinhub::domain {

namespace {

std::chrono::sys_days dayOf(const std::string& date) {
    const auto parsed = kit::parseDate(date);
    if (!parsed) throw std::invalid_argument("not a date YYYY-MM-DD: " + date);
    return std::chrono::sys_days(*parsed);
}

} // namespace

const std::vector<std::string_view>& cohortStatuses() {
    using namespace cohort;
    static const std::vector<std::string_view> all{
        pendingCheck,    awaitingResponse1, toManuallyBook1, awaiting2ndInvite, awaitingResponse2,
        toManuallyBook2, booked1,           booked2,         completed,         declined};
    return all;
}

Course courseOf(const std::vector<Immunisation>& doses, const std::string& target) {
    std::vector<const Immunisation*> mine;
    for (const auto& d : doses)
        if (d.target == target && kit::parseDate(d.occurredOn)) mine.push_back(&d);
    std::stable_sort(mine.begin(), mine.end(),
                     [](const Immunisation* a, const Immunisation* b) { return a->occurredOn < b->occurredOn; });
    Course course;
    std::set<std::string> days;
    for (const auto* d : mine)
        if (days.insert(d->occurredOn).second) ++course.received;
    if (!mine.empty()) course.first = *mine.front();
    return course;
}

std::string_view labelFor(const Course& course, int dosesInCourse, bool reachable) {
    if (course.received >= dosesInCourse) return cohort::completed;
    if (course.received == 0) return reachable ? cohort::awaitingResponse1 : cohort::toManuallyBook1;
    return cohort::awaiting2ndInvite;
}

std::string addDays(const std::string& date, int days) { return kit::isoDate(dayOf(date) + std::chrono::days{days}); }

std::string secondDoseDueOn(const std::string& firstDoseOn, int dueDays) { return addDays(firstDoseOn, dueDays); }

std::string weekOf(const std::string& date) {
    const auto day = dayOf(date);
    const unsigned fromMonday = (std::chrono::weekday(day).c_encoding() + 6) % 7;
    return kit::isoDate(day - std::chrono::days{fromMonday});
}

} // namespace clinhub::domain

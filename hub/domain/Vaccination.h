// The vaccination rules that need no store: how a cohort member is labelled from what the national
// records say, and when a 2nd-dose invite is due. Rules: docs/domain.md (Vaccination).
#pragma once

#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::domain {

// The labels staff filter a cohort by (accuBook's words, as API values).
namespace cohort {
inline constexpr std::string_view pendingCheck = "pending_check"; // the records could not be asked yet
inline constexpr std::string_view awaitingResponse1 = "awaiting_response_1st";
inline constexpr std::string_view toManuallyBook1 = "to_manually_book_1st";
inline constexpr std::string_view awaiting2ndInvite = "awaiting_2nd_invite";
inline constexpr std::string_view awaitingResponse2 = "awaiting_response_2nd";
inline constexpr std::string_view toManuallyBook2 = "to_manually_book_2nd";
inline constexpr std::string_view booked1 = "booked_1st";
inline constexpr std::string_view booked2 = "booked_2nd";
inline constexpr std::string_view completed = "completed";
inline constexpr std::string_view declined = "declined";
} // namespace cohort

// Every label, for checking a filter staff give.
const std::vector<std::string_view>& cohortStatuses();

// What the records say of one patient for one campaign: doses *received*. Nothing here can say whether a
// dose is booked elsewhere, and nothing pretends to.
struct Course {
    int received = 0;
    std::optional<Immunisation> first; // the earliest dose received
};

// The doses of `target`, counted once per date (a record repeated by two systems is one dose).
Course courseOf(const std::vector<Immunisation>& doses, const std::string& target);

// The label a member gets once the records have answered. `reachable`: a valid UK mobile to text.
std::string_view labelFor(const Course& course, int dosesInCourse, bool reachable);

// The first day a 2nd-dose invite is due: `dueDays` after dose 1 (56: the first day of the 9th week).
std::string secondDoseDueOn(const std::string& firstDoseOn, int dueDays);

// The Monday of the week a date falls in ("YYYY-MM-DD"): the weekly sub-filter of 2nd-dose invites.
std::string weekOf(const std::string& date);

// `date` plus `days`, both "YYYY-MM-DD".
std::string addDays(const std::string& date, int days);

} // namespace clinhub::domain

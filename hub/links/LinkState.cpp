#include "hub/links/LinkState.h"

#include <array>
#include <utility>

namespace clinhub::links {

namespace {

constexpr std::array<std::pair<LinkState, std::string_view>, 11> kWords{{
    {LinkState::sent, "sent"},
    {LinkState::accessed, "accessed"},
    {LinkState::booking, "booking"},
    {LinkState::booked, "booked"},
    {LinkState::rescheduled, "rescheduled"},
    {LinkState::declined, "declined"},
    {LinkState::expired, "expired"},
    {LinkState::deleted, "deleted"},
    {LinkState::failed, "failed"},
    {LinkState::locked, "locked"},
    {LinkState::cancelled, "cancelled"},
}};

} // namespace

std::string_view toString(LinkState state) {
    for (const auto& [s, word] : kWords)
        if (s == state) return word;
    return "unknown";
}

std::optional<LinkState> linkStateFrom(std::string_view word) {
    for (const auto& [s, w] : kWords)
        if (w == word) return s;
    return std::nullopt;
}

} // namespace clinhub::links

#include "hub/workflows/CallWindows.h"

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

namespace clinhub::workflows {

namespace {

constexpr int64_t kSecondsPerHour = 3'600;

struct Bounds {
    int64_t from = 0;
    int64_t to = 0;
    const config::CallWindow* window = nullptr;
};

// The rule's window holding `start`, with its instants that day; no window when none does. Taken through
// UK wall-clock time, so a window is 8am to midday on the days the clocks change too.
Bounds windowAt(const config::Rule& rule, int64_t start) {
    const auto day = kit::localDate(start, kit::Zone::europeLondon);
    for (const auto& window : rule.windows) {
        const Bounds bounds{kit::toEpoch(day, window.from, kit::Zone::europeLondon),
                            kit::toEpoch(day, window.to, kit::Zone::europeLondon), &window};
        if (start >= bounds.from && start < bounds.to) return bounds;
    }
    return {};
}

} // namespace

int64_t earliestCall(const config::Rule& rule, int64_t now) {
    const auto today = kit::localDate(now, kit::Zone::europeLondon);
    const int64_t tomorrow = kit::toEpoch(today + std::chrono::days{1}, 0, kit::Zone::europeLondon);
    return std::max(tomorrow, now + int64_t{rule.minNoticeHours} * kSecondsPerHour);
}

void keepOffered(const config::Rule& rule, int64_t now, std::vector<Slot>& slots) {
    if (rule.mode == config::AppointmentMode::faceToFace) {
        std::erase_if(slots, [](const Slot& slot) { return slot.telephone; });
        return;
    }
    const int64_t earliest = earliestCall(rule, now);
    std::erase_if(slots, [&](const Slot& slot) {
        return !slot.telephone || slot.start < earliest || windowAt(rule, slot.start).window == nullptr;
    });
}

std::vector<DayWindow> dayWindows(const config::Rule& rule, const std::vector<Slot>& slots) {
    std::map<int64_t, DayWindow> byStart; // windows never overlap: the opening instant names one
    for (const auto& slot : slots) {
        const Bounds bounds = windowAt(rule, slot.start);
        if (!bounds.window) continue;
        auto [found, added] = byStart.try_emplace(bounds.from);
        if (added)
            found->second = {kit::isoDate(kit::localDate(slot.start, kit::Zone::europeLondon)),
                             bounds.window->label,
                             bounds.from,
                             bounds.to,
                             {}};
        found->second.slots.push_back(slot.id);
    }
    std::vector<DayWindow> out;
    out.reserve(byStart.size());
    for (auto& entry : byStart)
        out.push_back(std::move(entry.second));
    return out;
}

std::string callWhenText(int64_t from, int64_t to) {
    return "between " + kit::ukTimeText(from) + " and " + kit::ukTimeText(to) + " on " + kit::ukDayText(from);
}

std::string windowText(const std::string& label, int64_t from, int64_t to) {
    std::string text = label;
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text + ", " + kit::ukTimeText(from) + " to " + kit::ukTimeText(to);
}

std::string windowText(const config::CallWindow& window) {
    // Any day the clocks do not change on reads the same.
    const auto day = std::chrono::sys_days{std::chrono::year{2000} / 1 / 3};
    return windowText(window.label, kit::toEpoch(day, window.from, kit::Zone::europeLondon),
                      kit::toEpoch(day, window.to, kit::Zone::europeLondon));
}

} // namespace clinhub::workflows

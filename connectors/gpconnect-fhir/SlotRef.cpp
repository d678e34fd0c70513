#include "SlotRef.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace gpconnect {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    size_t from = 0;
    for (;;) {
        const size_t at = text.find(sep, from);
        parts.push_back(text.substr(from, at - from));
        if (at == std::string::npos) return parts;
        from = at + 1;
    }
}

std::optional<int64_t> epoch(const std::string& text) {
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
        return {};
    return std::stoll(text);
}

} // namespace

bool fhirId(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-' || c == '.';
    });
}

std::string SlotRef::encode() const {
    std::string text = slotId + "~" + std::to_string(start) + "~" + std::to_string(end) + "~" + locationId;
    if (!practitionerId.empty()) text += "~" + practitionerId;
    return text;
}

std::optional<SlotRef> SlotRef::decode(const std::string& text) {
    const auto parts = split(text, '~');
    if (parts.size() != 4 && parts.size() != 5) return {};
    SlotRef ref;
    ref.slotId = parts[0];
    const auto start = epoch(parts[1]);
    const auto end = epoch(parts[2]);
    ref.locationId = parts[3];
    if (parts.size() == 5) ref.practitionerId = parts[4];
    if (!fhirId(ref.slotId) || !start || !end || *end <= *start || !fhirId(ref.locationId)) return {};
    if (parts.size() == 5 && !fhirId(ref.practitionerId)) return {};
    ref.start = *start;
    ref.end = *end;
    return ref;
}

} // namespace gpconnect

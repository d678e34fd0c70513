#include "Seed.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace localbook {

namespace {

class Reader {
public:
    explicit Reader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
        const YAML::Mark mark = at.Mark(); // yaml-cpp counts from 0; editors count from 1
        throw SeedError(path_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
                        message);
    }

    // yaml-cpp keeps duplicate keys and silently reads the first: a seed with two `start:` is a mistake.
    void requireMap(const YAML::Node& node, const std::string& what, const std::set<std::string>& allowed) const {
        if (!node.IsMap()) fail(node, what + " must be a mapping");
        std::map<std::string, YAML::Mark> seen;
        for (const auto& kv : node) {
            const auto key = kv.first.as<std::string>();
            if (!allowed.contains(key)) fail(kv.first, "unknown key '" + key + "' in " + what);
            if (auto [it, inserted] = seen.emplace(key, kv.first.Mark()); !inserted)
                fail(kv.first,
                     "duplicate key '" + key + "' (first at line " + std::to_string(it->second.line + 1) + ")");
        }
    }

    std::string text(const YAML::Node& parent, const char* key, bool required) const {
        const YAML::Node node = parent[key];
        if (!node) {
            if (required) fail(parent, std::string("missing '") + key + "'");
            return {};
        }
        if (!node.IsScalar()) fail(node, std::string("'") + key + "' must be a single value");
        return node.as<std::string>();
    }

    int minutes(const YAML::Node& parent, const char* key) const {
        const std::string value = text(parent, key, true);
        const auto parsed = parseTimeOfDay(value);
        if (!parsed) fail(parent[key], std::string("'") + key + "' must be a time of day HH:MM, not '" + value + "'");
        return *parsed;
    }

    clinhub::Immunisation immunisation(const YAML::Node& node) const {
        requireMap(node, "an immunisation", {"target", "vaccine_code", "vaccine_term", "date", "dose"});
        clinhub::Immunisation i;
        i.target = text(node, "target", true);
        if (i.target.empty()) fail(node["target"], "'target' must name a disease, such as COVID or FLU");
        i.vaccineCode = text(node, "vaccine_code", true);
        i.vaccineDisplay = text(node, "vaccine_term", false);
        i.occurredOn = text(node, "date", true);
        if (!parseDate(i.occurredOn)) fail(node["date"], "'date' must be a real date YYYY-MM-DD");
        try {
            i.doseNumber = node["dose"] ? node["dose"].as<int>() : 0;
        } catch (const YAML::Exception&) {
            fail(node["dose"], "'dose' must be a whole number");
        }
        return i;
    }

    SeedPatient patient(const YAML::Node& node) const {
        requireMap(node, "a patient", {"nhs_number", "date_of_birth", "mobile", "name", "immunisations"});
        SeedPatient p;
        p.nhsNumber = text(node, "nhs_number", true);
        p.nhsNumber.erase(std::remove(p.nhsNumber.begin(), p.nhsNumber.end(), ' '), p.nhsNumber.end());
        // Patient values stay out of messages: the error names the line, which is enough to find it.
        if (!validNhsNumber(p.nhsNumber)) fail(node["nhs_number"], "not a valid NHS number (modulus 11)");
        p.dateOfBirth = text(node, "date_of_birth", true);
        if (!parseDate(p.dateOfBirth)) fail(node["date_of_birth"], "date_of_birth must be a real date YYYY-MM-DD");
        if (node["mobile"]) {
            p.mobile = normaliseUkMobile(text(node, "mobile", false));
            if (p.mobile.empty()) fail(node["mobile"], "not a valid UK mobile number");
        }
        p.name = text(node, "name", false);
        if (const YAML::Node doses = node["immunisations"]) {
            if (!doses.IsSequence()) fail(doses, "'immunisations' must be a list");
            for (const auto& item : doses)
                p.immunisations.push_back(immunisation(item));
        }
        return p;
    }

    std::set<unsigned> weekdays(const YAML::Node& parent) const {
        static const std::map<std::string, unsigned> names{
            {"sun", 0},       {"mon", 1},      {"tue", 2},    {"wed", 3},     {"thu", 4},
            {"fri", 5},       {"sat", 6},      {"sunday", 0}, {"monday", 1},  {"tuesday", 2},
            {"wednesday", 3}, {"thursday", 4}, {"friday", 5}, {"saturday", 6}};
        const YAML::Node node = parent["weekdays"];
        if (!node) fail(parent, "missing 'weekdays'");
        if (!node.IsSequence() || node.size() == 0)
            fail(node, "'weekdays' must be a non-empty list such as [mon, wed]");
        std::set<unsigned> days;
        for (const auto& item : node) {
            std::string name = item.IsScalar() ? item.as<std::string>() : std::string();
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            const auto it = names.find(name);
            if (it == names.end())
                fail(item, "not a day of the week: '" + name + "' (use mon, tue, ... or monday, ...)");
            days.insert(it->second);
        }
        return days;
    }

    SlotTemplate slotTemplate(const YAML::Node& node) const {
        requireMap(node, "a slot template",
                   {"slot_type", "clinician", "location", "weekdays", "start", "end", "slot_minutes", "telephone"});
        SlotTemplate t;
        t.slotType = text(node, "slot_type", true);
        if (t.slotType.empty()) fail(node["slot_type"], "'slot_type' must not be empty");
        t.clinician = text(node, "clinician", false);
        t.location = text(node, "location", false);
        t.weekdays = weekdays(node);
        t.startMinute = minutes(node, "start");
        t.endMinute = minutes(node, "end");
        if (t.endMinute <= t.startMinute) fail(node["end"], "'end' must be after 'start'");
        try {
            t.slotMinutes = node["slot_minutes"] ? node["slot_minutes"].as<int>() : 0;
        } catch (const YAML::Exception&) {
            fail(node["slot_minutes"], "'slot_minutes' must be a whole number");
        }
        if (!node["slot_minutes"]) fail(node, "missing 'slot_minutes'");
        if (t.slotMinutes < 1 || t.slotMinutes > t.endMinute - t.startMinute)
            fail(node["slot_minutes"], "'slot_minutes' must be at least 1 and fit between start and end");
        try {
            t.telephone = node["telephone"] ? node["telephone"].as<bool>() : false;
        } catch (const YAML::Exception&) {
            fail(node["telephone"], "'telephone' must be true or false");
        }
        return t;
    }

    Seed seed(const YAML::Node& root) const {
        Seed s;
        if (!root || root.IsNull()) return s; // an empty file seeds nothing
        requireMap(root, "the seed file", {"patients", "slot_templates"});
        if (const YAML::Node patients = root["patients"]) {
            if (!patients.IsSequence()) fail(patients, "'patients' must be a list");
            std::map<std::string, YAML::Mark> seen;
            for (const auto& item : patients) {
                s.patients.push_back(patient(item));
                if (!seen.emplace(s.patients.back().nhsNumber, item.Mark()).second)
                    fail(item, "the same NHS number appears twice");
            }
        }
        if (const YAML::Node templates = root["slot_templates"]) {
            if (!templates.IsSequence()) fail(templates, "'slot_templates' must be a list");
            for (const auto& item : templates)
                s.templates.push_back(slotTemplate(item));
        }
        return s;
    }

private:
    std::string path_;
};

} // namespace

Seed loadSeed(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw SeedError(path + ": cannot read the seed file");
    } catch (const YAML::ParserException& e) {
        throw SeedError(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
                        e.msg);
    }
    return Reader(path).seed(root);
}

std::vector<GeneratedSlot> generateSlots(const std::vector<SlotTemplate>& templates, std::chrono::sys_days first,
                                         std::chrono::sys_days last, Zone zone) {
    std::vector<GeneratedSlot> out;
    for (auto day = first; day <= last; day += std::chrono::days{1}) {
        const unsigned weekday = std::chrono::weekday{day}.c_encoding();
        for (const auto& t : templates) {
            if (!t.weekdays.contains(weekday)) continue;
            for (int m = t.startMinute; m + t.slotMinutes <= t.endMinute; m += t.slotMinutes)
                out.push_back(
                    {{}, t.slotType, toEpoch(day, m, zone), t.slotMinutes, t.clinician, t.location, t.telephone});
        }
    }
    return out;
}

} // namespace localbook

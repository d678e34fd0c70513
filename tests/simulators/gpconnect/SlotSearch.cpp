// GET /Slot: search for free slots, with GP Connect's parameter rules and its two-week limit.
#include "Provider.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <set>

namespace gpcsim {

namespace {

using Poco::JSON::Array;

bool contains(const std::vector<std::string>& values, const std::string& v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

} // namespace

void Provider::searchSlots(Call& c, Poco::Net::HTTPServerResponse& response) {
    const auto invalid = [&](const std::string& why) { fail(c, response, {422, "INVALID_PARAMETER", why}); };
    const auto status = c.values("status");
    if (status.size() != 1 || status[0] != "free") return invalid("status=free is required, once");
    const auto start = c.values("start");
    const auto end = c.values("end");
    if (start.size() != 1 || start[0].rfind("ge", 0) != 0) return invalid("start is required once, with the ge prefix");
    if (end.size() != 1 || end[0].rfind("le", 0) != 0) return invalid("end is required once, with the le prefix");
    const auto from = parseFhirDate(start[0].substr(2));
    const auto to = parseFhirDate(end[0].substr(2), true);
    if (!from) return invalid("start '" + start[0] + "' is not a FHIR date or dateTime");
    if (!to) return invalid("end '" + end[0] + "' is not a FHIR date or dateTime");
    if (*to < *from) return invalid("end is before start");
    if (*to - *from > 14 * 86400) return invalid("the search period is longer than two weeks");
    if (!contains(c.values("_include"), "Slot:schedule")) return invalid("_include=Slot:schedule is required");
    for (const auto& filter : c.values("searchFilter"))
        if (filter.find('|') == std::string::npos) return invalid("searchFilter must be system|code");
    const auto recurse = c.values("_include:recurse");
    const bool withPractitioners = contains(recurse, "Schedule:actor:Practitioner");
    const bool withLocations = contains(recurse, "Schedule:actor:Location");

    const int64_t now = nowSeconds();
    std::vector<Object::Ptr> slots;
    std::set<std::string> schedules;
    for (const auto& id : book_.slotOrder) {
        const auto& s = book_.slots.at(id);
        // Free slots that fall fully within the period; past ones cannot be booked, so are not offered.
        if (s.busy || s.start < *from || s.end > *to || s.start <= now) continue;
        slots.push_back(slotResource(s));
        schedules.insert(s.scheduleId);
    }
    std::vector<Object::Ptr> resources = slots;
    std::set<std::string> practitioners;
    std::set<std::string> locations;
    for (const auto& id : schedules) {
        const auto& s = book_.schedules.at(id);
        Object::Ptr o = new Object;
        o->set("resourceType", "Schedule");
        o->set("id", s.id);
        Array::Ptr actors = new Array;
        Object::Ptr location = new Object;
        location->set("reference", "Location/" + s.locationId);
        actors->add(location);
        locations.insert(s.locationId);
        if (!s.practitionerId.empty()) {
            Object::Ptr practitioner = new Object;
            practitioner->set("reference", "Practitioner/" + s.practitionerId);
            actors->add(practitioner);
            practitioners.insert(s.practitionerId);
        }
        o->set("actor", actors);
        o->set("comment", s.serviceType + " schedule");
        resources.push_back(o);
    }
    if (withPractitioners)
        for (const auto& id : practitioners) {
            const auto& p = book_.practitioners.at(id);
            Object::Ptr o = new Object;
            o->set("resourceType", "Practitioner");
            o->set("id", p.id);
            Object::Ptr name = new Object;
            name->set("use", "usual");
            name->set("family", p.family);
            Array::Ptr given = new Array;
            if (!p.given.empty()) given->add(p.given);
            name->set("given", given);
            Array::Ptr prefix = new Array;
            if (!p.prefix.empty()) prefix->add(p.prefix);
            name->set("prefix", prefix);
            Array::Ptr names = new Array;
            names->add(name);
            o->set("name", names);
            resources.push_back(o);
        }
    if (withLocations)
        for (const auto& id : locations) {
            Object::Ptr o = new Object;
            o->set("resourceType", "Location");
            o->set("id", id);
            o->set("name", book_.locations.at(id).name);
            Object::Ptr org = new Object;
            org->set("reference", "Organization/1");
            o->set("managingOrganization", org);
            resources.push_back(o);
        }
    reply(c, response, 200, json(bundle(resources, c.audience)));
}

} // namespace gpcsim

#include "Plans.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nhsnotifysim {

Plans Plans::load(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read fixture " + file);
    std::ostringstream text;
    text << in.rdbuf();
    const auto root = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    Plans out;
    for (const auto& c : *root->getArray("clients")) {
        const auto& o = c.extract<Poco::JSON::Object::Ptr>();
        out.clients.push_back({o->getValue<std::string>("api_key"), o->getValue<std::string>("kid"), {}});
    }
    for (const auto& p : *root->getArray("routing_plans")) {
        const auto& o = p.extract<Poco::JSON::Object::Ptr>();
        Plan plan{o->getValue<std::string>("id"),
                  o->getValue<std::string>("name"),
                  {},
                  o->optValue<int>("nhsapp_wait_s", 86400)};
        for (const auto& ch : *o->getArray("channels"))
            plan.channels.push_back(ch.extract<std::string>());
        if (const auto fields = o->getArray("personalisation"))
            for (const auto& f : *fields)
                plan.personalisation.push_back(f.extract<std::string>());
        out.plans[plan.id] = plan;
    }
    for (const auto& p : *root->getArray("patients")) {
        const auto& o = p.extract<Poco::JSON::Object::Ptr>();
        const std::string app = o->optValue<std::string>("nhs_app", "none");
        Patient patient{o->getValue<std::string>("nhs_number"),
                        app == "reads"         ? NhsApp::reads
                        : app == "never_reads" ? NhsApp::neverReads
                                               : NhsApp::none,
                        o->optValue<std::string>("mobile", "")};
        if (app != "reads" && app != "never_reads" && app != "none")
            throw std::runtime_error("fixture: nhs_app must be reads, never_reads or none");
        out.patients[patient.nhsNumber] = patient;
    }
    return out;
}

} // namespace nhsnotifysim

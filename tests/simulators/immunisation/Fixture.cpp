#include "Fixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace immsim {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::vector<std::string> strings(const Array::Ptr& list) {
    std::vector<std::string> out;
    for (unsigned i = 0; list && i < list->size(); ++i)
        out.push_back(list->getElement<std::string>(i));
    return out;
}

Record record(const Object::Ptr& o, const std::string& where) {
    Record r;
    r.id = o->getValue<std::string>("id");
    r.target = o->getValue<std::string>("target");
    if (!vaccinationTypes().count(r.target)) throw std::runtime_error(where + ": unknown target " + r.target);
    r.status = o->optValue<std::string>("status", "completed");
    r.vaccineCode = o->getValue<std::string>("vaccine_code");
    r.vaccineDisplay = o->optValue<std::string>("vaccine_display", "");
    r.occurred = o->getValue<std::string>("occurred");
    r.dose = o->optValue<int>("dose", 0);
    r.doseString = o->optValue<std::string>("dose_string", "");
    r.diseaseCodes = strings(o->getArray("disease_codes"));
    return r;
}

} // namespace

Fixture Fixture::load(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read fixture " + file);
    std::stringstream text;
    text << in.rdbuf();
    const auto root = Poco::JSON::Parser().parse(text.str()).extract<Object::Ptr>();
    Fixture f;
    const auto clients = root->getArray("clients");
    const auto patients = root->getArray("patients");
    if (!clients || !patients) throw std::runtime_error(file + ": needs \"clients\" and \"patients\"");
    for (unsigned i = 0; i < clients->size(); ++i) {
        const auto c = clients->getObject(i);
        const auto forbidden = strings(c->getArray("forbidden_targets"));
        f.clients.push_back({c->getValue<std::string>("api_key"),
                             c->getValue<std::string>("kid"),
                             {forbidden.begin(), forbidden.end()}});
    }
    for (unsigned i = 0; i < patients->size(); ++i) {
        const auto p = patients->getObject(i);
        const std::string nhs = p->getValue<std::string>("nhs_number");
        auto& records = f.patients[nhs];
        const auto list = p->getArray("immunisations");
        for (unsigned k = 0; list && k < list->size(); ++k)
            records.push_back(record(list->getObject(k), file + ": patient " + std::to_string(i)));
    }
    return f;
}

const std::map<std::string, std::vector<Disease>>& vaccinationTypes() {
    static const std::map<std::string, std::vector<Disease>> types{
        {"COVID", {{"840539006", "Disease caused by severe acute respiratory syndrome coronavirus 2 (disorder)"}}},
        {"FLU", {{"6142004", "Influenza (disorder)"}}},
        {"HPV", {{"240532009", "Human papillomavirus infection (disorder)"}}},
        {"MMR",
         {{"14189004", "Measles (disorder)"}, {"36989005", "Mumps (disorder)"}, {"36653000", "Rubella (disorder)"}}},
        {"RSV", {{"55735004", "Respiratory syncytial virus infection (disorder)"}}},
    };
    return types;
}

} // namespace immsim

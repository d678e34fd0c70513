// What immunisation_sim knows, from its --fixture file: the API platform's registered applications (API
// key, key id, vaccination types they may not search) and each patient's immunisation records.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace immsim {

struct Client {
    std::string apiKey; // the JWT's iss and sub
    std::string kid;    // the key id its public key is registered under
    std::set<std::string> forbiddenTargets;
};

struct Record {
    std::string id;
    std::string target; // COVID, FLU, ...
    std::string status = "completed";
    std::string vaccineCode;
    std::string vaccineDisplay;
    std::string occurred; // occurrenceDateTime
    int dose = 0;         // doseNumberPositiveInt when > 0
    std::string doseString;
    std::vector<std::string> diseaseCodes; // targetDisease codes, when not the target's usual ones
};

struct Fixture {
    std::vector<Client> clients;
    std::map<std::string, std::vector<Record>> patients; // by NHS number

    static Fixture load(const std::string& file);
};

// The vaccination types the API searches, with the SNOMED CT disorder codes and terms of each one's
// targetDisease entries.
struct Disease {
    std::string code;
    std::string display;
};
const std::map<std::string, std::vector<Disease>>& vaccinationTypes();

} // namespace immsim

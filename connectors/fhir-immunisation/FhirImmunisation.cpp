// fhir-immunisation: national immunisation records through NHS England's Immunisation FHIR API (R4),
// https://digital.nhs.uk/developer/api-catalogue/immunisation-fhir-api, whose specification and code are
// public (github.com/NHSDigital/immunisation-fhir-api). One call is one search:
//
//   GET {base_url}/Immunization?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}
//       &-immunization.target=FLU,COVID[&-date.from=YYYY-MM-DD]
//
// with a bearer token from the platform's token endpoint (clinhub/kit/SignedJwt.hpp). What it answers is read by
// Records.h. The records say what a patient *received*; nothing here knows what is booked.
//
// Never logged or put in a message: NHS numbers, dates of vaccination, anything of the patient's.
#include "Config.h"
#include "Records.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/Scrub.hpp>
#include <clinhub/kit/SignedJwt.hpp>
#include <clinhub/plugin.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace {

using clinhub::ConfigError;
using clinhub::Immunisation;
using clinhub::Result;
using clinhub::kit::HttpClient;
using clinhub::kit::scrub;
using immunisation::Config;
using Poco::JSON::Object;

constexpr const char* kWhat = "Immunisation FHIR API";

Config parsed(const std::string& json) {
    std::vector<ConfigError> errors;
    Config config = Config::parse(json, errors);
    if (!errors.empty())
        throw std::runtime_error("config " + (errors.front().pointer.empty() ? "" : errors.front().pointer + " ") +
                                 errors.front().message);
    return config;
}

// The day `days` before the UK date `today` (YYYY-MM-DD).
std::string daysBefore(const std::string& today, int days) {
    using namespace std::chrono;
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(today.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return {};
    const year_month_day from{sys_days{year{y} / month{m} / day{d}} - std::chrono::days{days}};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(from.year()), static_cast<unsigned>(from.month()),
                  static_cast<unsigned>(from.day()));
    return out;
}

// The API's answer: its status and, when the body is a JSON object, that object; else why it is not.
struct Answer {
    long status = 0;
    Object::Ptr body;
    std::string problem;
    std::string outcome; // an OperationOutcome's first issue: "code: diagnostics"
};

void readBody(const std::string& text, Answer& a) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        a.problem = "an empty body";
        return;
    }
    try {
        const auto parsed = Poco::JSON::Parser().parse(text);
        if (parsed.type() == typeid(Object::Ptr)) a.body = parsed.extract<Object::Ptr>();
        if (a.body.isNull()) a.problem = "JSON that is not an object: '" + scrub(text, 60) + "'";
    } catch (const Poco::Exception& e) {
        a.problem = "not valid JSON (" + e.displayText() + "): '" + scrub(text.substr(first), 60) + "'";
    }
    if (a.body.isNull() || a.body->optValue<std::string>("resourceType", "") != "OperationOutcome") return;
    try {
        const auto issues = a.body->getArray("issue");
        const auto issue = issues.isNull() || issues->size() == 0 ? nullptr : issues->getObject(0);
        if (issue.isNull()) return;
        a.outcome = issue->optValue<std::string>("code", "");
        if (const auto d = issue->optValue<std::string>("diagnostics", ""); !d.empty())
            a.outcome += (a.outcome.empty() ? "" : ": ") + scrub(d);
    } catch (const Poco::Exception&) {
        // An odd OperationOutcome still has its HTTP status, which is what decides.
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

class FhirImmunisation final : public clinhub::Connector, public clinhub::ImmunisationRecords {
public:
    FhirImmunisation(const clinhub::Host& host, const std::string& json)
        : host_(host), config_(parsed(json)), http_({config_.connectTimeout, config_.totalTimeout}),
          tokens_(clinhub::kit::signedJwtClient(config_.tokenUrl, config_.kid, config_.apiKeyEnv,
                                                config_.privateKeyFile, config_.privateKeyEnv),
                  http_) {}

    static void checkConfig(const std::string& json, std::vector<ConfigError>& errors) { Config::parse(json, errors); }

    Result history(const std::string& nhsNumber, const std::vector<std::string>& targets,
                   std::vector<Immunisation>& doses) override {
        doses.clear();
        const auto nhs = clinhub::kit::checkNhsNumber(nhsNumber);
        if (!nhs.ok()) return Result::permanent("not a valid NHS number");
        immunisation::Search search{nhs.value, {}};
        for (std::string t : targets) {
            std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
            if (t.empty() || !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c); }))
                return Result::permanent("'" + scrub(t, 40) + "' is not a vaccination type (COVID, FLU, MMR...)");
            if (std::find(search.targets.begin(), search.targets.end(), t) == search.targets.end())
                search.targets.push_back(t);
        }
        if (search.targets.empty()) return Result::permanent("no vaccination type to look up");

        const std::string url = searchUrl(search);
        // A token the API refuses (revoked, or expired early) is replaced once; refused again, it is not
        // the token's age but this application's credentials.
        for (int attempt = 1;; ++attempt) {
            std::string token;
            if (Result r = tokens_.get(token); !r.ok()) return r;
            Answer answer;
            if (Result r = get(url, token, answer); !r.ok()) return r;
            if (answer.status == 401 && attempt == 1) {
                host_.info("the API refused the access token; fetching a new one");
                tokens_.refused(token);
                continue;
            }
            return settle(answer, search, doses);
        }
    }

private:
    std::string searchUrl(const immunisation::Search& search) const {
        std::string targets;
        for (const auto& t : search.targets)
            targets += (targets.empty() ? "" : ",") + HttpClient::escape(t);
        std::string url = config_.baseUrl + "/Immunization?patient.identifier=" +
                          HttpClient::escape("https://fhir.nhs.uk/Id/nhs-number|" + search.nhsNumber) +
                          "&-immunization.target=" + targets;
        if (config_.lookbackDays > 0) {
            int64_t ms = host_.nowMs();
            if (ms <= 0)
                ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
            url += "&-date.from=" + daysBefore(clinhub::kit::ukDate(ms * 1000), config_.lookbackDays);
        }
        return url;
    }

    Result get(const std::string& url, const std::string& token, Answer& answer) {
        clinhub::kit::HttpRequest request;
        request.url = url;
        request.headers = {{"Accept", "application/fhir+json"},
                           {"Authorization", "Bearer " + token},
                           {"X-Request-ID", Poco::UUIDGenerator::defaultGenerator().createRandom().toString()}};
        clinhub::kit::HttpResponse response;
        if (Result r = http_.perform(request, response); !r.ok())
            return Result{r.status, std::string(kWhat) + ": " + r.message};
        answer.status = response.status;
        readBody(response.body, answer);
        return Result::success();
    }

    Result settle(const Answer& a, const immunisation::Search& search, std::vector<Immunisation>& doses) {
        if (a.status >= 200 && a.status < 300) {
            if (a.body.isNull()) return Result::permanent(std::string(kWhat) + " search reply is " + a.problem);
            Result r = immunisation::readSearchset(a.body, search, doses);
            if (!r.ok())
                doses.clear();
            else
                host_.debug(std::to_string(doses.size()) + " doses of " + join(search.targets) + " received");
            return r;
        }
        // "<API>: HTTP <status><what>[: <the OperationOutcome's code: diagnostics>]"
        auto refused = [&](const std::string& what) {
            return Result::permanent(std::string(kWhat) + ": HTTP " + std::to_string(a.status) + what +
                                     (a.outcome.empty() ? "" : ": " + a.outcome));
        };
        switch (a.status) {
        case 400: return refused(", the search was refused");
        case 401:
            return refused(" for a freshly issued access token too: check the API key, the kid and the application's "
                           "access to this API");
        case 403: return refused(": this application is not authorised to search " + join(search.targets));
        // The API answers a patient without records with an empty searchset ("If there were no matching
        // immunisations, this is an empty list": the search's 200 response in the API's specification).
        // So a 404 is a wrong base_url, not "no doses": read as none, it would invite vaccinated patients.
        case 404: return refused(": no such endpoint, check base_url (a patient without records is not a 404)");
        default: return clinhub::kit::statusResult(a.status, kWhat, a.outcome);
        }
    }

    clinhub::Host host_;
    Config config_;
    HttpClient http_;
    clinhub::kit::SignedJwtTokens tokens_;
};

} // namespace

CLINHUB_PLUGIN(FhirImmunisation, "fhir-immunisation", "0.1.0",
               "NHS England's Immunisation FHIR API (R4): doses received, by NHS number and vaccination type",
               immunisation::kConfigMap.schema())

#include "Fhir.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <sstream>

namespace gpcsim {

std::string instant(int64_t epoch, int offsetMinutes) {
    const int64_t local = epoch + offsetMinutes * 60;
    const auto days = std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(local)));
    const std::chrono::year_month_day date(days);
    const int64_t s = local - days.time_since_epoch().count() * 86400;
    const int off = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    char out[40];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.000%c%02d:%02d", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), static_cast<int>(s / 3600),
                  static_cast<int>(s / 60 % 60), static_cast<int>(s % 60), offsetMinutes < 0 ? '-' : '+', off / 60,
                  off % 60);
    return out;
}

std::optional<int64_t> parseFhirDate(const std::string& text, bool endOfDay) {
    static const std::regex shape(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-](\d{2}):(\d{2}))?)?$)");
    std::smatch m;
    if (!std::regex_match(text, m, shape)) return {};
    const std::chrono::year_month_day date{std::chrono::year(std::stoi(m[1])),
                                           std::chrono::month(static_cast<unsigned>(std::stoi(m[2]))),
                                           std::chrono::day(static_cast<unsigned>(std::stoi(m[3])))};
    if (!date.ok()) return {};
    const int64_t day = std::chrono::sys_days(date).time_since_epoch().count() * 86400;
    if (!m[4].matched) return endOfDay ? day + 86399 : day;
    const int h = std::stoi(m[4]);
    const int mi = std::stoi(m[5]);
    const int s = std::stoi(m[6]);
    if (h > 23 || mi > 59 || s > 59) return {};
    int64_t offset = 0;
    if (m[7].matched && m[7].str() != "Z")
        offset = (std::stoi(m[8]) * 3600 + std::stoi(m[9]) * 60) * (m[7].str()[0] == '-' ? -1 : 1);
    return day + h * 3600 + mi * 60 + s - offset;
}

int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string operationOutcome(const FhirError& e) {
    Object::Ptr coding = new Object;
    coding->set("system", "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1");
    coding->set("code", e.code);
    coding->set("display", e.code);
    Poco::JSON::Array::Ptr codings = new Poco::JSON::Array;
    codings->add(coding);
    Object::Ptr details = new Object;
    details->set("coding", codings);
    Object::Ptr issue = new Object;
    issue->set("severity", "error");
    issue->set("code", e.status == 409 ? "duplicate" : e.status >= 500 ? "exception" : "invalid");
    issue->set("details", details);
    issue->set("diagnostics", e.diagnostics);
    Poco::JSON::Array::Ptr issues = new Poco::JSON::Array;
    issues->add(issue);
    Object::Ptr meta = new Object;
    Poco::JSON::Array::Ptr profiles = new Poco::JSON::Array;
    profiles->add("https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1");
    meta->set("profile", profiles);
    Object::Ptr outcome = new Object;
    outcome->set("resourceType", "OperationOutcome");
    outcome->set("meta", meta);
    outcome->set("issue", issues);
    return json(outcome);
}

std::string json(const Object::Ptr& o) {
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

Object::Ptr parseObject(const std::string& text) {
    try {
        auto v = Poco::JSON::Parser().parse(text);
        if (v.type() != typeid(Object::Ptr)) return nullptr;
        return v.extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
        return nullptr;
    }
}

Object::Ptr objectAt(const Object::Ptr& o, const std::string& key) { return o.isNull() ? nullptr : o->getObject(key); }

std::string stringAt(const Object::Ptr& o, const std::string& key) {
    if (o.isNull() || !o->has(key)) return {};
    const auto v = o->get(key);
    return v.isString() ? v.extract<std::string>() : std::string{};
}

void sendFhir(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
    response.set("Cache-Control", "no-store");
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/fhir+json;charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

} // namespace gpcsim

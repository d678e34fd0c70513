#include "hub/runtime/Probe.h"

#include "hub/config/Text.h"

#include <clinhub/kit/Scrub.hpp>

#include <Poco/Timestamp.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>

namespace clinhub::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// A number from the NHS's test range (999 000 0018), which no patient has: a records service answers with no
// doses, and its access log shows nobody's record was read.
constexpr const char* kTestNhsNumber = "9990000018";
// A reference no message was ever sent under.
constexpr const char* kProbeReference = "clinhub-probe-0000000000";

struct BookAnswer {
    std::set<std::string> slotTypes;
    bool reached = false;
};

// The longest horizon of any rule routed to the book `name`: the probe asks for slot types that far ahead.
int horizonDays(const config::Config& config, const std::string& name) {
    int days = 42;
    for (const auto& [ods, organisation] : config.organisations)
        if (organisation.route.appointmentBook == name)
            for (const auto& [id, rule] : organisation.rules)
                days = std::max(days, rule.horizonDays);
    return days;
}

// A table row, not a page: the provider's words as /status shows them, scrubbed and capped.
std::string said(const Result& r) {
    return r.message.empty() ? std::string(toString(r.status)) : kit::scrub(r.message, 160);
}

ProbeRow row(const host::ConnectorInstance& c, const char* kind) {
    return {c.name(), c.plugin().info.name, kind, true, {}, {}};
}

void finish(ProbeRow& r, const Result& result, Clock::time_point started, std::string onSuccess) {
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    r.reached = result.status != Status::retryable;
    if (result.ok())
        r.outcome = std::move(onSuccess);
    else if (result.status == Status::retryable)
        r.outcome = "not reached: " + said(result);
    else
        // A lookup of a reference the provider never saw may be refused as not found: that is an answer.
        r.outcome = "answered with a refusal (" + said(result) + "): check its credentials if this is not 'not found'";
}

std::vector<ProbeRow> probeConnector(host::ConnectorInstance& c, int days, BookAnswer& book) {
    std::vector<ProbeRow> rows;
    if (auto* b = c.appointmentBook()) {
        ProbeRow r = row(c, "appointment-book");
        const auto started = Clock::now();
        const int64_t now = Poco::Timestamp().epochMicroseconds() / 1'000'000;
        std::vector<std::string> types;
        const Result result = b->slotTypes({now, now + int64_t{days} * 86400}, types);
        finish(r, result, started,
               std::to_string(types.size()) + (types.size() == 1 ? " slot type" : " slot types") + " in the next " +
                   std::to_string(days) + " days");
        book.reached = result.ok();
        book.slotTypes.insert(types.begin(), types.end());
        rows.push_back(std::move(r));
    }
    if (auto* records = c.immunisationRecords()) {
        ProbeRow r = row(c, "immunisation-records");
        const auto started = Clock::now();
        std::vector<Immunisation> doses;
        finish(r, records->history(kTestNhsNumber, {}, doses), started, "answered a lookup of a test NHS number");
        rows.push_back(std::move(r));
    }
    const auto lookup = [&](auto* sender, const char* kind) {
        if (sender == nullptr) return;
        ProbeRow r = row(c, kind);
        const auto started = Clock::now();
        Delivery delivery;
        finish(r, sender->lookup(kProbeReference, delivery), started, "answered a lookup");
        rows.push_back(std::move(r));
    };
    lookup(c.sms(), "sms");
    if (c.sms() == nullptr) lookup(c.email(), "email"); // one lookup call serves both kinds
    if (auto* messaging = c.patientMessaging()) {
        ProbeRow r = row(c, "patient-messaging");
        const auto started = Clock::now();
        Delivery delivery;
        std::vector<Receipt> channels;
        finish(r, messaging->lookup(kProbeReference, delivery, channels), started, "answered a lookup");
        rows.push_back(std::move(r));
    }
    return rows;
}

} // namespace

bool ProbeReport::ok() const {
    return problems.empty() && std::all_of(rows.begin(), rows.end(), [](const ProbeRow& r) { return r.reached; });
}

ProbeReport probe(const Runtime& runtime) {
    const auto& config = runtime.config();
    std::map<std::string, BookAnswer> books;
    std::vector<std::future<std::vector<ProbeRow>>> calls;
    for (const auto& [name, connector] : config.connectors) {
        auto instance = runtime.connector(name);
        if (!instance) continue;
        BookAnswer& book = books[name];
        const int days = horizonDays(config, name);
        calls.push_back(
            std::async(std::launch::async, [instance, days, &book] { return probeConnector(*instance, days, book); }));
    }
    ProbeReport report;
    for (auto& call : calls)
        for (auto& r : call.get())
            report.rows.push_back(std::move(r));

    for (const auto& [ods, organisation] : config.organisations) {
        const auto book = books.find(organisation.route.appointmentBook);
        if (book == books.end() || !book->second.reached) continue;
        const std::vector<std::string> held(book->second.slotTypes.begin(), book->second.slotTypes.end());
        for (const auto& [id, rule] : organisation.rules)
            for (std::size_t i = 0; i < rule.slotTypes.size(); ++i) {
                const std::string& type = rule.slotTypes[i];
                if (book->second.slotTypes.contains(type)) continue;
                std::string message = "organisations." + ods + ".rules." + id + ": slot type '" + type +
                                      "' is not in the appointment book '" + book->first +
                                      "' (no slot of it in the next " +
                                      std::to_string(horizonDays(config, book->first)) + " days)";
                if (auto guess = config::nearest(type, held))
                    message += "; did you mean '" + *guess + "'?";
                else if (!held.empty())
                    message += "; it has " + config::quotedList(held);
                const config::Mark mark = i < rule.slotTypeMarks.size() ? rule.slotTypeMarks[i] : config::Mark{};
                report.problems.push_back({mark, std::move(message)});
            }
    }
    return report;
}

} // namespace clinhub::runtime

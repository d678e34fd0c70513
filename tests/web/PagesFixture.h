// The patient pages served by a real in-process HTTP server, over a real store, the real local-book and
// outbox-file plugins, and a Self-Book clock tests can move; and a small browser that keeps cookies the
// way a real one does (by path).
#pragma once

#include "hub/config/Loader.h"
#include "hub/host/PluginHost.h"
#include "hub/http/Router.h"
#include "hub/http/Server.h"
#include "hub/metrics/Metrics.h"
#include "hub/outbox/Outbox.h"
#include "hub/runtime/Runtime.h"
#include "hub/web/PatientPages.h"
#include "hub/workflows/SelfBook.h"
#include "tests/TestHub.h"
#include "tests/store/TestStore.h"
#include "tests/web/Browser.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

namespace clinhub::test {

// The test patient of the seed; none of this may appear on a page before the date of birth check.
inline constexpr const char* kName = "Testy McTestface";
inline constexpr const char* kNhsNumber = "9995260182";
inline constexpr const char* kDateOfBirth = "1956-03-14";

using browser::Browser;
using browser::hidden;
using browser::Reply;

// Every value="..." of the slot radios on a page, in order.
inline std::vector<std::string> radioValues(const Reply& reply, const std::string& name) {
    std::vector<std::string> out;
    const std::regex radio("name=\"" + name + "\" type=\"radio\" value=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(reply.body.begin(), reply.body.end(), radio); it != std::sregex_iterator();
         ++it)
        out.push_back((*it)[1].str());
    return out;
}

inline std::vector<std::string> slotValues(const Reply& reply) { return radioValues(reply, "slot"); }

// The times page of the first day the token's days page offers, for a patient past the date of birth check.
inline Reply firstDayTimes(Browser& b, const std::string& token) {
    const auto days = radioValues(b.get("/b/" + token + "/slots"), "day");
    EXPECT_FALSE(days.empty());
    return b.get("/b/" + token + "/times?day=" + (days.empty() ? std::string() : days.front()));
}

// The week the Next week link of a days page goes to; "" when it has none.
inline std::string nextWeek(const Reply& days) {
    std::smatch found;
    const std::regex next("slots\\?week=([0-9-]+)\" rel=\"next\"");
    return std::regex_search(days.body, found, next) ? found[1].str() : std::string();
}

class PagesFixture : public ::testing::Test {
protected:
    int dateOfBirthChecksPerHour = 0; // a fixture may set it in its constructor
    std::string quietHours;           // the organisation's quiet_hours, as YAML; "" for the test hub's (none)

    void SetUp() override { start(); }

    // `assetDir` empty: a folder of this test with a stand-in stylesheet and image.
    void start(const std::string& givenAssetDir = {}) {
        std::string assetDir = givenAssetDir;
        const std::string seed = std::string("patients:\n") + kTestPatientYaml + "slot_templates:\n" + fluClinicYaml() +
                                 kTelephoneReviewYaml;
        const std::string organisations = R"(  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [texts], email: texts}
)" + (quietHours.empty() ? std::string() : "    quiet_hours: " + quietHours + "\n") +
                                          R"(    rules:
      flu:
        title: Flu vaccination
        slot_types: [Flu clinic]
        horizon_days: 14
        link_expiry_days: 7
        allow_decline: true
        allow_reschedule: true
        allow_cancel: true
        codes:
          decline: {code: "822931000000100", term: "Seasonal influenza vaccination declined"}
        pages:
          welcome: "Book your <b>flu</b> jab.\n\nSee https://example.org/flu."
          confirmation: "Call 01632 960000 to cancel."
          declined: "Thank you for telling us."
          expired: "Ask us for a new link."
      calls:
        title: Medication review
        slot_types: [Telephone review]
        mode: telephone
        allow_reschedule: true
      plain:
        title: Blood test
        slot_types: [Flu clinic]
      nothing:
        title: Asthma review
        slot_types: [Asthma review]
        pages:
          no_slots: "Phone us to book your review."
)";
        if (assetDir.empty()) {
            assetDir = dir.file("assets-root");
            std::filesystem::create_directories(assetDir + "/assets/images");
            std::ofstream(assetDir + "/nhsuk-frontend.min.css")
                << "@font-face{font-family:Frutiger W01;src:url(https://assets.example/f.woff2) format(\"woff2\")}"
                   "body{color:#212b32}";
            std::ofstream(assetDir + "/assets/images/favicon.svg") << "<svg/>";
            std::ofstream(assetDir + "/secret.txt") << "not for you";
        }
        ASSERT_NO_FATAL_FAILURE(hub.start(dir, db, seed, testHubYaml(organisations)));
        selfBook = std::make_unique<workflows::SelfBook>(*store, *current, [this] { return clock.load(); });

        web::addPatientPages(router, *selfBook, *store, *current,
                             {std::make_shared<const web::Assets>(assetDir), true, dateOfBirthChecksPerHour, 0});
        addRoutes(router);
        config::Http http;
        http.listen = "127.0.0.1:0";
        http.threads = 4;
        server = std::make_unique<http::Server>(http, router, metrics);
        server->start();
    }

    void TearDown() override {
        if (server) server->stop();
    }

    // More pages on the same server, added before it starts.
    virtual void addRoutes(http::Router& /*router*/) {}

    Browser browser() { return Browser(server->port()); }

    // A new link's token.
    std::string newLink(const std::string& rule = "flu") {
        return selfBook->createLink("A12345", rule, {"999 526 0182", "14/03/1956", "07700 900123", kName}).token;
    }

    // The path of the token's welcome page.
    static std::string at(const std::string& token, const std::string& rest = {}) { return "/b/" + token + rest; }

    // Passes the date of birth check; returns the redirect.
    Reply verify(Browser& b, const std::string& token, const std::string& next = "book") {
        return b.post(at(token, "/verify"),
                      {{"dob-day", "14"}, {"dob-month", "3"}, {"dob-year", "1956"}, {"next", next}});
    }

    // Every free slot the pages offer, week by week and day by day.
    std::vector<std::string> everySlot(Browser& b, const std::string& token) {
        std::vector<std::string> out;
        for (std::string week = "start"; !week.empty();) {
            const Reply days = b.get(at(token, week == "start" ? "/slots" : "/slots?week=" + week));
            for (const auto& day : radioValues(days, "day"))
                for (const auto& slot : slotValues(b.get(at(token, "/times?day=" + day))))
                    out.push_back(slot);
            week = nextWeek(days);
        }
        return out;
    }

    // The patient's way to the review page of the first free slot; returns that slot and the CSRF token.
    std::pair<std::string, std::string> toReview(Browser& b, const std::string& token) {
        EXPECT_EQ(verify(b, token).status, 303);
        const Reply slots = firstDayTimes(b, token);
        EXPECT_EQ(slots.status, 200);
        const auto values = slotValues(slots);
        EXPECT_FALSE(values.empty());
        const std::string csrf = hidden(slots, "csrf");
        return {values.empty() ? std::string() : values.front(), csrf};
    }

    // The token of the manage link in the newest SMS queued.
    std::string manageTokenFromSms() {
        auto s = store->session();
        std::vector<std::string> refs;
        std::string channel = outbox::toString(outbox::Channel::sms);
        s << "SELECT reference FROM outbox WHERE channel = ? ORDER BY created_at", Poco::Data::Keywords::use(channel),
            Poco::Data::Keywords::into(refs), Poco::Data::Keywords::now;
        outbox::Outbox box(*store);
        for (auto ref = refs.rbegin(); ref != refs.rend(); ++ref) {
            const auto message = box.find(*ref);
            std::smatch m;
            if (message && std::regex_search(message->payloadJson, m, std::regex("/b/([A-Za-z0-9_-]+)")))
                return m[1].str();
        }
        return {};
    }

    TempDir dir;
    TestStore db{dir};
    TestHub hub;
    host::PluginHost& host = hub.host;
    std::unique_ptr<runtime::Current>& current = hub.current;
    std::unique_ptr<store::Store>& store = hub.store;
    std::unique_ptr<workflows::SelfBook> selfBook;
    std::atomic<int64_t> clock{store::nowMicros()};
    http::Router router;
    metrics::Metrics metrics;
    std::unique_ptr<http::Server> server;
};

} // namespace clinhub::test

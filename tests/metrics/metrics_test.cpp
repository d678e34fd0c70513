#include "hub/metrics/Metrics.h"
#include "tests/http/Exposition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

using clinhub::metrics::Family;
using clinhub::metrics::Metrics;
using clinhub::metrics::Sample;
using clinhub::testing::parseExposition;

namespace {

double only(const clinhub::testing::Exposition& e, const std::string& name,
            const std::map<std::string, std::string>& labels = {}) {
    const auto found = e.find(name, labels);
    EXPECT_EQ(found.size(), 1u) << name;
    return found.empty() ? -1 : found.front().value;
}

} // namespace

TEST(HttpMetrics, CounterRendersHelpTypeAndOneSamplePerLabelSet) {
    Metrics m;
    auto& c = m.counter("clinhub_http_requests_total", "Requests answered.", {"route", "method", "status"});
    c.inc({"/healthz", "GET", "200"});
    c.inc({"/healthz", "GET", "200"});
    c.inc({"/readyz", "GET", "503"}, 3);

    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(e.types.at("clinhub_http_requests_total"), "counter");
    EXPECT_EQ(e.help.at("clinhub_http_requests_total"), "Requests answered.");
    EXPECT_EQ(only(e, "clinhub_http_requests_total", {{"route", "/healthz"}, {"method", "GET"}, {"status", "200"}}), 2);
    EXPECT_EQ(only(e, "clinhub_http_requests_total", {{"route", "/readyz"}, {"status", "503"}}), 3);
    EXPECT_EQ(e.find("clinhub_http_requests_total").size(), 2u);
    EXPECT_EQ(c.value({"/healthz", "GET", "200"}), 2);
    EXPECT_EQ(c.value({"/never", "GET", "200"}), 0);
}

TEST(HttpMetrics, CounterRefusesToGoDownOrTakeTheWrongNumberOfLabels) {
    Metrics m;
    auto& c = m.counter("things_total", "Things.", {"kind"});
    EXPECT_THROW(c.inc({"a"}, -1), std::invalid_argument);
    EXPECT_THROW(c.inc({"a", "b"}), std::invalid_argument);
    EXPECT_THROW(c.inc({}), std::invalid_argument);
    EXPECT_EQ(c.value({"a"}), 0);
}

TEST(HttpMetrics, LabelValuesEscapeBackslashQuoteAndNewline) {
    Metrics m;
    m.counter("odd_total", "Odd labels.", {"v"}).inc({"a\\b\"c\nd"});
    const auto text = m.render();
    EXPECT_NE(text.find(R"(odd_total{v="a\\b\"c\nd"} 1)"), std::string::npos) << text;

    const auto e = parseExposition(text);
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(e.find("odd_total").at(0).labels.at("v"), "a\\b\"c\nd");
}

TEST(HttpMetrics, HelpTextEscapesBackslashAndNewlineButNotQuotes) {
    EXPECT_EQ(clinhub::metrics::escapeHelp("a\\b\n\"c\""), "a\\\\b\\n\"c\"");
    Metrics m;
    m.gauge("g", "line one\nline \"two\" \\ end").set(1);
    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(e.help.at("g"), "line one\nline \"two\" \\ end");
}

TEST(HttpMetrics, GaugeSetsIncrementsAndDecrements) {
    Metrics m;
    auto& g = m.gauge("clinhub_outbox_messages", "Messages.", {"state"});
    g.set({"due"}, 5);
    g.inc({"due"});
    g.dec({"due"}, 2.5);
    g.dec({"failed"});
    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(only(e, "clinhub_outbox_messages", {{"state", "due"}}), 3.5);
    EXPECT_EQ(only(e, "clinhub_outbox_messages", {{"state", "failed"}}), -1);
}

TEST(HttpMetrics, HistogramBucketsAreCumulativeWithCountEqualToInfBucket) {
    Metrics m;
    auto& h = m.histogram("latency_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
    for (double v : {0.05, 0.1, 0.2, 0.7, 3.0, 4.0})
        h.observe({"/x"}, v);

    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(e.types.at("latency_seconds"), "histogram");
    // le is "less or equal": 0.1 itself falls in the 0.1 bucket.
    EXPECT_EQ(only(e, "latency_seconds_bucket", {{"route", "/x"}, {"le", "0.1"}}), 2);
    EXPECT_EQ(only(e, "latency_seconds_bucket", {{"route", "/x"}, {"le", "0.5"}}), 3);
    EXPECT_EQ(only(e, "latency_seconds_bucket", {{"route", "/x"}, {"le", "1"}}), 4);
    EXPECT_EQ(only(e, "latency_seconds_bucket", {{"route", "/x"}, {"le", "+Inf"}}), 6);
    EXPECT_EQ(only(e, "latency_seconds_count", {{"route", "/x"}}), 6);
    EXPECT_DOUBLE_EQ(only(e, "latency_seconds_sum", {{"route", "/x"}}), 8.05);

    double previous = 0;
    for (const auto& bucket : e.find("latency_seconds_bucket")) {
        EXPECT_GE(bucket.value, previous) << "buckets must never decrease";
        previous = bucket.value;
    }
}

TEST(HttpMetrics, HistogramRejectsUnorderedBoundsAndAnLeLabel) {
    Metrics m;
    EXPECT_THROW(m.histogram("h1", "h", {}, {1, 0.5}), std::invalid_argument);
    EXPECT_THROW(m.histogram("h2", "h", {}, {1, 1}), std::invalid_argument);
    EXPECT_THROW(m.histogram("h3", "h", {"le"}), std::invalid_argument);
}

TEST(HttpMetrics, CallbackGaugeIsComputedAtEachScrape) {
    Metrics m;
    int depth = 1;
    m.callback("clinhub_outbox_depth", "Outbox depth by state.", Family::Type::gauge, {"state"}, [&] {
        return std::vector<Sample>{{{"due"}, double(depth)}, {{"failed"}, 0}};
    });
    EXPECT_EQ(only(parseExposition(m.render()), "clinhub_outbox_depth", {{"state", "due"}}), 1);
    depth = 42;
    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(only(e, "clinhub_outbox_depth", {{"state", "due"}}), 42);
    EXPECT_EQ(only(e, "clinhub_outbox_depth", {{"state", "failed"}}), 0);
}

TEST(HttpMetrics, FailingCallbackCostsOnlyItsOwnSamples) {
    Metrics m;
    m.callback("broken", "Throws.", Family::Type::gauge,
               []() -> double { throw std::runtime_error("store unreachable"); });
    m.counter("fine_total", "Fine.").inc();
    testing::internal::CaptureStderr();
    const auto e = parseExposition(m.render());
    testing::internal::GetCapturedStderr();
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_TRUE(e.find("broken").empty());
    EXPECT_EQ(only(e, "fine_total"), 1);
}

TEST(HttpMetrics, RemovedCallbackIsNeverCalledAgain) {
    Metrics m;
    std::atomic<int> calls = 0;
    m.callback("counted", "Counted.", Family::Type::counter, [&] { return double(++calls); });
    m.render();
    EXPECT_EQ(calls, 1);
    m.remove("counted");
    EXPECT_EQ(m.render().find("counted"), std::string::npos);
    EXPECT_EQ(calls, 1);
}

TEST(HttpMetrics, AskingAgainReturnsTheSameFamilyButConflictsThrow) {
    Metrics m;
    auto& a = m.counter("c_total", "C.", {"x"});
    auto& b = m.counter("c_total", "C.", {"x"});
    EXPECT_EQ(&a, &b);
    EXPECT_THROW(m.gauge("c_total", "C.", {"x"}), std::logic_error);
    EXPECT_THROW(m.counter("c_total", "C.", {"y"}), std::logic_error);
    EXPECT_THROW(m.callback("c_total", "C.", Family::Type::gauge, [] { return 1.0; }), std::logic_error);
    EXPECT_THROW(m.counter("bad-name", "x"), std::invalid_argument);
    EXPECT_THROW(m.counter("ok_total", "x", {"bad label"}), std::invalid_argument);
    EXPECT_THROW(m.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
}

TEST(HttpMetrics, BuildInfoCarriesTheVersion) {
    Metrics m;
    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(only(e, "clinhub_build_info", {{"version", CLINHUB_VERSION}}), 1);
    EXPECT_EQ(e.types.at("clinhub_build_info"), "gauge");
}

TEST(HttpMetrics, ValuesFormatAsPrometheusNumbers) {
    using clinhub::metrics::formatValue;
    EXPECT_EQ(formatValue(1), "1");
    EXPECT_EQ(formatValue(0.25), "0.25");
    EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
    EXPECT_EQ(formatValue(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(formatValue(std::nan("")), "NaN");
}

TEST(HttpMetrics, ConcurrentIncrementsAreNotLost) {
    Metrics m;
    auto& c = m.counter("hits_total", "Hits.", {"route"});
    auto& h = m.histogram("hit_seconds", "Hit time.", {"route"});
    constexpr int threads = 8, each = 20000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            const std::string route = t % 2 ? "/a" : "/b";
            for (int i = 0; i < each; ++i) {
                c.inc({route});
                h.observe({route}, 0.001);
                if (i % 1000 == 0) m.render(); // scrapes race with recording
            }
        });
    for (auto& w : workers)
        w.join();
    EXPECT_EQ(c.value({"/a"}) + c.value({"/b"}), threads * each);
    const auto e = parseExposition(m.render());
    EXPECT_EQ(only(e, "hit_seconds_count", {{"route", "/a"}}) + only(e, "hit_seconds_count", {{"route", "/b"}}),
              threads * each);
}

TEST(HttpMetrics, ASeriesLookedUpOnceRecordsIntoTheSameSamplesAsTheFamily) {
    Metrics m;
    auto& c = m.counter("calls_total", "Calls.", {"op"});
    const auto series = c.series({"send"});
    EXPECT_EQ(c.value({"send"}), 0) << "made at 0, so it is scraped before the first call";
    series.inc();
    series.inc(2);
    c.inc({"send"});
    EXPECT_EQ(c.value({"send"}), 4);
    EXPECT_THROW(series.inc(-1), std::invalid_argument);
    EXPECT_THROW((void)c.series({"send", "extra"}), std::invalid_argument);

    auto& h = m.histogram("call_seconds", "Call time.", {"op"}, {0.1, 1});
    const auto timed = h.series({"send"});
    timed.observe(0.05);
    timed.observe(2);
    h.observe({"send"}, 0.5);
    const auto e = parseExposition(m.render());
    EXPECT_TRUE(e.errors.empty()) << testing::PrintToString(e.errors);
    EXPECT_EQ(only(e, "call_seconds_bucket", {{"op", "send"}, {"le", "0.1"}}), 1);
    EXPECT_EQ(only(e, "call_seconds_bucket", {{"op", "send"}, {"le", "1"}}), 2);
    EXPECT_EQ(only(e, "call_seconds_count", {{"op", "send"}}), 3);
    EXPECT_DOUBLE_EQ(only(e, "call_seconds_sum", {{"op", "send"}}), 2.55);
}

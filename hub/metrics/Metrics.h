// A small thread-safe metrics registry that renders the Prometheus text exposition format (version 0.0.4).
//
// Families are created once (get-or-create by name) and live as long as the registry, so the references
// the factory functions return can be kept and used from any thread. Recording takes a shared lock on the
// family only, never a registry-wide lock: the hot path is a map lookup plus an atomic add.
//
// Label values are exported verbatim: never use a raw path, token, NHS number or anything a patient typed.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::metrics {

using LabelValues = std::initializer_list<std::string_view>;

// One sample produced by a callback at scrape time.
struct Sample {
    std::vector<std::string> labelValues;
    double value = 0;
};

class Family {
public:
    enum class Type { counter, gauge, histogram };

    Family(std::string name, std::string help, Type type, std::vector<std::string> labelNames);
    virtual ~Family() = default;
    Family(const Family&) = delete;
    Family& operator=(const Family&) = delete;

    const std::string& name() const { return name_; }
    Type type() const { return type_; }
    const std::vector<std::string>& labelNames() const { return labelNames_; }

    // Appends the # HELP and # TYPE lines and every sample.
    void render(std::string& out) const;

protected:
    virtual void renderSamples(std::string& out) const = 0;
    void checkArity(std::size_t count) const;

private:
    std::string name_;
    std::string help_;
    Type type_;
    std::vector<std::string> labelNames_;
};

namespace detail {

// Orders stored label vectors against lookup keys of any string-like range without building a vector.
struct LabelsLess {
    using is_transparent = void;
    template <class A, class B> bool operator()(const A& a, const B& b) const {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](std::string_view x, std::string_view y) { return x < y; });
    }
};

// The series of one family: cells are created on first use and never move or go away.
template <class Cell> class Series {
public:
    template <class... Args> Cell& get(LabelValues values, Args&&... args) {
        {
            const std::shared_lock lock(mutex_);
            if (auto it = cells_.find(values); it != cells_.end()) return *it->second;
        }
        const std::unique_lock lock(mutex_);
        auto [it, inserted] = cells_.try_emplace(std::vector<std::string>(values.begin(), values.end()));
        if (inserted) it->second = std::make_unique<Cell>(std::forward<Args>(args)...);
        return *it->second;
    }

    const Cell* find(LabelValues values) const {
        const std::shared_lock lock(mutex_);
        auto it = cells_.find(values);
        return it == cells_.end() ? nullptr : it->second.get();
    }

    template <class F> void forEach(F&& f) const {
        const std::shared_lock lock(mutex_);
        for (const auto& [labels, cell] : cells_)
            f(labels, *cell);
    }

private:
    mutable std::shared_mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Cell>, LabelsLess> cells_;
};

} // namespace detail

// One series of a counter, looked up once: for a hot path that records into the same series again and again,
// an atomic add with no lookup and no lock. Valid as long as its family (see Metrics::remove).
class CounterSeries {
public:
    void inc(double by = 1) const;

private:
    friend class Counter;
    explicit CounterSeries(std::atomic<double>& cell) : cell_(&cell) {}
    std::atomic<double>* cell_;
};

class HistogramSeries;

class Counter : public Family {
public:
    Counter(std::string name, std::string help, std::vector<std::string> labelNames);

    // Adds `by` (which must not be negative: a counter only goes up) to the series with these label values.
    void inc(LabelValues labelValues = {}, double by = 1);
    // 0 for a series never incremented.
    double value(LabelValues labelValues = {}) const;
    // The series with these label values, made (at 0) if it is not there yet.
    CounterSeries series(LabelValues labelValues);

private:
    void renderSamples(std::string& out) const override;
    detail::Series<std::atomic<double>> series_;
};

class Gauge : public Family {
public:
    Gauge(std::string name, std::string help, std::vector<std::string> labelNames);

    void set(double value) { set({}, value); }
    void set(LabelValues labelValues, double value);
    void inc(LabelValues labelValues = {}, double by = 1);
    void dec(LabelValues labelValues = {}, double by = 1) { inc(labelValues, -by); }
    double value(LabelValues labelValues = {}) const;

private:
    void renderSamples(std::string& out) const override;
    detail::Series<std::atomic<double>> series_;
};

class Histogram : public Family {
public:
    // Upper bounds, strictly increasing and finite; +Inf is implied.
    Histogram(std::string name, std::string help, std::vector<std::string> labelNames, std::vector<double> bounds);

    void observe(LabelValues labelValues, double value);
    void observe(double value) { observe({}, value); }

    const std::vector<double>& bounds() const { return bounds_; }
    // The series with these label values, made (empty) if it is not there yet.
    HistogramSeries series(LabelValues labelValues);

    // Request latencies in seconds, from 5 ms to 10 s.
    static std::vector<double> latencyBounds();

private:
    friend class HistogramSeries;
    struct Cell {
        explicit Cell(std::size_t buckets) : counts(buckets) {}
        std::vector<std::atomic<std::uint64_t>> counts; // per bucket, not cumulative; the last is +Inf
        std::atomic<double> sum{0};
    };
    void record(Cell& cell, double value) const;
    void renderSamples(std::string& out) const override;
    std::vector<double> bounds_;
    detail::Series<Cell> series_;
};

// One series of a histogram, looked up once (as CounterSeries): an observation is a search of the bounds and
// two atomic adds.
class HistogramSeries {
public:
    void observe(double value) const { family_->record(*cell_, value); }

private:
    friend class Histogram;
    HistogramSeries(const Histogram& family, Histogram::Cell& cell) : family_(&family), cell_(&cell) {}
    const Histogram* family_;
    Histogram::Cell* cell_;
};

// Values computed at scrape time, e.g. outbox depth by state read from the store, or server queue length.
// A failing callback costs its own samples only, never the scrape.
class Callback : public Family {
public:
    using Collect = std::function<std::vector<Sample>()>;
    Callback(std::string name, std::string help, Type type, std::vector<std::string> labelNames, Collect collect);

    // After this returns the callback is never called again, so whatever it captured may go.
    void detach();

private:
    void renderSamples(std::string& out) const override;
    mutable std::mutex mutex_; // held while collecting, so detach() waits for a scrape in progress
    Collect collect_;
};

class Metrics {
public:
    // Registers clinhub_build_info{version="..."} 1.
    Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Get-or-create. Asking again with the same name returns the same family; a different type or different
    // label names throws std::logic_error, and invalid names throw std::invalid_argument.
    Counter& counter(const std::string& name, const std::string& help, const std::vector<std::string>& labelNames = {});
    Gauge& gauge(const std::string& name, const std::string& help, const std::vector<std::string>& labelNames = {});
    Histogram& histogram(const std::string& name, const std::string& help, const std::vector<std::string>& labelNames,
                         const std::vector<double>& bounds = Histogram::latencyBounds());

    // A counter or gauge whose samples come from `collect` at each scrape. Registering a name that exists
    // throws std::logic_error: the owner of the callback removes it with remove() before it goes away.
    void callback(const std::string& name, const std::string& help, Family::Type type,
                  std::vector<std::string> labelNames, Callback::Collect collect);
    void callback(const std::string& name, const std::string& help, Family::Type type, std::function<double()> value);

    // Drops a family; references to it must not be used afterwards. A callback is never called after this.
    void remove(const std::string& name);

    // The whole registry in text exposition format, families ordered by name.
    std::string render() const;

    static constexpr std::string_view contentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    template <class T, class... Args>
    T& getOrCreate(const std::string& name, Family::Type type, const std::vector<std::string>& labelNames,
                   Args&&... args);

    mutable std::mutex mutex_; // guards the map only; never held while recording or rendering
    std::map<std::string, std::shared_ptr<Family>, std::less<>> families_;
};

// Text exposition escaping, exposed for tests and for anyone writing samples by hand.
std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);
std::string formatValue(double value);

} // namespace clinhub::metrics

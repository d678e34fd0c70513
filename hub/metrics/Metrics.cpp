#include "hub/metrics/Metrics.h"

#include "hub/log/Log.h"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <typeinfo>

namespace clinhub::metrics {
namespace {

bool validName(std::string_view name, bool allowColon) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowColon && c == ':');
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

const char* typeName(Family::Type type) {
    switch (type) {
    case Family::Type::counter: return "counter";
    case Family::Type::gauge: return "gauge";
    case Family::Type::histogram: return "histogram";
    }
    return "untyped";
}

// One exposition line: name{a="x",b="y"} value. `extra` is the histogram's le label, which goes last.
template <class Values>
void appendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& labelNames, const Values& labelValues,
                  std::string_view extraName = {}, std::string_view extraValue = {}) {
    out += name;
    out += suffix;
    if (!labelNames.empty() || !extraName.empty()) {
        out += '{';
        bool first = true;
        auto label = [&](std::string_view n, std::string_view v) {
            if (!first) out += ',';
            first = false;
            out += n;
            out += "=\"";
            out += escapeLabelValue(v);
            out += '"';
        };
        auto value = labelValues.begin();
        for (const auto& n : labelNames)
            label(n, *value++);
        if (!extraName.empty()) label(extraName, extraValue);
        out += '}';
    }
    out += ' ';
}

void addTo(std::atomic<double>& target, double by) {
    // fetch_add on atomic<double> is a CAS loop anyway; spelling it out keeps older libstdc++ happy.
    double current = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
    }
}

} // namespace

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

std::string escapeHelp(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

std::string formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// --- Family -------------------------------------------------------------------------------------------------

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> labelNames)
    : name_(std::move(name)), help_(std::move(help)), type_(type), labelNames_(std::move(labelNames)) {
    if (!validName(name_, true)) throw std::invalid_argument("invalid metric name '" + name_ + "'");
    for (const auto& label : labelNames_) {
        if (!validName(label, false) || label.starts_with("__"))
            throw std::invalid_argument("invalid label name '" + label + "' in metric " + name_);
        if (type_ == Type::histogram && label == "le")
            throw std::invalid_argument("histogram " + name_ + " cannot have a label named le");
    }
}

void Family::render(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    out += escapeHelp(help_);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += typeName(type_);
    out += '\n';
    renderSamples(out);
}

void Family::checkArity(std::size_t count) const {
    if (count != labelNames_.size())
        throw std::invalid_argument("metric " + name_ + " takes " + std::to_string(labelNames_.size()) +
                                    " label values, got " + std::to_string(count));
}

// --- Counter and Gauge ----------------------------------------------------------------------------------------

Counter::Counter(std::string name, std::string help, std::vector<std::string> labelNames)
    : Family(std::move(name), std::move(help), Type::counter, std::move(labelNames)) {}

void Counter::inc(LabelValues labelValues, double by) {
    checkArity(labelValues.size());
    if (!(by >= 0)) throw std::invalid_argument("counter " + name() + " cannot go down");
    addTo(series_.get(labelValues), by);
}

double Counter::value(LabelValues labelValues) const {
    const auto* cell = series_.find(labelValues);
    return cell ? cell->load(std::memory_order_relaxed) : 0;
}

CounterSeries Counter::series(LabelValues labelValues) {
    checkArity(labelValues.size());
    return CounterSeries(series_.get(labelValues));
}

void CounterSeries::inc(double by) const {
    if (!(by >= 0)) throw std::invalid_argument("a counter cannot go down");
    addTo(*cell_, by);
}

void Counter::renderSamples(std::string& out) const {
    series_.forEach([&](const std::vector<std::string>& labels, const std::atomic<double>& cell) {
        appendSample(out, name(), "", labelNames(), labels);
        out += formatValue(cell.load(std::memory_order_relaxed));
        out += '\n';
    });
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> labelNames)
    : Family(std::move(name), std::move(help), Type::gauge, std::move(labelNames)) {}

void Gauge::set(LabelValues labelValues, double value) {
    checkArity(labelValues.size());
    series_.get(labelValues).store(value, std::memory_order_relaxed);
}

void Gauge::inc(LabelValues labelValues, double by) {
    checkArity(labelValues.size());
    addTo(series_.get(labelValues), by);
}

double Gauge::value(LabelValues labelValues) const {
    const auto* cell = series_.find(labelValues);
    return cell ? cell->load(std::memory_order_relaxed) : 0;
}

void Gauge::renderSamples(std::string& out) const {
    series_.forEach([&](const std::vector<std::string>& labels, const std::atomic<double>& cell) {
        appendSample(out, name(), "", labelNames(), labels);
        out += formatValue(cell.load(std::memory_order_relaxed));
        out += '\n';
    });
}

// --- Histogram ------------------------------------------------------------------------------------------------

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> labelNames,
                     std::vector<double> bounds)
    : Family(std::move(name), std::move(help), Type::histogram, std::move(labelNames)), bounds_(std::move(bounds)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1])))
            throw std::invalid_argument("histogram " + this->name() + ": bounds must be finite and increasing");
    }
}

std::vector<double> Histogram::latencyBounds() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}; }

void Histogram::observe(LabelValues labelValues, double value) {
    checkArity(labelValues.size());
    record(series_.get(labelValues, bounds_.size() + 1), value);
}

HistogramSeries Histogram::series(LabelValues labelValues) {
    checkArity(labelValues.size());
    return {*this, series_.get(labelValues, bounds_.size() + 1)};
}

void Histogram::record(Cell& cell, double value) const {
    // le is "less than or equal", so the bucket is the first bound not below the value; NaN lands in +Inf.
    const auto bucket =
        std::isnan(value)
            ? bounds_.size()
            : static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    cell.counts[bucket].fetch_add(1, std::memory_order_relaxed);
    addTo(cell.sum, value);
}

void Histogram::renderSamples(std::string& out) const {
    series_.forEach([&](const std::vector<std::string>& labels, const Cell& cell) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= bounds_.size(); ++i) {
            cumulative += cell.counts[i].load(std::memory_order_relaxed);
            const auto le = i < bounds_.size() ? formatValue(bounds_[i]) : std::string("+Inf");
            appendSample(out, name(), "_bucket", labelNames(), labels, "le", le);
            out += std::to_string(cumulative);
            out += '\n';
        }
        appendSample(out, name(), "_sum", labelNames(), labels);
        out += formatValue(cell.sum.load(std::memory_order_relaxed));
        out += '\n';
        // _count is the +Inf bucket by definition; reusing it keeps the two equal under concurrent observes.
        appendSample(out, name(), "_count", labelNames(), labels);
        out += std::to_string(cumulative);
        out += '\n';
    });
}

// --- Callback -------------------------------------------------------------------------------------------------

Callback::Callback(std::string name, std::string help, Type type, std::vector<std::string> labelNames, Collect collect)
    : Family(std::move(name), std::move(help), type, std::move(labelNames)), collect_(std::move(collect)) {
    if (type == Type::histogram)
        throw std::invalid_argument("callback metric " + this->name() + " cannot be a histogram");
}

void Callback::detach() {
    const std::lock_guard lock(mutex_);
    collect_ = nullptr;
}

void Callback::renderSamples(std::string& out) const {
    std::vector<Sample> samples;
    {
        const std::lock_guard lock(mutex_);
        if (!collect_) return;
        try {
            samples = collect_();
        } catch (const std::exception& e) {
            // The type only: a store error's message may quote the data it failed on.
            log::warning("metrics_callback_failed", {{"metric", name()}, {"exception", typeid(e).name()}});
            return;
        }
    }
    for (const auto& sample : samples) {
        if (sample.labelValues.size() != labelNames().size()) {
            log::warning("metrics_callback_bad_sample", {{"metric", name()}});
            continue;
        }
        appendSample(out, name(), "", labelNames(), sample.labelValues);
        out += formatValue(sample.value);
        out += '\n';
    }
}

// --- Metrics --------------------------------------------------------------------------------------------------

Metrics::Metrics() {
    gauge("clinhub_build_info", "Version of the running clinhub; always 1.", {"version"}).set({CLINHUB_VERSION}, 1);
}

template <class T, class... Args>
T& Metrics::getOrCreate(const std::string& name, Family::Type type, const std::vector<std::string>& labelNames,
                        Args&&... args) {
    const std::lock_guard lock(mutex_);
    if (auto it = families_.find(name); it != families_.end()) {
        auto* existing = dynamic_cast<T*>(it->second.get());
        if (!existing || existing->type() != type || existing->labelNames() != labelNames)
            throw std::logic_error("metric " + name + " is already registered with another type or labels");
        return *existing;
    }
    auto family = std::make_shared<T>(name, std::forward<Args>(args)...);
    auto& ref = *family;
    families_.emplace(name, std::move(family));
    return ref;
}

Counter& Metrics::counter(const std::string& name, const std::string& help,
                          const std::vector<std::string>& labelNames) {
    return getOrCreate<Counter>(name, Family::Type::counter, labelNames, help, labelNames);
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const std::vector<std::string>& labelNames) {
    return getOrCreate<Gauge>(name, Family::Type::gauge, labelNames, help, labelNames);
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const std::vector<std::string>& labelNames, const std::vector<double>& bounds) {
    auto& h = getOrCreate<Histogram>(name, Family::Type::histogram, labelNames, help, labelNames, bounds);
    if (h.bounds() != bounds) throw std::logic_error("histogram " + name + " is already registered with other buckets");
    return h;
}

void Metrics::callback(const std::string& name, const std::string& help, Family::Type type,
                       std::vector<std::string> labelNames, Callback::Collect collect) {
    auto family = std::make_shared<Callback>(name, help, type, std::move(labelNames), std::move(collect));
    const std::lock_guard lock(mutex_);
    if (!families_.emplace(name, std::move(family)).second)
        throw std::logic_error("metric " + name + " is already registered");
}

void Metrics::callback(const std::string& name, const std::string& help, Family::Type type,
                       std::function<double()> value) {
    callback(name, help, type, {}, [value = std::move(value)] { return std::vector<Sample>{{{}, value()}}; });
}

void Metrics::remove(const std::string& name) {
    std::shared_ptr<Family> family;
    {
        const std::lock_guard lock(mutex_);
        auto it = families_.find(name);
        if (it == families_.end()) return;
        family = std::move(it->second);
        families_.erase(it);
    }
    // A scrape may still hold the family; detaching makes sure it no longer calls into the owner.
    if (auto* callback = dynamic_cast<Callback*>(family.get())) callback->detach();
}

std::string Metrics::render() const {
    // Copy the list and render outside the registry lock, so a slow callback (a store query) never blocks
    // registration, and a callback that registers metrics cannot deadlock.
    std::vector<std::shared_ptr<Family>> families;
    {
        const std::lock_guard lock(mutex_);
        families.reserve(families_.size());
        for (const auto& [name, family] : families_)
            families.push_back(family);
    }
    std::string out;
    for (const auto& family : families)
        family->render(out);
    return out;
}

} // namespace clinhub::metrics

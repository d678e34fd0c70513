// Appointment reminders: N booked appointments, each due its day-before reminder, queued by the reminder job
// (workflows::Reminders::queueDue: found, worded, given a manage link, sealed and queued, and recorded once
// per appointment and offset), against a single INSERT ... SELECT putting the same rows' texts straight into
// the outbox on the same store: the floor a set-based statement sets.
//
//   bench_reminders [N]   CLINHUB_BENCH_STORE: a postgresql:// URL, or unset for SQLite in a temp folder
#include "hub/workflows/Reminders.h"
#include "Report.h"
#include "hub/host/PluginHost.h"
#include "hub/links/LinkRepository.h"
#include "hub/runtime/Runtime.h"
#include "hub/store/Store.h"
#include "tests/TestNhsNumbers.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

using namespace Poco::Data::Keywords;
using clinhub::bench::format;
using clinhub::bench::kNone;
using clinhub::bench::ratio;
using clinhub::bench::result;

namespace {

constexpr int kPerTransaction = 500;
const std::string kOrganisation = "A12345";

// The same rows as the job's, in one statement: each appointment's reminder text, unsealed and unrecorded.
constexpr const char* kInsertSelect =
    "INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, created_at, "
    "updated_at, link_id) SELECT 'msg-' || a.link_id, l.organisation, 'sms', '{\"to\":\"' || l.mobile || "
    "'\",\"body\":\"Bench Surgery: a reminder of your Flu vaccination appointment at ' || a.start_at || '\"}', "
    "'queued', 0, ?, ?, ?, a.link_id FROM link_appointments a JOIN links l ON l.id = a.link_id WHERE a.state = "
    "'booked' AND a.start_at > ? AND a.start_at <= ? AND l.organisation = ? AND l.rule = 'flu'";

int64_t nowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// N links, each booked a week ago into an appointment within the next day.
void addAppointments(clinhub::store::Store& store, int n, int64_t now) {
    clinhub::test::TestNhsNumbers numbers;
    const int64_t bookedAt = now - 7LL * 86'400'000'000;
    for (int first = 0; first < n; first += kPerTransaction) {
        std::vector<clinhub::links::NewLink> links;
        for (int i = first; i < std::min(n, first + kPerTransaction); ++i) {
            clinhub::links::NewLink l;
            l.link.id = "lnk_bench" + format("%07d", i);
            l.link.organisation = kOrganisation;
            l.link.rule = "flu";
            l.link.state = clinhub::links::LinkState::booked;
            l.link.expiresAt = now + 30LL * 86'400'000'000;
            l.link.patient = {numbers.next(), "1950-01-01", format("+447700900%03d", i % 1000), ""};
            l.tokenHash = format("hash%07d", i);
            links.push_back(std::move(l));
        }
        store.write([&](clinhub::store::Session& s) {
            clinhub::links::LinkRepository repository(s);
            repository.insert(links, bookedAt);
            for (std::size_t k = 0; k < links.size(); ++k) {
                clinhub::Appointment a;
                a.id = "appt-" + links[k].link.id;
                a.slot = {"slot-" + links[k].link.id,
                          "Flu clinic",
                          now / 1'000'000 + 3600 + (first + static_cast<int64_t>(k)) % 72'000,
                          10,
                          "",
                          "Room 1",
                          false};
                repository.addAppointment(links[k].link.id, a, bookedAt);
            }
        });
    }
}

std::shared_ptr<const clinhub::runtime::Runtime> runtimeWithReminders() {
    clinhub::config::Config config;
    config.http.publicUrl = "https://book.example.test";
    clinhub::config::Organisation org;
    org.ods = kOrganisation;
    org.name = "Bench Surgery";
    org.route.sms = {"texts"};
    clinhub::config::Rule rule;
    rule.id = "flu";
    rule.title = "Flu vaccination";
    rule.channels = {"sms"};
    rule.reminderMinutes = {24 * 60};
    org.rules[rule.id] = rule;
    config.organisations[org.ods] = org;
    static const clinhub::host::PluginHost host; // no connector: the job only queues
    std::vector<std::string> errors;
    auto runtime = clinhub::runtime::Runtime::build(config, host, errors);
    if (!runtime) throw std::runtime_error("no runtime");
    return runtime;
}

int64_t count(clinhub::store::Store& store, const std::string& sql) {
    auto s = store.session();
    int64_t n = 0;
    s << sql, into(n), now;
    return n;
}

} // namespace

int main(int argc, char** argv) try {
    const int n = argc > 1 ? std::stoi(argv[1]) : 100'000;
    const auto dir =
        std::filesystem::temp_directory_path() / format("clinhub-bench-reminders-%d", static_cast<int>(getpid()));
    std::filesystem::create_directories(dir);
    const std::string url =
        clinhub::bench::onPostgres() ? clinhub::bench::storeUrl() : "sqlite:" + (dir / "hub.db").string();
    {
        auto store = clinhub::store::Store::open(url);
        store->migrate();
        const int64_t start = nowMicros();
        addAppointments(*store, n, start);
        if (clinhub::bench::onPostgres()) {
            auto s = store->session();
            s << "ANALYZE links", now;
            s << "ANALYZE link_appointments", now;
        }

        // The baseline, rolled back by deleting what it put in: the job must find the appointments unreminded.
        const auto baselineStart = std::chrono::steady_clock::now();
        store->write([&](clinhub::store::Session& s) {
            int64_t t = start;
            int64_t from = start / 1'000'000;
            int64_t to = from + 86'400;
            std::string org = kOrganisation;
            s << kInsertSelect, use(t), use(t), use(t), use(from), use(to), use(org), now;
        });
        const double baselineSeconds = secondsSince(baselineStart);
        if (count(*store, "SELECT COUNT(*) FROM outbox") != n) throw std::runtime_error("the baseline missed rows");
        store->write([](clinhub::store::Session& s) { s << "DELETE FROM outbox", now; });

        clinhub::runtime::Current current(runtimeWithReminders());
        clinhub::workflows::Reminders reminders(*store, current, [start] { return start; });
        const auto jobStart = std::chrono::steady_clock::now();
        const int64_t queued = reminders.queueDue();
        const double jobSeconds = secondsSince(jobStart);
        if (queued != n || count(*store, "SELECT COUNT(*) FROM outbox") != n ||
            count(*store, "SELECT COUNT(*) FROM appointment_reminders") != n)
            throw std::runtime_error("the job queued " + std::to_string(queued) + " of " + std::to_string(n));
        if (reminders.queueDue() != 0) throw std::runtime_error("a second run queued more");

        std::printf("%d appointments on %s, each due its day-before reminder\n", n, clinhub::bench::storeName());
        std::printf("  reminder job (Reminders::queueDue): %.2f s, %.0f reminders/s\n", jobSeconds, n / jobSeconds);
        std::printf("  one INSERT ... SELECT of the same rows: %.2f s, %.0f rows/s (%.1fx the job's time)\n",
                    baselineSeconds, n / baselineSeconds, jobSeconds / baselineSeconds);
        result(format("reminders queued, %d appointments", n), format("%.0f/s", n / jobSeconds),
               format("%.0f/s (INSERT ... SELECT)", n / baselineSeconds), ratio(baselineSeconds / jobSeconds), kNone,
               kNone);
    }
    std::filesystem::remove_all(dir);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_reminders: %s\n", e.what());
    return 1;
}

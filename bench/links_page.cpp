// The practice-wide links list a page at a time: a deep page (three quarters of the way down) fetched by its
// key through LinkRepository::page, against the same query paged with LIMIT 50 OFFSET n on the same store.
// Links are stored 500 to a transaction sharing one created_at, so the key's tie-break on id is exercised.
//
//   bench_links_page [N...]   CLINHUB_BENCH_STORE: a postgresql:// URL, or unset for SQLite in a temp folder
#include "Report.h"
#include "hub/links/LinkRepository.h"
#include "hub/store/Store.h"
#include "tests/TestNhsNumbers.h"

#include <Poco/Data/RecordSet.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

using namespace Poco::Data::Keywords;
using clinhub::bench::format;
using clinhub::bench::kNone;
using clinhub::bench::ratio;
using clinhub::bench::result;

namespace {

constexpr int kPageSize = 50;
constexpr int kLinksPerTransaction = 500;
constexpr int kRuns = 21;
constexpr int64_t kStart = 1'790'000'000'000'000; // microseconds since the epoch
const std::string kOrganisation = "A12345";

// The baseline: LinkRepository::page's statement for an unfiltered list, the key's condition swapped for
// an OFFSET.
constexpr const char* kOffsetPage =
    "SELECT l.id, l.rule, l.state, l.nhs_number, COALESCE(l.name, ''), l.created_at, l.expires_at, "
    "COALESCE(o.state, '') FROM links l LEFT JOIN outbox o ON o.reference = l.invite_reference "
    "WHERE l.organisation = ? ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?";

double medianMs(const std::function<void()>& fetch) {
    std::vector<double> took;
    for (int i = 0; i < kRuns; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fetch();
        took.emplace_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(took.begin(), took.begin() + kRuns / 2, took.end());
    return took[kRuns / 2];
}

void addLinks(clinhub::store::Store& store, int from, int to, clinhub::test::TestNhsNumbers& numbers) {
    for (int first = from; first < to; first += kLinksPerTransaction) {
        std::vector<clinhub::links::NewLink> links;
        for (int i = first; i < std::min(to, first + kLinksPerTransaction); ++i) {
            clinhub::links::NewLink l;
            l.link.id = "lnk_bench" + format("%07d", i);
            l.link.organisation = kOrganisation;
            l.link.rule = "flu";
            l.link.expiresAt = kStart + 30LL * 86'400'000'000;
            l.link.patient = {numbers.next(), "1950-01-01", format("+447700900%03d", i % 1000), ""};
            l.tokenHash = format("hash%07d", i);
            links.push_back(std::move(l));
        }
        const int64_t at = kStart + static_cast<int64_t>(first) * 1000;
        store.write([&](clinhub::store::Session& s) { clinhub::links::LinkRepository(s).insert(links, at); });
    }
}

// Page `page` (from 0) of the links, by key and by offset: median ms of each.
void measure(clinhub::store::Store& store, int links) {
    const int page = links * 3 / 4 / kPageSize;
    auto s = store.session();
    clinhub::links::LinkRepository repository(s);
    // The key of the page before: the last id of page - 1, found once as a client following "Next" would have.
    std::string before;
    {
        int offset = page * kPageSize - 1;
        int one = 1;
        std::string org = kOrganisation;
        Poco::Data::Statement q = s << kOffsetPage;
        q, use(org), use(one), use(offset);
        q.execute();
        Poco::Data::RecordSet r(q);
        before = r.value(0, 0).convert<std::string>();
    }
    clinhub::links::LinkFilter filter{kOrganisation};
    filter.before = before;
    filter.limit = kPageSize;
    std::vector<clinhub::links::LinkSummary> byKey;
    const double keyMs = medianMs([&] { byKey = repository.page(filter, kStart); });

    std::vector<std::string> byOffset;
    const double offsetMs = medianMs([&] {
        std::string org = kOrganisation;
        int limit = kPageSize;
        int offset = page * kPageSize;
        std::vector<std::string> ids, rules, states, nhs, names, invite;
        std::vector<int64_t> created, expires;
        s << kOffsetPage, use(org), use(limit), use(offset), into(ids), into(rules), into(states), into(nhs),
            into(names), into(created), into(expires), into(invite), now;
        byOffset = ids;
    });
    if (byKey.size() != byOffset.size() || byKey.empty() || byKey.front().id != byOffset.front() ||
        byKey.back().id != byOffset.back())
        throw std::runtime_error("the key and the offset found different pages");

    std::printf("%d links on %s: page %d of %d (%d links a page)\n", links, clinhub::bench::storeName(), page + 1,
                (links + kPageSize - 1) / kPageSize, kPageSize);
    std::printf("  by key (LinkRepository::page): %.3f ms; by LIMIT %d OFFSET %d: %.3f ms (%.1fx faster by key)\n",
                keyMs, kPageSize, page * kPageSize, offsetMs, offsetMs / keyMs);
    result(format("links page %d at %d links", page + 1, links), format("%.3f ms", keyMs),
           format("%.3f ms (OFFSET %d)", offsetMs, page * kPageSize), keyMs > 0 ? ratio(offsetMs / keyMs) : kNone,
           kNone, kNone);
}

} // namespace

int main(int argc, char** argv) try {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i)
        sizes.push_back(std::stoi(argv[i]));
    if (sizes.empty()) sizes = {10'000, 100'000};
    std::sort(sizes.begin(), sizes.end());

    const auto dir =
        std::filesystem::temp_directory_path() / format("clinhub-bench-links-%d", static_cast<int>(getpid()));
    std::filesystem::create_directories(dir);
    const std::string url =
        clinhub::bench::onPostgres() ? clinhub::bench::storeUrl() : "sqlite:" + (dir / "hub.db").string();
    {
        auto store = clinhub::store::Store::open(url);
        store->migrate();
        clinhub::test::TestNhsNumbers numbers;
        int stored = 0;
        for (const int n : sizes) {
            addLinks(*store, stored, n, numbers);
            stored = n;
            if (clinhub::bench::onPostgres()) {
                auto s = store->session();
                s << "ANALYZE links", now;
            }
            measure(*store, n);
        }
    }
    std::filesystem::remove_all(dir);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_links_page: %s\n", e.what());
    return 1;
}

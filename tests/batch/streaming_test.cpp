// Validating a list does not hold the list: the heap grows only by the duplicate check's 8 bytes or so per
// patient, however long the file.
#include "hub/batch/BatchRows.h"
#include "tests/batch/TestLists.h"

#include <gtest/gtest.h>

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <istream>
#include <streambuf>

namespace {

using namespace clinhub::batch;

// A SystmOne-style list of `rows` patients, each row made only when the reader asks for it.
class GeneratedList : public std::streambuf {
public:
    explicit GeneratedList(int rows) : rows_(rows) { show("NHS Number,Mobile Number,Date of Birth,Name\r\n"); }

protected:
    int_type underflow() override {
        if (next_ == rows_) return traits_type::eof();
        show(clinhub::test::testNhsNumber(next_) + "," + clinhub::test::testMobile(next_) +
             ",01/02/1990,\"Test Patient " + std::to_string(next_) + ", " + std::string(100, 'x') + "\"\r\n");
        ++next_;
        return traits_type::to_int_type(*gptr());
    }

private:
    void show(std::string line) {
        line_ = std::move(line);
        setg(line_.data(), line_.data(), line_.data() + line_.size());
    }

    int rows_;
    int next_ = 0;
    std::string line_;
};

// Allocated bytes, the large blocks malloc maps on their own included.
std::size_t heapInUse() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

long maxRssKiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST(Streaming, ALongListIsValidatedInLittleMoreMemoryThanItsNhsNumbers) {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer replaces malloc and holds freed memory in quarantine: neither figure would mean
    // anything. The ordinary build measures it.
    GTEST_SKIP() << "memory is measured in the build without AddressSanitizer";
#endif
    constexpr int kRows = 200'000; // about 30 MB of CSV
    const std::size_t heapBefore = heapInUse();
    const long rssBefore = maxRssKiB();
    std::size_t heapPeak = heapBefore;
    GeneratedList list(kRows);
    std::istream in(&list);
    int seen = 0;
    const auto counts = validateCsv(in, ListColumns::withContacts, "2024-06-01", 64 * 1024 * 1024, [&](const Row& row) {
        if (++seen % 1000 == 0) heapPeak = std::max(heapPeak, heapInUse());
        EXPECT_TRUE(row.accepted()) << row.row << ": " << row.reason;
    });
    heapPeak = std::max(heapPeak, heapInUse());
    EXPECT_EQ(counts.accepted, kRows);
    EXPECT_EQ(counts.rejected, 0);
    const double heapGrowthMb = static_cast<double>(heapPeak - heapBefore) / 1e6;
    const double rssGrowthMb = static_cast<double>(maxRssKiB() - rssBefore) * 1024 / 1e6;
    RecordProperty("heap_growth_mb", std::to_string(heapGrowthMb));
    std::printf("%d rows: heap grew by at most %.1f MB, max RSS by %.1f MB\n", kRows, heapGrowthMb, rssGrowthMb);
    EXPECT_LT(heapGrowthMb, 20.0);
    EXPECT_LT(rssGrowthMb, 20.0);
}

} // namespace

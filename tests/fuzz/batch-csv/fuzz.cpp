// libFuzzer over the batch CSV reader and the row verdicts, both book styles. The first byte chooses where
// the rest is split into two chunks, so chunk boundaries fall everywhere: inside a quote, a CRLF, a UTF-8
// character or the byte order mark. FileError is the only exception a file may cause; anything else, a
// sanitizer report or a broken invariant is a finding.
#include "hub/batch/BatchRows.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

namespace {

using namespace clinhub::batch;

// Small, so the size limit is reached by some inputs too.
constexpr std::size_t kMaxBytes = 2048;

void require(bool holds) {
    if (!holds) __builtin_trap();
}

bool digits(std::string_view s) {
    for (unsigned char c : s)
        if (std::isdigit(c) == 0) return false;
    return true;
}

// A verdict that can be sent carries normalised values; one that cannot carries a reason.
void checkVerdict(const Row& row, ListColumns style) {
    require(row.row >= 2 && row.line >= row.row);
    if (!row.accepted()) {
        require(!row.reasonKind().empty());
        return;
    }
    require(row.nhsNumber.size() == 10 && digits(row.nhsNumber));
    if (style == ListColumns::withContacts) {
        require(row.mobile.size() == 13 && row.mobile.starts_with("+447") && digits(row.mobile.substr(1)));
        require(row.dateOfBirth.size() == 10 && row.dateOfBirth <= "2024-06-01");
    }
}

// What the rejected list writes reads back as the same fields.
void checkRoundTrip(const std::vector<std::string>& fields) {
    std::ostringstream out;
    CsvWriter(out).write(fields);
    std::vector<std::string> back;
    CsvReader reader(kMaxBytes * 4, [&](const Record& r) { back = r.fields; });
    reader.feed(out.str());
    require(back == fields);
}

void run(std::string_view first, std::string_view second, ListColumns style) {
    RowValidator validator(style, "2024-06-01");
    bool headerRead = false;
    try {
        CsvReader reader(kMaxBytes, [&](const Record& record) {
            require(record.line >= record.row && !record.fields.empty());
            if (style == ListColumns::nhsNumberOnly) checkRoundTrip(record.fields);
            if (!headerRead) {
                validator.header(record);
                headerRead = true;
                return;
            }
            checkVerdict(validator.check(record), style);
        });
        reader.feed(first);
        reader.feed(second);
        reader.finish();
        require(headerRead && reader.bytesRead() == first.size() + second.size());
    } catch (const FileError& e) {
        require(e.row >= 1 && e.line >= 1 && std::string_view(e.what()).starts_with("row "));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t split = static_cast<std::size_t>(data[0]) * body.size() / 255;
    for (const auto style : {ListColumns::nhsNumberOnly, ListColumns::withContacts})
        run(body.substr(0, split), body.substr(split), style);
    return 0;
}

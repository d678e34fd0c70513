#include "hub/batch/CsvReader.h"

#include <Poco/UTF8Encoding.h>
#include <csv.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <optional>

namespace clinhub::batch {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// More than a spreadsheet holds (Excel stops at 16 384): a record past it is not a patient list, and the
// cap keeps a file of nothing but commas from costing a string per comma.
constexpr std::size_t kMaxColumns = 16384;

void freeParser(csv_parser* parser) {
    csv_free(parser);
    delete parser;
}

// Line breaks in `bytes`: CRLF, LF and a lone CR each end a line. afterCr carries a CR ending one piece over
// to the next, so a CRLF split between two pieces counts once.
int lineBreaks(std::string_view bytes, bool& afterCr) {
    int breaks = 0;
    for (char c : bytes) {
        if (c == '\r' || (c == '\n' && !afterCr)) ++breaks;
        afterCr = c == '\r';
    }
    return breaks;
}

// Where the first byte that is not part of a well-formed UTF-8 character is (overlong forms, surrogates
// and sequences cut short included), if anywhere.
std::optional<std::size_t> firstNonUtf8(std::string_view text) {
    static const Poco::UTF8Encoding utf8;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t at = 0; at < text.size();) {
        if (bytes[at] < 0x80) {
            ++at;
            continue;
        }
        const int available = static_cast<int>(std::min<std::size_t>(text.size() - at, 4));
        const int length = utf8.sequenceLength(bytes + at, available);
        if (length <= 0 || length > available || !Poco::UTF8Encoding::isLegal(bytes + at, length)) return at;
        at += static_cast<std::size_t>(length);
    }
    return std::nullopt;
}

bool blank(const std::vector<std::string>& fields) {
    return std::all_of(fields.begin(), fields.end(),
                       [](const std::string& f) { return f.find_first_not_of(" \t") == std::string::npos; });
}

std::string describeSize(std::size_t bytes) {
    constexpr std::size_t kMiB = 1024 * 1024;
    if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
    return std::to_string(bytes) + " bytes";
}

} // namespace

FileError::FileError(int row, int line, const std::string& problem)
    : std::runtime_error("row " + std::to_string(row) + " (line " + std::to_string(line) + "): " + problem), row(row),
      line(line), problem(problem) {}

CsvReader::CsvReader(std::size_t maxBytes, OnRecord onRecord)
    : parser_(new csv_parser{}, freeParser), maxBytes_(maxBytes), onRecord_(std::move(onRecord)) {
    // STRICT: a quote anywhere but around a whole field is an error, not a character. STRICT_FINI: so is a
    // quote still open at the end. REPALL_NL: every line ending is reported, so blank rows keep their
    // numbers. No APPEND_NULL: fields are copied by length.
    if (csv_init(parser_.get(), CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) throw std::bad_alloc();
}

CsvReader::~CsvReader() = default;

void CsvReader::feed(std::string_view chunk) {
    if (chunk.size() > maxBytes_ - bytes_)
        fail(lineBreaks_ + 1,
             "the file is larger than the limit of " + describeSize(maxBytes_) + ": split the list into smaller files");
    bytes_ += chunk.size();
    if (!started_) {
        // A byte order mark may arrive split across chunks: hold the first three bytes until it is known.
        const std::size_t take = std::min(chunk.size(), kByteOrderMark.size() - start_.size());
        start_.append(chunk.substr(0, take));
        chunk.remove_prefix(take);
        if (start_.size() < kByteOrderMark.size() && kByteOrderMark.starts_with(start_)) return;
        started_ = true;
        if (start_ != kByteOrderMark) parse(start_);
    }
    parse(chunk);
}

void CsvReader::finish() {
    if (!started_) {
        started_ = true;
        parse(start_);
    }
    const int finished = csv_fini(parser_.get(), fieldEnded, recordEnded, this);
    rethrowCallbackError();
    if (finished != 0)
        fail(recordLine_, "unterminated quote: a field on this row opens with a quote (\") that never closes, so "
                          "the rest of the file would be read into it");
    if (records_ == 0) throw FileError(1, 1, "the file is empty: no header row and no patients");
    if (records_ == 1) fail(recordLine_, "the file has only its header row: no patients");
}

void CsvReader::parse(std::string_view bytes) {
    const std::size_t parsed = csv_parse(parser_.get(), bytes.data(), bytes.size(), fieldEnded, recordEnded, this);
    rethrowCallbackError();
    if (parsed < bytes.size()) {
        if (csv_error(parser_.get()) != CSV_EPARSE) throw std::bad_alloc();
        // Strict mode stopped at the byte it refused.
        bool afterCr = afterCr_;
        const int line = lineBreaks_ + lineBreaks(bytes.substr(0, parsed), afterCr) + 1;
        fail(line, bytes[parsed] == '"'
                       ? "a quote (\") in the wrong place: a field with quotes in it must be quoted as a whole, "
                         "with each quote inside doubled (\"\")"
                       : "text after the closing quote of a field: a quoted field must end at a comma or the end "
                         "of the row");
    }
    lineBreaks_ += lineBreaks(bytes, afterCr_);
}

void CsvReader::fieldEnded(void* data, std::size_t size, void* self) {
    static_cast<CsvReader*>(self)->field({static_cast<const char*>(data), size});
}

void CsvReader::recordEnded(int terminator, void* self) { static_cast<CsvReader*>(self)->record(terminator); }

// Exceptions cannot cross libcsv's C frames: the callbacks park one and go quiet until parse() rethrows it.
void CsvReader::field(std::string_view data) {
    if (callbackError_) return;
    try {
        if (record_.fields.size() == kMaxColumns)
            fail(recordLine_, "more than " + std::to_string(kMaxColumns) + " columns: this is not a patient list");
        if (const auto bad = firstNonUtf8(data)) {
            const std::size_t column = record_.fields.size();
            const std::string where = records_ > 0 && column < header_.size() ? "column '" + header_[column] + "'"
                                                                              : "column " + std::to_string(column + 1);
            char byte[8];
            std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(data[*bad]));
            bool afterCr = false;
            fail(recordLine_ + recordLineBreaks_ + lineBreaks(data.substr(0, *bad), afterCr),
                 std::string("the file is not UTF-8 text (byte ") + byte + " in " + where +
                     "): save it from the spreadsheet as \"CSV UTF-8\"");
        }
        bool afterCr = false;
        recordLineBreaks_ += lineBreaks(data, afterCr);
        record_.fields.emplace_back(data);
    } catch (...) {
        callbackError_ = std::current_exception();
    }
}

void CsvReader::record(int terminator) {
    if (callbackError_) return;
    // With REPALL_NL libcsv reports the LF of a CRLF as an empty row of its own.
    const bool crlfTail = terminator == '\n' && lastEndedWithCr_ && record_.fields.empty();
    lastEndedWithCr_ = terminator == '\r';
    if (crlfTail) return;
    record_.row = ++rowsEnded_;
    record_.line = recordLine_;
    try {
        if (!blank(record_.fields)) {
            if (++records_ == 1) header_ = record_.fields;
            onRecord_(record_);
        }
    } catch (...) {
        callbackError_ = std::current_exception();
    }
    recordLine_ += recordLineBreaks_ + (terminator == -1 ? 0 : 1);
    recordLineBreaks_ = 0;
    record_.fields.clear();
}

void CsvReader::rethrowCallbackError() {
    if (callbackError_) std::rethrow_exception(callbackError_);
}

void CsvReader::fail(int line, const std::string& problem) const { throw FileError(rowsEnded_ + 1, line, problem); }

} // namespace clinhub::batch

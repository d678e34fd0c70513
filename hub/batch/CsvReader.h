// Reads an uploaded CSV as a stream of records, holding at most one record at a time, and refuses a
// malformed file as a whole: the caller keeps nothing from a file that throws FileError.
//
// RFC 4180 (strict: a quote may only open and close a whole field, doubled inside it) over libcsv; CRLF, LF
// or CR; a UTF-8 byte order mark is dropped; every field must be UTF-8. Rows are numbered as a spreadsheet
// numbers them (the header is row 1, a blank line is a row, a quoted field's line breaks are not); lines
// are physical lines, for the text editor. Blank rows (every field empty or spaces) are not passed on, so
// trailing blank rows, and blank rows between patients, are skipped.
// Rules: docs/domain.md (Validation rules, CSV files).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct csv_parser;

namespace clinhub::batch {

// Uploads larger than this are refused unless the caller configures another limit.
constexpr std::size_t kDefaultMaxBytes = 20 * 1024 * 1024;

// A malformed file: nothing from it may be kept. what() names both places, e.g.
// "row 7 (line 9): unterminated quote: ...".
struct FileError : std::runtime_error {
    FileError(int row, int line, const std::string& problem);
    int row;
    int line;
    std::string problem; // what() without the place
};

// One non-blank record. row: the spreadsheet row (header = 1); line: the physical line it starts on.
struct Record {
    int row = 0;
    int line = 0;
    std::vector<std::string> fields;
};

// A push parser over chunks of any size (a chunk may end anywhere, even inside a UTF-8 character).
class CsvReader {
public:
    using OnRecord = std::function<void(const Record&)>;

    // onRecord may throw FileError to refuse the file; the throw reaches the caller of feed() or finish().
    CsvReader(std::size_t maxBytes, OnRecord onRecord);
    ~CsvReader();
    CsvReader(const CsvReader&) = delete;
    CsvReader& operator=(const CsvReader&) = delete;

    void feed(std::string_view chunk); // throws FileError
    void finish();                     // throws FileError (unterminated quote, empty file, header only)
    [[nodiscard]] std::size_t bytesRead() const { return bytes_; }

private:
    static void fieldEnded(void* data, std::size_t size, void* self);
    static void recordEnded(int terminator, void* self);
    void field(std::string_view data);
    void record(int terminator);
    void parse(std::string_view bytes);
    void rethrowCallbackError();
    [[noreturn]] void fail(int line, const std::string& problem) const;

    std::unique_ptr<csv_parser, void (*)(csv_parser*)> parser_;
    std::size_t maxBytes_;
    OnRecord onRecord_;
    std::size_t bytes_ = 0;
    std::string start_; // the first bytes, until it is known whether they are a byte order mark
    bool started_ = false;

    Record record_;                   // the one in progress
    std::vector<std::string> header_; // column names, for naming where a byte is not UTF-8
    int records_ = 0;                 // non-blank records passed on
    int rowsEnded_ = 0;               // rows ended, blank ones included
    int recordLine_ = 1;              // the line the record in progress starts on
    int recordLineBreaks_ = 0;        // line breaks inside its quoted fields so far
    bool lastEndedWithCr_ = false;
    int lineBreaks_ = 0; // in every byte parsed so far, for the line of a parse error
    bool afterCr_ = false;
    std::exception_ptr callbackError_; // thrown from a callback; carried over libcsv's C frames
};

} // namespace clinhub::batch

// Batch Self-Book's verdict on each row of an uploaded patient list: can be sent, or cannot be sent and
// why, in words a receptionist understands. Which columns a list needs is the organisation's choice
// (batch_csv). Rules: docs/domain.md (Batch Self-Book; Validation rules and test vectors).
//
// Offline checks only: whether the patient is in the book, or already holds an open link for the rule,
// is for the caller to add. For a list of NHS numbers only, the mobile number and date of birth come from
// the book, so only the NHS number and duplicates are checked here.
#pragma once

#include "hub/batch/CsvReader.h"
#include "hub/batch/FirstRows.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::batch {

// What a batch list's rows carry: NHS numbers only (mobile, date of birth and name then come from the
// appointment book), or NHS numbers with each patient's mobile and date of birth (a name optional).
enum class ListColumns { nhsNumberOnly, withContacts };

// A column heading as compared: lower case, without spaces (no-break spaces too, which spreadsheets paste
// in and no one can see), underscores, hyphens or dots. "Date of Birth" and "date_of_birth" are one.
std::string headingKey(std::string_view title);

// "nhs_number_only" or "with_contacts", any case. The words of earlier versions, the book styles they
// followed ("emis", "systmone", "tpp", a connector's name), still read: isDeprecatedListWord says so.
std::optional<ListColumns> listColumnsFromString(std::string_view word);
bool isDeprecatedListWord(std::string_view word);
std::string_view toString(ListColumns columns); // "nhs_number_only", "with_contacts"

// A data row, normalised when accepted.
struct Row {
    int row = 0;                     // spreadsheet row (header = 1)
    int line = 0;                    // physical line it starts on
    std::vector<std::string> fields; // as uploaded
    std::string nhsNumber;           // 10 digits
    std::string mobile;              // +447..., empty when the list holds NHS numbers only (comes from the book)
    std::string dateOfBirth;         // YYYY-MM-DD, empty when the list holds NHS numbers only
    std::string name;                // optional
    std::string reason;              // empty when it can be sent
    int duplicateOf = 0;             // the earlier row with this NHS number, when that is the reason
    [[nodiscard]] bool accepted() const { return reason.empty(); }
    // The reason without what differs row to row ("duplicate of an earlier row"): what counts group by.
    [[nodiscard]] std::string reasonKind() const;
};

// Checks rows one at a time against the header it was given. A row repeating the NHS number of an earlier
// row that can be sent is a duplicate of it; a repeat of a row that cannot be sent is checked on its own,
// so a corrected second entry still gets its invite.
class RowValidator {
public:
    RowValidator(ListColumns style, std::string today /* YYYY-MM-DD */);

    // Finds the columns; throws FileError naming the missing column(s) and the columns found.
    void header(const Record& header);
    // One verdict per row; a row with more or fewer fields than the header is a FileError.
    Row check(const Record& record);
    [[nodiscard]] const std::vector<std::string>& headerFields() const { return header_; }

private:
    std::string field(const Record& record, std::optional<std::size_t> column) const;

    ListColumns style_;
    std::string today_;
    std::vector<std::string> header_;
    std::optional<std::size_t> nhsNumber_, mobile_, dateOfBirth_, name_;
    FirstRows firstRows_;
};

struct Counts {
    int64_t accepted = 0;
    int64_t rejected = 0;
    std::map<std::string, int64_t> byReason; // keyed by Row::reasonKind()
};

// Reads a whole file or stream: the header to onHeader, then every data row to onRow; progress hears the
// bytes read so far after each chunk. Throws FileError, after which the caller must keep nothing it was
// given.
Counts validateCsv(std::istream& in, ListColumns style, const std::string& today, std::size_t maxBytes,
                   const std::function<void(const Row&)>& onRow,
                   const std::function<void(std::size_t bytes)>& progress = {},
                   const std::function<void(const std::vector<std::string>& header)>& onHeader = {});

// RFC 4180 output (every field quoted, CRLF), for the list of rows that cannot be sent.
class CsvWriter {
public:
    // forSpreadsheets puts a ' before a cell that starts with = + - @ tab or CR (OWASP's CSV injection
    // advice): the rejected list repeats what was uploaded and is opened in Excel, where such a cell would
    // run as a formula. Excel shows the cell as the text it was; "+447700900123" stays a phone number.
    enum class Cells { asGiven, forSpreadsheets };
    explicit CsvWriter(std::ostream& out, Cells cells = Cells::asGiven) : out_(out), cells_(cells) {}
    void write(const std::vector<std::string>& fields);

private:
    std::ostream& out_;
    Cells cells_;
    std::string cell_;
    std::string quoted_;
};

} // namespace clinhub::batch

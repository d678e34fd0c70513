#include "hub/batch/BatchRows.h"

#include <clinhub/kit/Identity.hpp>

#include <csv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <istream>
#include <ostream>

namespace clinhub::batch {
namespace {

// A column and the headings it goes by, as headingKey() writes them.
struct Column {
    const char* title;
    std::vector<std::string_view> headings;
};

const Column kNhsNumber{"NHS Number", {"nhsnumber", "nhsno", "nhs"}};
const Column kMobile{"Mobile Number",
                     {"mobilenumber", "telecomnumber", "mobile", "mobiletelephone", "mobiletelephonenumber",
                      "mobilephone", "mobilephonenumber"}};
const Column kDateOfBirth{"Date of Birth", {"dateofbirth", "dob", "birthdate"}};
const Column kName{"Name", {"name", "patientname", "firstname", "forename", "forenames", "givenname"}};

} // namespace

std::string headingKey(std::string_view title) {
    std::string out;
    for (std::size_t i = 0; i < title.size(); ++i) {
        const auto c = static_cast<unsigned char>(title[i]);
        if (title.substr(i, 2) == "\xC2\xA0")
            ++i;
        else if (std::isspace(c) == 0 && c != '_' && c != '-' && c != '.')
            out += static_cast<char>(std::tolower(c));
    }
    return out;
}

namespace {

std::string_view trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string joined(const std::vector<std::string>& words, std::size_t most) {
    std::string out;
    for (std::size_t i = 0; i < words.size() && i < most; ++i)
        out += (i == 0 ? "" : ", ") + words[i];
    if (words.size() > most) out += ", …";
    return out;
}

} // namespace

std::optional<ListColumns> listColumnsFromString(std::string_view word) {
    const std::string w = headingKey(word);
    if (w == "nhsnumberonly") return ListColumns::nhsNumberOnly;
    if (w == "withcontacts") return ListColumns::withContacts;
    if (w == "emis" || w == "emisxml" || w == "emisstyle") return ListColumns::nhsNumberOnly;
    if (w == "systmone" || w == "systmonexml" || w == "systmonestyle" || w == "tpp") return ListColumns::withContacts;
    return std::nullopt;
}

bool isDeprecatedListWord(std::string_view word) {
    const std::string w = headingKey(word);
    return listColumnsFromString(word) && w != "nhsnumberonly" && w != "withcontacts";
}

std::string_view toString(ListColumns columns) {
    return columns == ListColumns::nhsNumberOnly ? "nhs_number_only" : "with_contacts";
}

std::string Row::reasonKind() const { return duplicateOf != 0 ? "duplicate of an earlier row" : reason; }

RowValidator::RowValidator(ListColumns style, std::string today) : style_(style), today_(std::move(today)) {}

void RowValidator::header(const Record& header) {
    header_ = header.fields;
    const std::array<std::pair<const Column*, std::optional<std::size_t>*>, 4> columns{
        {{&kNhsNumber, &nhsNumber_}, {&kMobile, &mobile_}, {&kDateOfBirth, &dateOfBirth_}, {&kName, &name_}}};
    for (std::size_t i = 0; i < header_.size(); ++i) {
        const std::string h = headingKey(header_[i]);
        for (const auto& [column, at] : columns) {
            if (std::find(column->headings.begin(), column->headings.end(), h) == column->headings.end()) continue;
            if (*at)
                throw FileError(header.row, header.line,
                                "columns " + std::to_string(**at + 1) + " ('" + header_[**at] + "') and " +
                                    std::to_string(i + 1) + " ('" + header_[i] + "') are both the " + column->title +
                                    ": keep one");
            *at = i;
        }
    }
    std::vector<std::string> missing;
    if (!nhsNumber_) missing.emplace_back(kNhsNumber.title);
    if (style_ == ListColumns::withContacts) {
        if (!mobile_) missing.emplace_back(kMobile.title);
        if (!dateOfBirth_) missing.emplace_back(kDateOfBirth.title);
    }
    if (missing.empty()) return;
    const std::string needs =
        style_ == ListColumns::nhsNumberOnly ? "NHS Number" : "NHS Number, Mobile Number and Date of Birth";
    throw FileError(header.row, header.line,
                    "no " + joined(missing, missing.size()) + (missing.size() == 1 ? " column" : " columns") + ": " +
                        "this organisation's lists (batch_csv: " + std::string(toString(style_)) + ") need " + needs +
                        " (this row has: " + (header_.empty() ? "nothing" : joined(header_, 20)) + ")");
}

std::string RowValidator::field(const Record& record, std::optional<std::size_t> column) const {
    return column ? std::string(trimmed(record.fields[*column])) : std::string();
}

Row RowValidator::check(const Record& record) {
    if (record.fields.size() != header_.size())
        throw FileError(record.row, record.line,
                        std::to_string(record.fields.size()) + (record.fields.size() == 1 ? " field" : " fields") +
                            " where the header row has " + std::to_string(header_.size()) +
                            ": a comma too many or too few, or a comma inside a field that is not quoted");
    Row row;
    row.row = record.row;
    row.line = record.line;
    row.fields = record.fields;
    row.name = field(record, name_);
    const auto nhsNumber = kit::checkNhsNumber(field(record, nhsNumber_));
    if (!nhsNumber.ok()) {
        row.reason = nhsNumber.problem;
        return row;
    }
    row.nhsNumber = nhsNumber.value;
    const uint64_t number = std::stoull(nhsNumber.value);
    if (const auto first = firstRows_.find(number)) {
        row.duplicateOf = *first;
        row.reason = "duplicate of row " + std::to_string(*first);
        return row;
    }
    if (style_ == ListColumns::withContacts) {
        const auto mobile = kit::checkUkMobile(field(record, mobile_));
        const auto dateOfBirth = kit::checkDateOfBirth(field(record, dateOfBirth_), today_);
        row.reason = !mobile.ok() ? mobile.problem : dateOfBirth.problem;
        if (!row.accepted()) return row;
        row.mobile = mobile.value;
        row.dateOfBirth = dateOfBirth.value;
    }
    firstRows_.remember(number, row.row);
    return row;
}

Counts validateCsv(std::istream& in, ListColumns style, const std::string& today, std::size_t maxBytes,
                   const std::function<void(const Row&)>& onRow, const std::function<void(std::size_t bytes)>& progress,
                   const std::function<void(const std::vector<std::string>& header)>& onHeader) {
    RowValidator validator(style, today);
    Counts counts;
    bool headerRead = false;
    CsvReader reader(maxBytes, [&](const Record& record) {
        if (!headerRead) {
            validator.header(record);
            headerRead = true;
            if (onHeader) onHeader(validator.headerFields());
            return;
        }
        const Row row = validator.check(record);
        if (row.accepted()) {
            ++counts.accepted;
        } else {
            ++counts.rejected;
            ++counts.byReason[row.reasonKind()];
        }
        if (onRow) onRow(row);
    });
    std::vector<char> chunk(64 * 1024);
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (in.gcount() > 0) reader.feed({chunk.data(), static_cast<std::size_t>(in.gcount())});
        if (progress) progress(reader.bytesRead());
    }
    if (in.bad()) throw std::ios_base::failure("the file could not be read to its end");
    reader.finish();
    return counts;
}

void CsvWriter::write(const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string* field = &fields[i];
        if (cells_ == Cells::forSpreadsheets && !field->empty() &&
            std::string_view("=+-@\t\r").find(field->front()) != std::string_view::npos) {
            cell_.assign(1, '\'').append(*field);
            field = &cell_;
        }
        // The worst case: every byte a quote, doubled, inside the two enclosing quotes.
        quoted_.resize(2 * field->size() + 2);
        const std::size_t size = csv_write(quoted_.data(), quoted_.size(), field->data(), field->size());
        if (i > 0) out_ << ',';
        out_.write(quoted_.data(), static_cast<std::streamsize>(size));
    }
    out_ << "\r\n";
}

} // namespace clinhub::batch

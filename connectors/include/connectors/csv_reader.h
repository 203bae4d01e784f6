// A streaming reader for CSV files as LMSs and spreadsheets write them.
//
// Bytes come from any std::istream in chunks; memory stays bounded by the longest row.
// The text encoding is taken from a byte order mark (UTF-8, UTF-16LE, UTF-16BE); without
// one, the first chunk decides between UTF-8 and Windows-1252 (a file that is not valid
// UTF-8 there is read as Windows-1252). Cells come out as UTF-8 text, never converted to
// numbers, so ids keep their leading zeros. Quoting follows RFC 4180 (quoted cells may hold
// delimiters, doubled quotes and line breaks); the delimiter (comma, semicolon or tab) is
// the one that splits the header line most often. Excel's formula guard `="0123"` becomes
// `0123`. A CsvReader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"

namespace connectors {

enum class TextEncoding { kUtf8, kUtf8Bom, kUtf16Le, kUtf16Be, kWindows1252 };

// "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE", "Windows-1252".
const char* encoding_name(TextEncoding encoding);

struct CsvRow {
  std::vector<std::string> cells;
  // The 1-based line of the file on which the row starts (the header is line 1 in a file
  // without leading blank lines); a quoted cell with line breaks makes rows span lines.
  std::int64_t line = 0;
  // Set when the row cannot be trusted as read (bad UTF-8 in a UTF-8 file, an unclosed
  // quote at the end of the file); the cells hold what was read.
  std::string problem;
};

class CsvReader {
 public:
  // Reads the start of `in` to find the encoding and, unless `delimiter` is given (not
  // 0), the delimiter. kInvalid when the input is empty.
  static lrs::Result<std::unique_ptr<CsvReader>> open(std::istream& in, char delimiter = 0);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next row into `row` (its storage is reused). False at the end of the input.
  // Blank lines are skipped. Never fails: problems are reported in row.problem.
  bool next(CsvRow& row);

  TextEncoding encoding() const;
  char delimiter() const;
  // Bytes of the input consumed so far (for progress reports).
  std::uint64_t bytes_read() const;

 private:
  struct Impl;
  explicit CsvReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One row as CSV text with `delimiter`, quoting cells that need it (RFC 4180), no line end.
std::string format_csv_row(const std::vector<std::string>& cells, char delimiter = ',');

}  // namespace connectors

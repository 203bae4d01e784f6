#include "connectors/csv_reader.h"

#include <array>
#include <utility>

namespace connectors {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr int kEnd = -1;

// Windows-1252 0x80..0x9F; the five undefined bytes keep their C1 code points, as the
// WHATWG encoding standard decodes them.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 prefix of `s`. With `allow_truncated_end`, a sequence cut
// off by the end of `s` counts as valid (the next chunk completes it).
std::size_t valid_utf8_prefix(std::string_view s, bool allow_truncated_end) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) {
      for (std::size_t k = i + 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return i;
      }
      return allow_truncated_end ? n : i;
    }
    char32_t cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

// Guarded cell written by Excel (and Canvas for names starting with '='): ="text".
void strip_formula_guard(std::string& cell) {
  if (cell.size() < 3 || cell[0] != '=' || cell[1] != '"' || cell.back() != '"') return;
  std::string inner;
  inner.reserve(cell.size() - 3);
  for (std::size_t i = 2; i + 1 < cell.size(); ++i) {
    inner.push_back(cell[i]);
    if (cell[i] == '"' && i + 2 < cell.size() && cell[i + 1] == '"') ++i;
  }
  cell = std::move(inner);
}

}  // namespace

const char* encoding_name(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "UTF-8";
    case TextEncoding::kUtf8Bom:
      return "UTF-8 with BOM";
    case TextEncoding::kUtf16Le:
      return "UTF-16LE";
    case TextEncoding::kUtf16Be:
      return "UTF-16BE";
    case TextEncoding::kWindows1252:
      return "Windows-1252";
  }
  return "?";
}

struct CsvReader::Impl {
  std::istream& in;
  TextEncoding encoding = TextEncoding::kUtf8;
  char delimiter = ',';
  std::uint64_t bytes = 0;
  std::string raw;   // bytes read but not decoded yet (a split UTF-16 unit)
  std::string text;  // decoded UTF-8
  std::size_t pos = 0;
  char16_t high_surrogate = 0;
  bool input_done = false;
  std::int64_t line = 1;

  explicit Impl(std::istream& s) : in(s) {}

  // Reads and decodes the next chunk into `text` (replacing what was consumed).
  bool refill() {
    text.clear();
    pos = 0;
    while (text.empty()) {
      if (input_done) return false;
      std::size_t old = raw.size();
      raw.resize(old + kChunkBytes);
      in.read(raw.data() + old, static_cast<std::streamsize>(kChunkBytes));
      auto got = static_cast<std::size_t>(in.gcount());
      raw.resize(old + got);
      bytes += got;
      if (got == 0) input_done = true;
      decode(input_done);
    }
    return true;
  }

  void decode(bool last) {
    switch (encoding) {
      case TextEncoding::kUtf8:
      case TextEncoding::kUtf8Bom:
        // Passed through; cells are validated once parsed.
        text.append(raw);
        raw.clear();
        return;
      case TextEncoding::kWindows1252:
        for (char ch : raw) {
          auto b = static_cast<unsigned char>(ch);
          if (b < 0x80) {
            text.push_back(ch);
          } else {
            append_utf8(text, b < 0xA0 ? kCp1252High[b - 0x80] : char32_t{b});
          }
        }
        raw.clear();
        return;
      case TextEncoding::kUtf16Le:
      case TextEncoding::kUtf16Be: {
        bool le = encoding == TextEncoding::kUtf16Le;
        std::size_t i = 0;
        for (; i + 1 < raw.size(); i += 2) {
          auto b0 = static_cast<unsigned char>(raw[i]);
          auto b1 = static_cast<unsigned char>(raw[i + 1]);
          auto unit = static_cast<char16_t>(le ? (b0 | (b1 << 8)) : ((b0 << 8) | b1));
          add_utf16_unit(unit);
        }
        raw.erase(0, i);
        if (last && (!raw.empty() || high_surrogate != 0)) {
          // An odd trailing byte or an unpaired surrogate: 0xFF is never valid UTF-8, so
          // the cell holding it is reported as undecodable.
          text.push_back('\xFF');
          raw.clear();
          high_surrogate = 0;
        }
        return;
      }
    }
  }

  void add_utf16_unit(char16_t unit) {
    if (high_surrogate != 0) {
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        append_utf8(text, 0x10000 + ((char32_t{high_surrogate} - 0xD800) << 10) + (unit - 0xDC00));
        high_surrogate = 0;
        return;
      }
      text.push_back('\xFF');
      high_surrogate = 0;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      high_surrogate = unit;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      text.push_back('\xFF');
    } else {
      append_utf8(text, unit);
    }
  }

  int get() {
    if (pos == text.size() && !refill()) return kEnd;
    return static_cast<unsigned char>(text[pos++]);
  }
  int peek() {
    if (pos == text.size() && !refill()) return kEnd;
    return static_cast<unsigned char>(text[pos]);
  }

  // The delimiter that splits the first record (quotes respected) most often; tab and
  // semicolon win ties over comma only when they occur at all.
  void sniff_delimiter() {
    int commas = 0, semicolons = 0, tabs = 0;
    bool quoted = false;
    for (std::size_t i = pos; i < text.size(); ++i) {
      char c = text[i];
      if (c == '"') quoted = !quoted;
      if (quoted) continue;
      if (c == '\n' || c == '\r') break;
      if (c == ',') ++commas;
      if (c == ';') ++semicolons;
      if (c == '\t') ++tabs;
    }
    delimiter = ',';
    int best = commas;
    if (semicolons > best) {
      delimiter = ';';
      best = semicolons;
    }
    if (tabs > best) delimiter = '\t';
  }

  // Excel's "sep=;" first line names the delimiter.
  bool take_separator_line() {
    std::string_view rest(text.data() + pos, text.size() - pos);
    if (rest.size() < 5 || rest.substr(0, 4) != "sep=") return false;
    char c = rest[4];
    if (c != ',' && c != ';' && c != '\t' && c != '|') return false;
    std::size_t after = 5;
    if (after < rest.size() && rest[after] == '\r') ++after;
    if (after < rest.size() && rest[after] != '\n') return false;
    delimiter = c;
    pos += after + (after < rest.size() ? 1 : 0);
    ++line;
    return true;
  }

  bool read_row(CsvRow& row) {
    std::size_t used = 0;
    row.problem.clear();
    for (;;) {
      int c = peek();
      if (c == kEnd) return false;
      row.line = line;
      used = 0;
      bool any_quote = false;
      bool end_of_record = false;
      while (!end_of_record) {
        if (used == row.cells.size()) row.cells.emplace_back();
        std::string& cell = row.cells[used++];
        cell.clear();
        c = get();
        if (c == '"') {
          any_quote = true;
          std::int64_t opened = line;
          for (;;) {
            c = get();
            if (c == kEnd) {
              row.problem = "a quote opened on line " + std::to_string(opened) +
                            " is never closed before the end of the file";
              break;
            }
            if (c == '"') {
              if (peek() == '"') {
                get();
                cell.push_back('"');
                continue;
              }
              break;
            }
            if (c == '\n') ++line;
            cell.push_back(static_cast<char>(c));
          }
          if (c != kEnd) c = get();
        }
        // Unquoted text (or text after a closing quote, kept as written).
        while (c != kEnd && c != delimiter && c != '\n' && c != '\r') {
          cell.push_back(static_cast<char>(c));
          if (pos < text.size()) {
            // Fast path inside the chunk.
            c = static_cast<unsigned char>(text[pos++]);
          } else {
            c = get();
          }
        }
        if (c == delimiter) continue;
        if (c == '\r' && peek() == '\n') get();
        if (c == '\r' || c == '\n') ++line;
        end_of_record = true;
      }
      if (used == 1 && row.cells[0].empty() && !any_quote) continue;  // blank line
      break;
    }
    row.cells.resize(used);
    bool check_utf8 = encoding != TextEncoding::kWindows1252;
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      std::string& cell = row.cells[i];
      if (check_utf8 && row.problem.empty() && valid_utf8_prefix(cell, false) != cell.size()) {
        row.problem = "column " + std::to_string(i + 1) + " is not valid " +
                      encoding_name(encoding) + " text";
      }
      strip_formula_guard(cell);
    }
    return true;
  }
};

CsvReader::CsvReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CsvReader::~CsvReader() = default;

lrs::Result<std::unique_ptr<CsvReader>> CsvReader::open(std::istream& in, char delimiter) {
  auto impl = std::make_unique<Impl>(in);
  Impl& r = *impl;
  r.raw.resize(kChunkBytes);
  in.read(r.raw.data(), static_cast<std::streamsize>(kChunkBytes));
  auto got = static_cast<std::size_t>(in.gcount());
  r.raw.resize(got);
  r.bytes = got;
  if (got < kChunkBytes) r.input_done = true;
  if (got == 0) return lrs::fail(lrs::ErrorCode::kInvalid, "the file is empty");
  std::string_view head(r.raw);
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    r.encoding = TextEncoding::kUtf8Bom;
    r.raw.erase(0, 3);
  } else if (head.substr(0, 2) == "\xFF\xFE") {
    r.encoding = TextEncoding::kUtf16Le;
    r.raw.erase(0, 2);
  } else if (head.substr(0, 2) == "\xFE\xFF") {
    r.encoding = TextEncoding::kUtf16Be;
    r.raw.erase(0, 2);
  } else if (valid_utf8_prefix(head, !r.input_done) != head.size()) {
    r.encoding = TextEncoding::kWindows1252;
  }
  r.decode(r.input_done);
  if (r.text.empty() && !r.refill()) {
    return lrs::fail(lrs::ErrorCode::kInvalid, "the file holds no text after its byte order mark");
  }
  if (delimiter != 0) {
    r.delimiter = delimiter;
  } else if (!r.take_separator_line()) {
    r.sniff_delimiter();
  }
  return std::unique_ptr<CsvReader>(new CsvReader(std::move(impl)));
}

bool CsvReader::next(CsvRow& row) { return impl_->read_row(row); }
TextEncoding CsvReader::encoding() const { return impl_->encoding; }
char CsvReader::delimiter() const { return impl_->delimiter; }
std::uint64_t CsvReader::bytes_read() const { return impl_->bytes; }

std::string format_csv_row(const std::vector<std::string>& cells, char delimiter) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    const std::string& cell = cells[i];
    bool quote = cell.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos;
    if (!quote) {
      out += cell;
      continue;
    }
    out.push_back('"');
    for (char c : cell) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace connectors

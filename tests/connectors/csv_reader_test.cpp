#include "connectors/csv_reader.h"

#include <sstream>

#include <catch2/catch.hpp>

using connectors::CsvReader;
using connectors::CsvRow;
using connectors::TextEncoding;

namespace {

struct Read {
  TextEncoding encoding;
  char delimiter;
  std::vector<CsvRow> rows;
};

Read read_all(const std::string& bytes) {
  std::istringstream in(bytes);
  auto reader = CsvReader::open(in);
  REQUIRE(reader);
  Read out{(*reader)->encoding(), (*reader)->delimiter(), {}};
  CsvRow row;
  while ((*reader)->next(row)) out.rows.push_back(row);
  return out;
}

std::string utf16(const std::u16string& text, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t u : text) {
    char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    out.push_back(little_endian ? lo : hi);
    out.push_back(little_endian ? hi : lo);
  }
  return out;
}

}  // namespace

TEST_CASE("quoted cells keep delimiters, doubled quotes and line breaks", "[csv]") {
  auto r = read_all("ID,Name,Note\n7,\"Pérez, Ana\",\"said \"\"hi\"\"\nthen left\"\r\n8,Bo,\n");
  REQUIRE(r.rows.size() == 3);
  CHECK(r.encoding == TextEncoding::kUtf8);
  CHECK(r.delimiter == ',');
  CHECK(r.rows[1].cells == std::vector<std::string>{"7", "Pérez, Ana", "said \"hi\"\nthen left"});
  CHECK(r.rows[1].line == 2);
  // The quoted line break makes the next row start on line 4.
  CHECK(r.rows[2].line == 4);
  CHECK(r.rows[2].cells == std::vector<std::string>{"8", "Bo", ""});
}

TEST_CASE("ids stay text and Excel formula guards are removed", "[csv]") {
  auto r = read_all("ID,Code\n=\"007\",\"=\"\"0123\"\"\"\n");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].cells == std::vector<std::string>{"007", "0123"});
}

TEST_CASE("the delimiter is sniffed from the header line", "[csv]") {
  CHECK(read_all("a;b;c\n1;2,5;3\n").delimiter == ';');
  CHECK(read_all("a\tb\n1\t2\n").delimiter == '\t');
  CHECK(read_all("\"x;y\",b\n").delimiter == ',');
  auto sep = read_all("sep=;\na;b\n1;2\n");
  CHECK(sep.delimiter == ';');
  REQUIRE(sep.rows.size() == 2);
  CHECK(sep.rows[0].line == 2);
}

TEST_CASE("a UTF-8 BOM is dropped and does not stick to the first header", "[csv]") {
  auto r = read_all("\xEF\xBB\xBFID,Name\n1,Zoë\n");
  CHECK(r.encoding == TextEncoding::kUtf8Bom);
  CHECK(r.rows[0].cells[0] == "ID");
  CHECK(r.rows[1].cells[1] == "Zoë");
}

TEST_CASE("UTF-16LE and UTF-16BE with BOM are transcoded", "[csv]") {
  std::u16string text =
      u"\"\"\t\"Email address\"\t\"Quiz 😀\"\n\"Zoë\"\t\"z@x.org\"\t\"Completed\"\n";
  for (bool le : {true, false}) {
    auto r = read_all(utf16(text, le));
    CHECK(r.encoding == (le ? TextEncoding::kUtf16Le : TextEncoding::kUtf16Be));
    CHECK(r.delimiter == '\t');
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].cells[2] == "Quiz 😀");
    CHECK(r.rows[1].cells[0] == "Zoë");
    CHECK(r.rows[1].problem.empty());
  }
}

TEST_CASE("a file that is not UTF-8 is read as Windows-1252", "[csv]") {
  auto r = read_all("Name;Note\nP\xE9rez;\x80 5 \x93ok\x94\n");
  CHECK(r.encoding == TextEncoding::kWindows1252);
  CHECK(r.rows[1].cells[0] == "Pérez");
  CHECK(r.rows[1].cells[1] == "€ 5 “ok”");
}

TEST_CASE("bad bytes later in a UTF-8 file mark only their row", "[csv]") {
  std::string bytes = "ID,Name\n";
  for (int i = 0; i < 20000; ++i) bytes += std::to_string(i) + ",Zoë\n";  // past the first chunk
  bytes += "x,Bad\xFF\n1,ok\n";
  auto r = read_all(bytes);
  CHECK(r.encoding == TextEncoding::kUtf8);
  REQUIRE(r.rows.size() == 20003);
  CHECK(r.rows[20001].problem == "column 2 is not valid UTF-8 text");
  CHECK(r.rows[20001].line == 20002);
  CHECK(r.rows[20002].problem.empty());
}

TEST_CASE("an unclosed quote is reported with the line it opened on", "[csv]") {
  auto r = read_all("a,b\n1,\"open\n2,3\n");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].problem.find("line 2") != std::string::npos);
}

TEST_CASE("blank lines are skipped and line numbers stay physical", "[csv]") {
  auto r = read_all("a,b\n\n\n1,2\n");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].line == 4);
}

TEST_CASE("an empty file is an error", "[csv]") {
  std::istringstream in("");
  auto reader = CsvReader::open(in);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().message == "the file is empty");
}

TEST_CASE("rows format back to CSV with quoting only where needed", "[csv]") {
  CHECK(connectors::format_csv_row({"a", "b,c", "say \"x\"", "l1\nl2"}) ==
        "a,\"b,c\",\"say \"\"x\"\"\",\"l1\nl2\"");
}

// Tests of the backend's private pieces: the stored-time format and the query plans.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "body_codec.h"
#include "sqlite_statement_store.h"
#include "sqlite_test_support.h"
#include "stored_json.h"

namespace lrs::test {
namespace {

std::vector<std::string> plan(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string eqp = "EXPLAIN QUERY PLAN " + sql;
  REQUIRE(sqlite3_prepare_v2(db, eqp.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::vector<std::string> lines;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
  }
  sqlite3_finalize(stmt);
  return lines;
}

bool has(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("stored is added to the body text", "[sqlite]") {
  CHECK(sqlite::with_stored(R"({"a":1})", 1'700'000'000'123'456) ==
        R"({"a":1,"stored":"2023-11-14T22:13:20.123456Z"})");
  CHECK(sqlite::with_stored(R"({"a":1})", 0) == R"({"a":1,"stored":"1970-01-01T00:00:00.000Z"})");
  CHECK(sqlite::with_stored("{ }", 0) == R"({ "stored":"1970-01-01T00:00:00.000Z"})");
}

TEST_CASE("term lists round trip", "[sqlite]") {
  std::vector<std::int64_t> terms = {1, 2, 127, 128, 300, 1'000'000, 5'000'000'000};
  CHECK(sqlite::decode_terms(sqlite::encode_terms(terms)) == terms);
  CHECK(sqlite::decode_terms("").empty());
}

std::string sample_statement(int n) {
  return "{\"actor\":{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://"
         "lms.example.com\","
         "\"name\":\"learner-" +
         std::to_string(n % 97) +
         "\"}},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/"
         "completed\",\"display\":{\"en-US\":"
         "\"completed\"}},\"object\":{\"id\":\"https://lms.example.com/course/" +
         std::to_string(n % 13) +
         "\",\"definition\":{\"type\":\"http://adlnet.gov/expapi/activities/lesson\"}},"
         "\"result\":{\"score\":{\"scaled\":0." +
         std::to_string(n % 10) +
         "},\"success\":true},\"timestamp\":\"2026-01-01T00:00:" + std::to_string(10 + n % 50) +
         "Z\"}";
}

TEST_CASE("body codec round trips with a trained dictionary", "[sqlite]") {
  std::vector<std::string> samples;
  for (int i = 0; i < 1000; ++i) samples.push_back(sample_statement(i));
  auto dictionary = sqlite::BodyCodec::train(samples);
  REQUIRE(dictionary);
  std::uint32_t id = sqlite::BodyCodec::dictionary_id(*dictionary);
  CHECK(id != 0);

  sqlite::BodyCodec codec;
  CHECK_FALSE(codec.compressing());
  CHECK(codec.compress(sample_statement(1)).empty());  // no dictionary yet: stored as text
  REQUIRE(codec.add(*dictionary));
  codec.use(id);
  CHECK(codec.compressing());
  std::string body = sample_statement(5000);
  std::string frame = codec.compress(body);
  REQUIRE_FALSE(frame.empty());
  CHECK(frame.size() * 3 < body.size());
  auto back = codec.decompress(frame);
  REQUIRE(back);
  CHECK(*back == body);

  sqlite::BodyCodec other;  // another process that has not loaded the dictionary
  sqlite::BodyCodec::Unknown unknown{0};
  auto missing = other.decompress(frame, &unknown);
  CHECK_FALSE(missing);
  CHECK(unknown.dictionary == id);
  REQUIRE(other.add(*dictionary));
  CHECK(other.decompress(frame).value_or("") == body);

  std::string corrupt = frame;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt.resize(corrupt.size() - 1);
  CHECK_FALSE(codec.decompress(corrupt));
  CHECK_FALSE(codec.add("not a dictionary"));
}

// The plans every query and writer lookup relies on: filters walk the links primary key
// in stored order (no temp B-tree for ORDER BY, no table scan); the other filters are
// primary-key probes.
TEST_CASE("query plans walk indexes", "[sqlite]") {
  TempDir dir;
  std::string path = dir.file("lrs.db");
  open_db(path).reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  for (bool asc : {false, true}) {
    auto p0 = plan(db, sqlite::query_sql(0, asc));
    INFO(Catch::Detail::stringify(p0));
    CHECK(has(p0, "SEARCH statements USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    CHECK_FALSE(has(p0, "TEMP B-TREE"));
    for (std::size_t k = 1; k <= 4; ++k) {
      for (auto table :
           {sqlite::LinkTable::kMain, sqlite::LinkTable::kStaged, sqlite::LinkTable::kRecent}) {
        auto p = plan(db, sqlite::query_sql(k, asc, table));
        INFO("terms " << k << " table " << static_cast<int>(table) << ": "
                      << Catch::Detail::stringify(p));
        if (table == sqlite::LinkTable::kRecent) {
          CHECK(has(p, "SEARCH l0 USING PRIMARY KEY (stored>? AND stored<?)"));
        } else {
          CHECK(has(p, "SEARCH l0 USING PRIMARY KEY (term=? AND stored>? AND stored<?)"));
        }
        CHECK(has(p, "SEARCH s USING INTEGER PRIMARY KEY (rowid=?)"));
        for (std::size_t j = 1; j < k; ++j) {
          CHECK(
              has(p, "SEARCH l" + std::to_string(j) + " USING PRIMARY KEY (term=? AND stored=?)"));
          CHECK(
              has(p, "SEARCH m" + std::to_string(j) + " USING PRIMARY KEY (term=? AND stored=?)"));
          CHECK(
              has(p, "SEARCH r" + std::to_string(j) + " USING PRIMARY KEY (stored=? AND term=?)"));
        }
        CHECK_FALSE(has(p, "TEMP B-TREE"));
        CHECK_FALSE(has(p, "SCAN"));
      }
    }
  }
  auto refs = plan(db, "SELECT stored FROM statements WHERE ref = ?1");
  CHECK(has(refs, "INDEX statements_ref (ref=?)"));
  auto voiders =
      plan(db, "SELECT 1 FROM statements WHERE ref = ?1 AND voiding = 1 AND stored <> ?2 LIMIT 1");
  CHECK(has(voiders, "INDEX statements_ref (ref=?)"));
  auto merged = plan(db, "SELECT 1 FROM links WHERE term = ?1 AND stored = ?2");
  CHECK(has(merged, "SEARCH links USING PRIMARY KEY (term=? AND stored=?)"));
  auto by_id = plan(db, "SELECT stored FROM statement_ids WHERE id = ?1");
  CHECK(has(by_id, "SEARCH statement_ids USING PRIMARY KEY (id=?)"));
  // Ids another process stored past this one's memory: a scan of the newest rows only.
  auto newest = plan(db, "SELECT stored FROM statements WHERE stored > ?2 AND id = ?1");
  CHECK(has(newest, "SEARCH statements USING INTEGER PRIMARY KEY (rowid>?)"));
  sqlite3_close(db);
}

}  // namespace lrs::test

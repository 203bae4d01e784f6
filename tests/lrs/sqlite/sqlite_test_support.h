// Helpers shared by the SQLite store tests: a temporary directory and record builders.
#pragma once

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "lrs/sqlite_database.h"
#include "lrs/statement_store.h"

namespace lrs::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lrs-sqlite-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Tests merge staged links after a handful of rows, so that their queries read both
// link tables and cross merges.
constexpr std::size_t kTestStagedLinkRows = 7;

inline std::unique_ptr<Database> open_db(const std::string& path, int readers = 4,
                                         std::size_t staged_link_rows = kTestStagedLinkRows,
                                         std::int64_t compress_after = 0) {
  SqliteOptions options;
  options.path = path;
  options.read_connections = readers;
  options.staged_link_rows = staged_link_rows;
  options.compress_after = compress_after;
  auto db = open_sqlite_database(options);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

inline Uuid make_id(std::uint64_t n) {
  Uuid id;
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  id.bytes[0] = 0xAB;
  return id;
}

// A record whose body names its id and verb (and `extra` to make different content).
inline StatementRecord record(const Uuid& id, const std::string& verb,
                              const std::string& extra = "") {
  StatementRecord r;
  r.id = id;
  r.verb = verb;
  r.body = "{\"id\":\"" + id.str() + "\",\"verb\":{\"id\":\"" + verb + "\"}" +
           (extra.empty() ? "" : ",\"x\":\"" + extra + "\"") + "}";
  return r;
}

// Removes the "stored" member the store added, to compare with the body sent.
inline std::string strip_stored(std::string_view body) {
  std::string s(body);
  auto pos = s.find(",\"stored\":\"");
  if (pos == std::string::npos) return s;
  auto end = s.find('"', pos + 11);
  s.erase(pos, end + 1 - pos);
  return s;
}

inline bool same_content(std::string_view stored, std::string_view fresh) {
  return strip_stored(stored) == fresh;
}

inline std::vector<Uuid> ids_of(const StatementPage& page) {
  std::vector<Uuid> out;
  for (const auto& s : page.statements) out.push_back(s.id);
  return out;
}

}  // namespace lrs::test

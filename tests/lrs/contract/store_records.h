// Record builders and checks shared by the store tests of every backend.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "lrs/statement_store.h"

namespace lrs::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lrs-store-XXXXXX").string();
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

inline const StatementStore::SameStatement kSame = same_content;

// Inserts `records`, requiring that every one is new; returns their ids.
inline std::vector<Uuid> insert_ok(StatementStore& store, std::vector<StatementRecord> records) {
  std::vector<Uuid> ids;
  for (const auto& r : records) ids.push_back(r.id);
  auto res = store.insert(std::move(records), kSame);
  REQUIRE(res);
  for (bool b : res->inserted) CHECK(b);
  return ids;
}

inline StatementPage query_ok(StatementStore& store, const StatementFilter& f) {
  auto page = store.query(f);
  REQUIRE(page);
  return *page;
}

// Every matching statement, following cursors.
inline std::vector<Uuid> query_all(StatementStore& store, StatementFilter f) {
  std::vector<Uuid> out;
  for (;;) {
    auto page = query_ok(store, f);
    for (const auto& s : page.statements) out.push_back(s.id);
    if (!page.next) return out;
    f.after_us = page.next;
  }
}

inline std::set<Uuid> as_set(const std::vector<Uuid>& v) { return {v.begin(), v.end()}; }

inline std::vector<Uuid> ids_of(const StatementPage& page) {
  std::vector<Uuid> out;
  for (const auto& s : page.statements) out.push_back(s.id);
  return out;
}

}  // namespace lrs::test

// The filter-index rows held in memory (PendingLinks), and what a kill -9 leaves of them.
#include <csignal>
#include <filesystem>
#include <functional>
#include <set>

#include <catch2/catch.hpp>

#include "pending_links.h"
#include "sqlite_test_support.h"
#include <sys/wait.h>
#include <unistd.h>

namespace lrs::test {

using sqlite::PendingLinks;

TEST_CASE("pending links are found by term and stored range", "[sqlite]") {
  PendingLinks links;
  auto none = links.read([] {});
  CHECK(none.empty());
  CHECK(none.walk(2, 0, 100).empty());
  // Many small additions, out of order and repeated, as commits hand them over.
  std::set<std::pair<std::int64_t, std::int64_t>> all;
  for (std::int64_t stored = 1; stored <= 300; ++stored) {
    std::vector<PendingLinks::Row> rows = {
        {stored % 7, stored}, {100, stored}, {stored % 7, stored}};
    if (stored % 10 == 0) rows.push_back({200, stored - 5});  // an older statement's new link
    for (const auto& r : rows) all.insert(r);
    links.add(std::move(rows));
  }
  CHECK(links.size() == all.size());
  auto view = links.read([] {});
  CHECK(view.walk(3, 0, 1000) == [&] {
    std::vector<std::int64_t> want;
    for (std::int64_t s = 1; s <= 300; ++s) {
      if (s % 7 == 3) want.push_back(s);
    }
    return want;
  }());
  // (lo, hi]: lo excluded, hi included.
  CHECK(view.walk(100, 10, 13) == std::vector<std::int64_t>{11, 12, 13});
  CHECK(view.walk(200, 0, 20) == std::vector<std::int64_t>{5, 15});
  CHECK(view.contains(200, 295));
  CHECK_FALSE(view.contains(200, 300));
  CHECK_FALSE(view.contains(101, 5));
  auto rows = links.all();
  CHECK(std::vector<PendingLinks::Row>(all.begin(), all.end()) == rows);

  // A rolled-back transaction's rows go; a view taken before keeps what it saw.
  links.discard_after(250);
  CHECK(view.contains(100, 260));
  auto after = links.read([] {});
  CHECK_FALSE(after.contains(100, 260));
  CHECK(after.contains(100, 250));
  CHECK(after.walk(100, 0, 1000).size() == 250);

  links.clear();
  CHECK(links.size() == 0);
  CHECK(links.read([] {}).empty());
  CHECK(view.walk(100, 0, 1000).size() == 300);
}

TEST_CASE("frozen links stay visible beside fresh ones until dropped", "[sqlite]") {
  PendingLinks links;
  for (std::int64_t stored = 20; stored >= 1; --stored) links.add({{stored % 3, stored}});
  links.freeze();
  CHECK(links.has_frozen());
  CHECK(links.size() == 0);
  REQUIRE(links.frozen().size() == 20);
  CHECK(std::is_sorted(links.frozen().begin(), links.frozen().end()));
  for (std::int64_t stored = 21; stored <= 30; ++stored) links.add({{stored % 3, stored}});
  links.add({{7, 5}});  // an older statement's new link joins the fresh rows
  CHECK(links.size() == 11);
  auto view = links.read([] {});
  CHECK(view.walk(1, 0, 100) == std::vector<std::int64_t>{1, 4, 7, 10, 13, 16, 19, 22, 25, 28});
  CHECK(view.contains(7, 5));
  CHECK(links.all().size() == 31);
  // A rollback takes fresh rows only.
  links.discard_after(25);
  CHECK(links.read([] {}).walk(1, 0, 100).back() == 25);
  CHECK(links.frozen().size() == 20);
  links.drop_frozen();
  CHECK_FALSE(links.has_frozen());
  auto after = links.read([] {});
  CHECK(after.walk(1, 0, 100) == std::vector<std::int64_t>{22, 25});
  CHECK(after.contains(7, 5));
  CHECK(view.walk(1, 0, 100).size() == 10);  // a view keeps what it saw
}

namespace {

// Statement n of the kill test, with every kind of filter key and an authority (whose
// link is rebuilt from the body).
StatementRecord keyed(std::uint64_t n) {
  StatementRecord r = record(make_id(n), "v:" + std::to_string(n % 3));
  r.body.pop_back();
  r.body += ",\"authority\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:auth" +
            std::to_string(n % 2) + "@example.com\"}}";
  r.authority = "mbox:mailto:auth" + std::to_string(n % 2) + "@example.com";
  r.agents = {"mbox:" + std::to_string(n % 5)};
  r.related_agents = {r.authority.value()};
  r.activities = {"act:" + std::to_string(n % 4)};
  r.related_activities = {"course:" + std::to_string(n % 2)};
  r.registration = make_id(1000 + n % 7);
  return r;
}

std::vector<std::pair<StatementFilter, std::function<bool(std::uint64_t)>>> kill_filters() {
  std::vector<std::pair<StatementFilter, std::function<bool(std::uint64_t)>>> out;
  for (std::uint64_t k = 0; k < 5; ++k) {
    StatementFilter f;
    f.agent = "mbox:" + std::to_string(k);
    out.emplace_back(f, [k](std::uint64_t n) { return n % 5 == k; });
  }
  for (std::uint64_t k = 0; k < 3; ++k) {
    StatementFilter f;
    f.verb = "v:" + std::to_string(k);
    f.registration = make_id(1000 + k + 1);
    out.emplace_back(f, [k](std::uint64_t n) { return n % 3 == k && n % 7 == k + 1; });
    StatementFilter v;
    v.verb = "v:" + std::to_string(k);
    out.emplace_back(v, [k](std::uint64_t n) { return n % 3 == k; });
    StatementFilter reg;
    reg.registration = make_id(1000 + k);
    out.emplace_back(reg, [k](std::uint64_t n) { return n % 7 == k; });
  }
  for (std::uint64_t k = 0; k < 4; ++k) {
    StatementFilter f;
    f.activity = "act:" + std::to_string(k);
    f.ascending = true;
    out.emplace_back(f, [k](std::uint64_t n) { return n % 4 == k; });
  }
  for (std::uint64_t k = 0; k < 2; ++k) {
    StatementFilter course;
    course.activity = "course:" + std::to_string(k);
    course.related_activities = true;
    out.emplace_back(course, [k](std::uint64_t n) { return n % 2 == k; });
    StatementFilter related;
    related.agent = "mbox:mailto:auth" + std::to_string(k) + "@example.com";
    related.related_agents = true;
    related.limit = 7;
    out.emplace_back(related, [k](std::uint64_t n) { return n % 2 == k; });
    StatementFilter mine;
    mine.authority = "mbox:mailto:auth" + std::to_string(k) + "@example.com";
    mine.agent = "mbox:" + std::to_string(k);
    out.emplace_back(mine, [k](std::uint64_t n) { return n % 2 == k && n % 5 == k; });
  }
  return out;
}

// Every statement 1..stored is found by id and by every filter exactly once, also
// reading pages of `page_limit` (0: the filters' own limit).
void check_all_found(StatementStore& store, std::uint64_t stored, std::size_t page_limit = 0) {
  for (std::uint64_t k = 1; k <= stored; ++k) {
    INFO("statement " << k);
    REQUIRE(store.get(make_id(k))->has_value());
  }
  auto filters = kill_filters();
  for (std::size_t i = 0; i < filters.size(); ++i) {
    auto [filter, matches] = filters[i];
    if (page_limit != 0) filter.limit = page_limit;
    std::vector<Uuid> want;
    for (std::uint64_t k = 1; k <= stored; ++k) {
      if (matches(k)) want.push_back(make_id(k));
    }
    if (!filter.ascending) std::reverse(want.begin(), want.end());
    INFO("filter #" << i << ", pages of " << filter.limit);
    CHECK(query_all(store, filter) == want);
  }
}

// Rows a pass being written in slices has put past its mark, in `links` and in
// `statement_ids`, as another connection reads the file.
std::pair<std::int64_t, std::int64_t> rows_past_marks(const std::string& path) {
  return {count_in(path,
                   "SELECT count(*) FROM links WHERE stored > (SELECT indexed_through FROM "
                   "link_state)"),
          count_in(path,
                   "SELECT count(*) FROM statement_ids WHERE stored > (SELECT indexed_through "
                   "FROM id_state)")};
}

// Statements per insert in the kill tests.
constexpr std::uint64_t kBatch = 10;

// The child process of a kill test: stores keyed statements kBatch at a time and, after
// each insert returns, writes the highest one stored to `ack_fd`, until it is killed.
[[noreturn]] void store_and_acknowledge(Database& db, int ack_fd) {
  for (std::uint64_t next = 1;; next += kBatch) {
    std::vector<StatementRecord> batch;
    for (std::uint64_t n = next; n < next + kBatch; ++n) batch.push_back(keyed(n));
    if (!db.statements().insert(std::move(batch), kSame)) _exit(3);
    std::uint64_t acked = next + kBatch - 1;
    if (write(ack_fd, &acked, sizeof acked) != sizeof acked) _exit(4);
  }
}

// A child process that opens the file with `open` and stores keyed statements
// (store_and_acknowledge) until it is killed; the parent reads its acknowledgements.
class AcknowledgingWriter {
 public:
  template <class Open>
  explicit AcknowledgingWriter(Open open) {
    REQUIRE(pipe(acks_) == 0);
    child_ = fork();
    REQUIRE(child_ >= 0);
    if (child_ == 0) {
      close(acks_[0]);
      auto db = open();
      store_and_acknowledge(*db, acks_[1]);
    }
    close(acks_[1]);
  }
  AcknowledgingWriter(const AcknowledgingWriter&) = delete;
  AcknowledgingWriter& operator=(const AcknowledgingWriter&) = delete;
  ~AcknowledgingWriter() {
    if (acks_[0] >= 0) close(acks_[0]);
  }

  pid_t pid() const { return child_; }
  // Reads acknowledgements until statement `n` is acknowledged (or the child is gone).
  void wait_for(std::uint64_t n) {
    std::uint64_t next = 0;
    while (acked_ < n && read(acks_[0], &next, sizeof next) == sizeof next) acked_ = next;
  }
  // SIGKILL, then the acknowledgements sent before it: the highest statement acknowledged.
  std::uint64_t kill_and_drain() {
    kill(child_, SIGKILL);
    std::uint64_t next = 0;
    while (read(acks_[0], &next, sizeof next) == sizeof next) acked_ = next;
    close(acks_[0]);
    acks_[0] = -1;
    int status = 0;
    waitpid(child_, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    return acked_;
  }

 private:
  int acks_[2] = {-1, -1};
  pid_t child_ = -1;
  std::uint64_t acked_ = 0;
};

// The highest statement stored after a kill: statements committed after the last
// acknowledgement may exist, at most one batch of them.
std::uint64_t last_stored(StatementStore& store, std::uint64_t acked) {
  std::uint64_t stored = acked;
  while (store.get(make_id(stored + 1))->has_value()) ++stored;
  CHECK(stored - acked <= kBatch);
  return stored;
}

}  // namespace

// A process storing statements is killed with SIGKILL at some point: every statement it
// was told is stored (and nothing else) is found by every filter after reopening, though
// the links of the newest ones were only in its memory.
TEST_CASE("links held in memory are rebuilt after a kill", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  // Links are written to `links` every ~400 rows, ids to `statement_ids` every 113: the
  // kill finds some written, some not.
  AcknowledgingWriter writer([&] { return open_db(path, 1, 397, 0, 113); });
  writer.wait_for(1'235);
  const std::uint64_t acked = writer.kill_and_drain();
  REQUIRE(acked >= 1'235);

  auto db = open_db(path);
  const std::uint64_t stored = last_stored(db->statements(), acked);
  check_all_found(db->statements(), stored);
  // Their ids are known to the writer again: a re-send is no new statement, and a
  // different statement under an acknowledged id is a conflict.
  auto again = db->statements().insert({keyed(1), keyed(acked)}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  auto conflict = db->statements().insert({record(make_id(acked), "v:other")}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);
  // And once more after a clean close has written them to `links`.
  db.reset();
  db = open_db(path, 2, 1'000'000);
  StatementFilter verb;
  verb.verb = "v:1";
  CHECK(query_all(db->statements(), verb).size() == (stored + 2) / 3);
}

}  // namespace lrs::test

namespace lrs::test {

// Two stores on one file (a server and an import): neither sees the other's memory, so
// each writes every unindexed statement, the other's included, to `links` once it
// notices the other's commits. Both then find everything by every filter.
// Each store holding its passes in memory (limits of 1,000,000), or writing them in slices
// of 2 rows while the other writes too.
TEST_CASE("two writers on one file index each other's statements", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  const bool sliced = GENERATE(false, true);
  INFO((sliced ? "passes in slices" : "passes in memory"));
  const std::size_t link_rows = sliced ? 20 : 1'000'000;
  const std::size_t ids = sliced ? 6 : 1'000'000;
  auto server = open_db(path, 2, link_rows, 0, ids, 2);
  auto import = open_db(path, 2, link_rows, 0, ids, 2);
  std::uint64_t next = 1;
  for (int round = 0; round < (sliced ? 40 : 12); ++round) {
    Database& writer = round % 3 == 2 ? *server : *import;
    std::vector<StatementRecord> batch;
    for (int k = 0; k < 7; ++k) batch.push_back(keyed(next++));
    insert_ok(writer.statements(), std::move(batch));
    // The store that wrote last answers from its memory and `links`.
    StatementFilter verb;
    verb.verb = "v:2";
    CHECK(query_all(writer.statements(), verb).size() == next / 3);  // n % 3 == 2, n < next
    // The other store finds every id, though its writer has not caught up yet.
    Database& other = &writer == server.get() ? *import : *server;
    for (std::uint64_t k = 1; k < next; ++k) {
      INFO("statement " << k << " in round " << round);
      CHECK(other.statements().get(make_id(k))->has_value());
    }
  }
  // Each writer catches up before its duplicate checks: ids the other stored (and holds
  // in its memory only) are duplicates or conflicts here too.
  auto again = server->statements().insert({keyed(1), keyed(next - 1)}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  auto conflict = import->statements().insert({record(make_id(next - 2), "v:other")}, kSame);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);
  // Every filter, from both: each commit after the other's wrote everything to `links`.
  insert_ok(server->statements(), {keyed(next++)});
  insert_ok(import->statements(), {keyed(next++)});
  insert_ok(server->statements(), {keyed(next++)});
  const std::uint64_t stored = next - 1;
  auto filters = kill_filters();
  for (Database* db : {server.get(), import.get()}) {
    for (std::size_t i = 0; i < filters.size(); ++i) {
      const auto& [filter, matches] = filters[i];
      std::vector<Uuid> want;
      for (std::uint64_t k = 1; k <= stored; ++k) {
        if (matches(k)) want.push_back(make_id(k));
      }
      if (!filter.ascending) std::reverse(want.begin(), want.end());
      INFO("filter #" << i << (db == server.get() ? " from the server" : " from the import"));
      CHECK(query_all(db->statements(), filter) == want);
    }
  }
}

// Queries and lookups while passes are half written: every statement once, in order, in
// pages of any size. With no idle transactions the passes advance only in the commits
// of inserts, each a share, so the checks meet them half written.
TEST_CASE("queries during a sliced pass find each statement once", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  auto db = open_db(path, 2, 60, 0, 12, 2, false);
  int links_seen = 0;
  int ids_seen = 0;
  std::uint64_t stored = 0;
  for (int round = 0; round < 30; ++round) {
    std::vector<StatementRecord> batch;
    for (int k = 0; k < 4; ++k) batch.push_back(keyed(++stored));
    insert_ok(db->statements(), std::move(batch));
    auto [links_past, ids_past] = rows_past_marks(path);
    links_seen += links_past > 0 ? 1 : 0;
    ids_seen += ids_past > 0 ? 1 : 0;
    INFO("round " << round);
    check_all_found(db->statements(), stored, round % 2 == 0 ? 3 : 0);
  }
  CHECK(links_seen >= 10);
  CHECK(ids_seen >= 10);
  // A clean close writes everything; each statement has its id row once.
  db.reset();
  CHECK(count_in(path, "SELECT count(*) FROM statement_ids") == static_cast<std::int64_t>(stored));
  CHECK(rows_past_marks(path) == std::pair<std::int64_t, std::int64_t>{0, 0});
}

// A copy of the file taken while both passes are half written (what a crash leaves):
// opened, it finds everything once, and its own passes write the rows already there again
// without harm.
TEST_CASE("a database reopened with a pass half written finds everything once", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  const std::string copy = dir.file("copy.db");
  // Passes only in the commits of inserts, so that copies meet both half written.
  auto db = open_db(path, 2, 60, 0, 12, 2, false);
  std::uint64_t stored = 0;
  bool half_written = false;
  for (int attempt = 0; attempt < 200 && !half_written; ++attempt) {
    std::vector<StatementRecord> batch;
    for (int k = 0; k < 4; ++k) batch.push_back(keyed(++stored));
    insert_ok(db->statements(), std::move(batch));
    // The backup API copies one committed snapshot.
    std::filesystem::remove(copy);
    sqlite3* src = nullptr;
    sqlite3* dst = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_open(copy.c_str(), &dst) == SQLITE_OK);
    sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
    REQUIRE(backup != nullptr);
    CHECK(sqlite3_backup_step(backup, -1) == SQLITE_DONE);
    sqlite3_backup_finish(backup);
    sqlite3_close(dst);
    sqlite3_close(src);
    auto [links_past, ids_past] = rows_past_marks(copy);
    half_written = links_past > 0 && ids_past > 0;
  }
  REQUIRE(half_written);
  db.reset();
  auto reopened = open_db(copy, 2, 60, 0, 12, 2);
  // The copy holds every statement acknowledged before it was taken.
  CHECK_FALSE(reopened->statements().get(make_id(stored + 1))->has_value());
  check_all_found(reopened->statements(), stored, 5);
  for (int round = 0; round < 10; ++round) {
    std::vector<StatementRecord> batch;
    for (int k = 0; k < 4; ++k) batch.push_back(keyed(++stored));
    insert_ok(reopened->statements(), std::move(batch));
  }
  check_all_found(reopened->statements(), stored, 5);
  auto again = reopened->statements().insert({keyed(1), keyed(stored)}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  reopened.reset();
  CHECK(count_in(copy, "SELECT count(*) FROM statement_ids") == static_cast<std::int64_t>(stored));
}

// SIGKILL while both passes are half written (the process is stopped to look at its file
// first): every acknowledged statement is found by id and by every filter exactly once,
// and the passes of the reopened store complete over the rows already written.
TEST_CASE("a kill in the middle of a sliced pass loses and duplicates nothing", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.file("lrs.db");
  AcknowledgingWriter writer([&] { return open_db(path, 1, 397, 0, 113, 5); });
  writer.wait_for(1'000);
  bool half_written = false;
  for (int attempt = 0; attempt < 2'000 && !half_written; ++attempt) {
    kill(writer.pid(), SIGSTOP);
    int status = 0;
    waitpid(writer.pid(), &status, WUNTRACED);
    auto [links_past, ids_past] = rows_past_marks(path);
    half_written = links_past > 0 && ids_past > 0;
    if (!half_written) {
      kill(writer.pid(), SIGCONT);
      usleep(200);
    }
  }
  const std::uint64_t acked = writer.kill_and_drain();
  REQUIRE(half_written);

  auto db = open_db(path, 2, 397, 0, 113, 5);
  std::uint64_t stored = last_stored(db->statements(), acked);
  check_all_found(db->statements(), stored, 50);
  auto again = db->statements().insert({keyed(1), keyed(acked)}, kSame);
  REQUIRE(again);
  CHECK(again->inserted == std::vector<bool>{false, false});
  for (std::uint64_t round = 0; round < 100; ++round) {
    std::vector<StatementRecord> batch;
    for (std::uint64_t k = 0; k < kBatch; ++k) batch.push_back(keyed(++stored));
    insert_ok(db->statements(), std::move(batch));
  }
  check_all_found(db->statements(), stored, 50);
  db.reset();
  CHECK(count_in(path, "SELECT count(*) FROM statement_ids") == static_cast<std::int64_t>(stored));
  CHECK(rows_past_marks(path) == std::pair<std::int64_t, std::int64_t>{0, 0});
}

}  // namespace lrs::test

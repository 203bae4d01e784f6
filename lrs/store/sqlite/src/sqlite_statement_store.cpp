#include "sqlite_statement_store.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "background_priority.h"
#include "lrs/statement_record.h"
#include "sqlite_descriptions.h"
#include "stored_json.h"
#include <pthread.h>

namespace lrs::sqlite {
namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Unknown terms are not worth a flush of their counters before this long.
constexpr auto kCountFlushInterval = std::chrono::seconds(1);
constexpr std::size_t kMaxPendingLinks = 1'000'000;
constexpr std::size_t kMaxTermCache = 500'000;
// links_recent (filled by schema version 3) is moved to links_staged once it holds this
// many rows (or the staging limit, if smaller). Queries scan its stored range.
constexpr std::int64_t kMaxRecentLinks = 2'048;

class InsertJob final : public WriteJob {
 public:
  InsertJob(SqliteStatementStore& store, const std::vector<StatementRecord>& records,
            const std::vector<std::string>& packed, const StatementStore::SameStatement& same)
      : store_(store), records_(records), packed_(packed), same_(same) {}

  std::size_t weight() const override { return records_.size(); }
  Result<void> apply(Connection& conn) override {
    return store_.apply_insert(conn, records_, packed_, same_, inserted);
  }

  std::vector<bool> inserted;

 private:
  SqliteStatementStore& store_;
  const std::vector<StatementRecord>& records_;
  const std::vector<std::string>& packed_;
  const StatementStore::SameStatement& same_;
};

// Inserts rows [from, to) of `rows` with `head` ("INSERT OR IGNORE INTO t (a, b)"), many
// per statement; bind(stmt, first parameter, row) binds one row's two values.
template <class Rows, class Bind>
Result<void> insert_rows(Connection& conn, const std::string& head, const Rows& rows,
                         std::size_t from, std::size_t to, Bind bind, const char* what) {
  constexpr std::size_t kRowsPerInsert = 50;
  std::size_t i = from;
  if (to - from >= kRowsPerInsert) {
    std::string sql = head + " VALUES (?, ?)";
    for (std::size_t k = 1; k < kRowsPerInsert; ++k) sql += ", (?, ?)";
    auto stmt = conn.prepare(sql);
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    for (; i + kRowsPerInsert <= to; i += kRowsPerInsert) {
      StmtUse q(stmt->get());
      for (std::size_t k = 0; k < kRowsPerInsert; ++k) {
        bind(*q, static_cast<int>(2 * k + 1), rows[i + k]);
      }
      LRS_SQLITE_TRY(q->run(what));
    }
  }
  if (i == to) return {};
  auto stmt = conn.prepare(head + " VALUES (?1, ?2)");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  for (; i < to; ++i) {
    StmtUse q(stmt->get());
    bind(*q, 1, rows[i]);
    LRS_SQLITE_TRY(q->run(what));
  }
  return {};
}

const std::string kInsertLinks = "INSERT OR IGNORE INTO links (term, stored)";
// OR IGNORE: a pass a crash interrupted may have written some ids past the mark.
const std::string kInsertIds = "INSERT OR IGNORE INTO statement_ids (id, stored)";

void bind_link(Stmt& q, int param, const PendingLinks::Row& row) {
  q.bind(param, row.first);
  q.bind(param + 1, row.second);
}

void bind_id(Stmt& q, int param, const PendingIds::Entry& entry) {
  q.bind_blob(param, entry.first.raw());
  q.bind(param + 1, entry.second);
}

// Each slice is a range of the sorted batch, so a pass still writes each index page about
// once. Until the last slice commits, the batch stays in memory and the mark where it was:
// readers ignore the rows already written (past the mark), and a crash rebuilds them.
//
// Writes rows [pass.position, end) of a frozen batch and, when that completes it, moves the
// mark (`mark_sql`, ?1 = pass.through) and the writer's view of it (`mark`).
template <class Rows, class Bind>
Result<void> write_slice(Connection& conn, SlicedPass& pass, const Rows& rows, std::size_t end,
                         const std::string& insert, Bind bind, const char* mark_sql,
                         std::int64_t& mark, const char* what) {
  LRS_SQLITE_TRY(insert_rows(conn, insert, rows, pass.position, end, bind, what));
  pass.position = end;
  if (end < rows.size() || pass.finishing) return {};
  auto stmt = conn.prepare(mark_sql);
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind(1, pass.through);
  LRS_SQLITE_TRY(q->run(std::string("recording how far the pass ") + what + " reached"));
  mark = std::max(mark, pass.through);
  pass.finishing = true;
  return {};
}

Uuid uuid_from_blob(std::string_view blob) {
  Uuid id;
  std::copy_n(blob.begin(), std::min(blob.size(), id.bytes.size()), id.bytes.begin());
  return id;
}

}  // namespace

std::string term_key(char type, std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(type);
  out.append(key);
  return out;
}

const char* link_table_name(LinkTable table) {
  switch (table) {
    case LinkTable::kMain:
      return "links";
    case LinkTable::kStaged:
      return "links_staged";
    case LinkTable::kRecent:
      return "links_recent";
  }
  return "links";
}

std::string query_sql(std::size_t terms, bool ascending, LinkTable walk) {
  const char* order = ascending ? "ASC" : "DESC";
  std::string sql;
  if (terms == 0) {
    sql =
        "SELECT stored, id, body FROM statements WHERE stored > ?1 AND stored <= ?2 AND voided = 0 "
        "ORDER BY stored ";
    sql += order;
    sql += " LIMIT ?3";
    return sql;
  }
  // CROSS JOIN fixes the loop order: walk the most selective term's index range in stored
  // order (no sort, stops after LIMIT rows), probe the other terms by primary key. In
  // links_recent, keyed by stored first, the walk is the stored range filtered by term.
  sql = "SELECT s.stored, s.id, s.body FROM ";
  sql += link_table_name(walk);
  sql +=
      " l0 CROSS JOIN statements s ON s.stored = l0.stored WHERE l0.term = ?4 AND l0.stored > ?1 "
      "AND l0.stored <= ?2";
  for (std::size_t j = 1; j < terms; ++j) {
    std::string n = std::to_string(j);
    std::string param = "?" + std::to_string(4 + j);
    sql += " AND (";
    const char* sep = "";
    for (auto [table, alias] : {std::pair{"links", "l"}, std::pair{"links_staged", "m"},
                                std::pair{"links_recent", "r"}}) {
      std::string a = alias + n;
      sql += sep;
      sql += "EXISTS (SELECT 1 FROM ";
      sql += table;
      sql += " " + a + " WHERE " + a + ".term = " + param + " AND " + a + ".stored = l0.stored)";
      sep = " OR ";
    }
    sql += ")";
  }
  sql += " AND s.voided = 0 ORDER BY l0.stored ";
  sql += order;
  sql += " LIMIT ?3";
  return sql;
}

SqliteStatementStore::SqliteStatementStore(Writer& writer, ReadPool& reads, Setup setup)
    : writer_(writer),
      reads_(reads),
      train_after_(setup.train_after),
      stored_count_(setup.stored_hint),
      indexed_through_(setup.indexed_through),
      committed_indexed_(setup.indexed_through),
      pending_id_limit_(std::max<std::size_t>(1, setup.pending_ids)),
      slice_rows_(std::max<std::size_t>(1, setup.slice_rows)),
      passes_when_idle_(setup.passes_when_idle),
      last_flush_(std::chrono::steady_clock::now()),
      staged_link_limit_(setup.staged_link_rows),
      last_stored_(setup.last_stored),
      committed_stored_(setup.last_stored),
      floor_(setup.last_stored) {
  for (const std::string& d : setup.dictionaries) {
    // A malformed dictionary leaves its bodies unreadable (with an error naming it) but
    // not the rest.
    if (codec_.add(d)) codec_.use(BodyCodec::dictionary_id(d));
  }
}

SqliteStatementStore::~SqliteStatementStore() {
  std::lock_guard<std::mutex> lock(trainer_mu_);
  if (trainer_.joinable()) trainer_.join();
}

Result<std::string> SqliteStatementStore::stored_body(Connection& conn, const Stmt& row, int col,
                                                      std::int64_t stored) {
  if (sqlite3_column_type(row.get(), col) != SQLITE_BLOB) {
    return with_stored(row.col_text(col), stored);
  }
  BodyCodec::Unknown unknown{0};
  auto body = codec_.decompress(row.col_blob(col), &unknown);
  if (!body && unknown.dictionary != 0) {
    // Stored by another process after this one loaded the dictionaries.
    auto stmt = conn.prepare("SELECT content FROM dictionaries WHERE id = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind(1, unknown.dictionary);
    auto found = q->step("reading a compression dictionary");
    if (!found) return tl::unexpected<Error>(std::move(found).error());
    if (*found) {
      LRS_SQLITE_TRY(codec_.add(q->col_blob(0)));
      body = codec_.decompress(row.col_blob(col));
    }
  }
  if (!body) return tl::unexpected<Error>(std::move(body).error());
  return with_stored(*body, stored);
}

// Trains on a thread of its own (~0.3 s for 2,000 bodies) so no request waits for it.
void SqliteStatementStore::maybe_train(std::size_t inserted) {
  if (train_after_ <= 0 || codec_.compressing()) return;
  std::int64_t n = stored_count_ += static_cast<std::int64_t>(inserted);
  if (n < train_after_ || training_.exchange(true)) return;
  std::lock_guard<std::mutex> lock(trainer_mu_);
  if (trainer_.joinable()) trainer_.join();
  trainer_ = std::thread([this] {
    train();
    training_ = false;
  });
}

void SqliteStatementStore::train() {
  pthread_setname_np(pthread_self(), "lrs-train");
  // A bounded sample: training time grows with it (~90 ms of CPU for 1,000 bodies of
  // ~1 KB, ~220 ms for 2,000), and while it runs on this machine's second hardware thread
  // it slows the request threads even at idle priority. Read at normal priority: a read
  // transaction left waiting for the CPU would keep checkpoints from resetting the WAL.
  constexpr std::int64_t kSampleRows = 1'000;
  constexpr std::size_t kSampleBytes = 4 << 20;
  std::vector<std::string> samples;
  {
    auto conn = reads_.acquire();
    auto stmt = conn->prepare(
        "SELECT body FROM statements WHERE typeof(body) = 'text' ORDER BY stored DESC LIMIT ?1");
    if (!stmt) return;
    StmtUse q(stmt->get());
    q->bind(1, kSampleRows);
    std::size_t bytes = 0;
    while (bytes < kSampleBytes) {
      auto row = q->step("sampling statements for a dictionary");
      if (!row || !*row) break;
      samples.emplace_back(q->col_text(0));
      bytes += samples.back().size();
    }
  }
  lower_this_thread_priority(BackgroundPriority::kWhenIdle);
  auto dictionary = BodyCodec::train(samples);
  if (!dictionary || !codec_.add(*dictionary)) {
    stored_count_ = 0;  // too little to learn from: try again after as many more
    return;
  }
  class DictionaryJob final : public WriteJob {
   public:
    explicit DictionaryJob(const std::string& d) : d_(d) {}
    Result<void> apply(Connection& conn) override {
      auto stmt =
          conn.prepare("INSERT INTO dictionaries (id, created_us, content) VALUES (?1, ?2, ?3)");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind(1, BodyCodec::dictionary_id(d_));
      q->bind(2, now_us());
      q->bind_blob(3, d_);
      return q->run("storing a compression dictionary");
    }

   private:
    const std::string& d_;
  };
  DictionaryJob job(*dictionary);
  if (writer_.run(job)) {
    codec_.use(BodyCodec::dictionary_id(*dictionary));  // only once it is durable
  } else {
    stored_count_ = 0;
  }
}

Result<void> SqliteStatementStore::restore_pending_links() {
  FunctionJob job([this](Connection& conn) -> Result<void> {
    // Rebuilt links count no second time towards terms.n_*: counts were kept apart.
    // The ids are read back by on_transaction_begin (catch_up_ids) before this runs.
    LRS_SQLITE_TRY(collect_unindexed(conn, link_buffer_));
    auto version = conn.query_int("PRAGMA data_version", "reading the data version");
    if (!version) return tl::unexpected<Error>(std::move(version).error());
    data_version_ = *version;
    return {};
  });
  return writer_.run(job);
}

Result<void> SqliteStatementStore::collect_unindexed(Connection& conn,
                                                     std::vector<PendingLinks::Row>& out) {
  auto stmt = conn.prepare(
      "SELECT stored, terms, body FROM statements WHERE stored > ?1 AND voided = 0 "
      "ORDER BY stored");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind(1, indexed_through_);
  for (;;) {
    auto row = q->step("reading the statements whose links were not written");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    std::int64_t stored = q->col_int(0);
    for (std::int64_t t : decode_terms(q->col_blob(1))) out.emplace_back(t, stored);
    // The authority's own link is not in `terms` (statements referring to this one do
    // not inherit it): it comes from the body, as when the statement was stored.
    auto body = stored_body(conn, *q, 2, stored);
    if (!body) return tl::unexpected<Error>(std::move(body).error());
    nlohmann::json parsed = nlohmann::json::parse(*body, nullptr, false);
    if (parsed.is_object() && parsed.contains("authority")) {
      if (auto key = agent_key(parsed["authority"])) {
        auto authority = term_id(conn, 'u', *key);
        if (!authority) return tl::unexpected<Error>(std::move(authority).error());
        out.emplace_back(*authority * 2, stored);
      }
    }
  }
  return {};
}

//---------------------------------------------------------------------------------------
// Callers' side

std::vector<std::string> SqliteStatementStore::pack(const std::vector<StatementRecord>& records) {
  std::vector<std::string> packed(records.size());
  if (codec_.compressing()) {
    for (std::size_t i = 0; i < records.size(); ++i) packed[i] = codec_.compress(records[i].body);
  }
  return packed;
}

Result<StatementStore::InsertResult> SqliteStatementStore::insert(
    std::vector<StatementRecord> records, const SameStatement& same) {
  if (records.empty()) return InsertResult{};
  // Compressed here, on the caller's thread, so the single writer thread doesn't.
  std::vector<std::string> packed = pack(records);
  InsertJob job(*this, records, packed, same);
  auto r = writer_.run(job);
  if (!r) return tl::unexpected<Error>(std::move(r).error());
  maybe_train(records.size());
  return InsertResult{std::move(job.inserted)};
}

Result<std::optional<StoredStatement>> SqliteStatementStore::get(const Uuid& id) {
  auto conn = reads_.acquire();
  // One read transaction: the writer moves ids from memory to `statement_ids`.
  LRS_SQLITE_TRY(conn->exec("BEGIN", "starting a read transaction"));
  struct EndRead {
    Connection& conn;
    ~EndRead() { (void)conn.exec("COMMIT", "ending a read transaction"); }
  } end_read{*conn};
  Result<std::int64_t> snapshot = 0;
  auto [stored, covered] = pending_ids_.find(id, [&] {
    snapshot = conn->query_int("SELECT indexed_through FROM id_state",
                               "reading how far the id index is written");
  });
  if (!snapshot) return tl::unexpected<Error>(std::move(snapshot).error());
  // ?1 the id, ?2 (where used) the stored time the scan starts after.
  auto lookup = [&](const char* sql) -> Result<void> {
    auto stmt = conn->prepare(sql);
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_blob(1, id.raw());
    if (sqlite3_bind_parameter_count(q->get()) > 1) q->bind(2, covered);
    auto row = q->step("looking up statement " + id.str());
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (*row) stored = q->col_int(0);
    return {};
  };
  if (!stored) {
    LRS_SQLITE_TRY(lookup("SELECT stored FROM statement_ids WHERE id = ?1"));
  }
  if (!stored) {
    // Stored by another process since this one's writer last caught up: only those
    // rows, usually none, are scanned.
    LRS_SQLITE_TRY(lookup("SELECT stored FROM statements WHERE stored > ?2 AND id = ?1"));
  }
  if (!stored) return std::optional<StoredStatement>();
  auto stmt = conn->prepare("SELECT voided, body FROM statements WHERE stored = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind(1, *stored);
  auto row = q->step("reading statement " + id.str());
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<StoredStatement>();  // not committed in this snapshot
  StoredStatement s;
  s.id = id;
  s.stored_us = *stored;
  s.voided = q->col_int(0) != 0;
  auto body = stored_body(*conn, *q, 1, s.stored_us);
  if (!body) return tl::unexpected<Error>(std::move(body).error());
  s.body = std::move(*body);
  return std::optional<StoredStatement>(std::move(s));
}

Result<std::vector<AttachmentContent>> SqliteStatementStore::attachments(
    const std::vector<std::string>& sha2s) {
  auto conn = reads_.acquire();
  std::vector<AttachmentContent> found;
  for (const std::string& sha2 : sha2s) {
    auto stmt = conn->prepare("SELECT content_type, content FROM attachments WHERE sha2 = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_text(1, sha2);
    auto row = q->step("reading attachment " + sha2);
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (*row) found.push_back({sha2, std::string(q->col_text(0)), std::string(q->col_blob(1))});
  }
  return found;
}

Result<StatementPage> SqliteStatementStore::query(const StatementFilter& filter) {
  struct Wanted {
    std::string key;
    bool related;
  };
  std::vector<Wanted> wanted;
  if (filter.agent) wanted.push_back({term_key('a', *filter.agent), filter.related_agents});
  if (filter.verb) wanted.push_back({term_key('v', *filter.verb), false});
  if (filter.activity) {
    wanted.push_back({term_key('c', *filter.activity), filter.related_activities});
  }
  if (filter.registration) wanted.push_back({term_key('r', filter.registration->raw()), false});
  if (filter.authority) wanted.push_back({term_key('u', *filter.authority), false});

  // Stored-time window: (lo, hi].
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  if (filter.since_us) lo = std::max(lo, *filter.since_us);
  if (filter.until_us) hi = std::min(hi, *filter.until_us);
  if (filter.after_us) {
    if (filter.ascending) {
      lo = std::max(lo, *filter.after_us);
    } else {
      hi = std::min(hi, *filter.after_us - 1);
    }
  }
  StatementPage page;
  if (lo >= hi || filter.limit == 0) return page;

  auto conn = reads_.acquire();
  // One read transaction: the writer moves rows between the link tables and memory, and
  // every walk must see the same snapshot.
  LRS_SQLITE_TRY(conn->exec("BEGIN", "starting a read transaction"));
  struct EndRead {
    Connection& conn;
    ~EndRead() { (void)conn.exec("COMMIT", "ending a read transaction"); }
  } end_read{*conn};
  Result<std::int64_t> indexed_through = 0;
  PendingLinks::View pending = pending_links_.read([&] {
    indexed_through = conn->query_int("SELECT indexed_through FROM link_state",
                                      "reading how far the filter index is written");
  });
  if (!indexed_through) return tl::unexpected<Error>(std::move(indexed_through).error());

  // Term ids with their approximate sizes; an unknown term matches nothing.
  std::vector<std::pair<std::int64_t, std::int64_t>> terms;  // (n, id)
  for (const Wanted& w : wanted) {
    auto stmt = conn->prepare("SELECT id, n_direct, n_related FROM terms WHERE key = ?1");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind_blob(1, w.key);
    auto row = q->step("looking up a query filter");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) return page;
    terms.emplace_back(q->col_int(w.related ? 2 : 1), q->col_int(0) * 2 + (w.related ? 1 : 0));
  }
  std::sort(terms.begin(), terms.end());

  std::size_t limit = std::min<std::size_t>(filter.limit, 1'000'000'000);
  // Up to limit + 1 matches in stored order from one walk (the extra one says "more").
  auto walk = [&](LinkTable table, std::vector<StoredStatement>& out) -> Result<void> {
    auto stmt = conn->prepare(query_sql(terms.size(), filter.ascending, table));
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    StmtUse q(stmt->get());
    q->bind(1, lo);
    // Link rows of statements past the mark are read from memory only: a pass being
    // written in slices (or one a crash cut short) has put some of them in `links`.
    q->bind(2, terms.empty() ? hi : std::min(hi, *indexed_through));
    q->bind(3, static_cast<std::int64_t>(limit) + 1);
    for (std::size_t j = 0; j < terms.size(); ++j) {
      q->bind(static_cast<int>(4 + j), terms[j].second);
    }
    for (;;) {
      auto row = q->step("querying statements");
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (!*row) break;
      StoredStatement s;
      s.stored_us = q->col_int(0);
      s.id = uuid_from_blob(q->col_blob(1));
      auto body = stored_body(*conn, *q, 2, s.stored_us);
      if (!body) return tl::unexpected<Error>(std::move(body).error());
      s.body = std::move(*body);
      out.push_back(std::move(s));
    }
    return {};
  };
  std::vector<StoredStatement> found;
  LRS_SQLITE_TRY(walk(LinkTable::kMain, found));
  if (!terms.empty()) {
    auto before = [&](const StoredStatement& a, const StoredStatement& b) {
      return filter.ascending ? a.stored_us < b.stored_us : a.stored_us > b.stored_us;
    };
    // Statements stored after indexed_through have all their links in memory.
    auto walk_pending = [&](std::vector<StoredStatement>& out) -> Result<void> {
      std::vector<std::int64_t> stored =
          pending.walk(terms[0].second, std::max(lo, *indexed_through), hi);
      if (!filter.ascending) std::reverse(stored.begin(), stored.end());
      auto stmt = conn->prepare("SELECT id, body FROM statements WHERE stored = ?1 AND voided = 0");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      for (std::int64_t s : stored) {
        if (out.size() > limit) break;
        bool all = std::all_of(terms.begin() + 1, terms.end(),
                               [&](const auto& t) { return pending.contains(t.second, s); });
        if (!all) continue;
        StmtUse q(stmt->get());
        q->bind(1, s);
        auto row = q->step("querying statements");
        if (!row) return tl::unexpected<Error>(std::move(row).error());
        if (!*row) continue;  // voided, or not in this snapshot
        StoredStatement found_one;
        found_one.stored_us = s;
        found_one.id = uuid_from_blob(q->col_blob(0));
        auto body = stored_body(*conn, *q, 1, s);
        if (!body) return tl::unexpected<Error>(std::move(body).error());
        found_one.body = std::move(*body);
        out.push_back(std::move(found_one));
      }
      return {};
    };
    auto merge_in = [&](std::vector<StoredStatement> more) {
      if (more.empty()) return;
      std::vector<StoredStatement> so_far = std::move(found);
      found.clear();
      std::merge(std::make_move_iterator(so_far.begin()), std::make_move_iterator(so_far.end()),
                 std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
                 std::back_inserter(found), before);
    };
    for (LinkTable table : {LinkTable::kStaged, LinkTable::kRecent}) {
      std::vector<StoredStatement> more;
      LRS_SQLITE_TRY(walk(table, more));
      merge_in(std::move(more));
    }
    if (!pending.empty()) {
      std::vector<StoredStatement> more;
      LRS_SQLITE_TRY(walk_pending(more));
      merge_in(std::move(more));
    }
    // The walks cover disjoint stored ranges and a row is in one table only, but a
    // duplicate must never reach a page.
    found.erase(std::unique(found.begin(), found.end(),
                            [](const StoredStatement& a, const StoredStatement& b) {
                              return a.stored_us == b.stored_us;
                            }),
                found.end());
  }
  if (found.size() > limit) {
    found.resize(limit);
    page.next = found.back().stored_us;
  }
  page.statements = std::move(found);
  return page;
}

Result<std::int64_t> SqliteStatementStore::consistent_through() {
  return writer_.with_queue_state([this](bool idle) {
    std::int64_t committed = committed_stored_.load();
    if (!idle) return committed;
    // Nothing is waiting: anything stored from now on gets a later time (the clock
    // never goes below floor_ + 1).
    std::int64_t v = std::max(now_us(), committed);
    if (v > floor_.load()) floor_.store(v);
    return v;
  });
}

//---------------------------------------------------------------------------------------
// Writer thread

std::int64_t SqliteStatementStore::next_stored() {
  // Above indexed_through_ too: a statement at or below it would never be looked for in
  // memory (another process's clock may have moved it past ours).
  last_stored_ = std::max({now_us(), last_stored_ + 1, floor_.load() + 1, indexed_through_ + 1});
  return last_stored_;
}

Result<void> SqliteStatementStore::on_transaction_begin(Connection& conn) {
  jobs_in_transaction_ = 0;
  if (term_cache_.size() > kMaxTermCache) term_cache_.clear();
  // Before any duplicate check: another process's statements must be in memory too.
  return catch_up_ids(conn);
}

Result<void> SqliteStatementStore::catch_up_ids(Connection& conn) {
  auto version = conn.query_int("PRAGMA data_version", "reading the data version");
  if (!version) return tl::unexpected<Error>(std::move(version).error());
  if (*version == ids_data_version_) return {};
  auto through = conn.query_int("SELECT indexed_through FROM id_state",
                                "reading how far the id index is written");
  if (!through) return tl::unexpected<Error>(std::move(through).error());
  auto stmt = conn.prepare("SELECT id, stored FROM statements WHERE stored > ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind(1, *through);
  std::vector<PendingIds::Entry> entries;
  std::int64_t newest = *through;
  for (;;) {
    auto row = q->step("reading the ids of the newest statements");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    std::int64_t stored = q->col_int(1);
    entries.emplace_back(uuid_from_blob(q->col_blob(0)), stored);
    newest = std::max(newest, stored);
  }
  // Statements stored from now on come after every one read here, so a process that
  // catches up later finds them past this point.
  last_stored_ = std::max(last_stored_, newest);
  ids_through_ = committed_ids_through_ = *through;
  pending_ids_.reset(std::move(entries), newest);  // drops a frozen batch: these hold it
  id_pass_ = {};
  ids_data_version_ = *version;
  return {};
}

Result<std::optional<std::int64_t>> SqliteStatementStore::stored_of(Connection& conn,
                                                                    const Uuid& id) {
  if (auto stored = pending_ids_.find_on_writer(id)) return stored;
  auto stmt = conn.prepare("SELECT stored FROM statement_ids WHERE id = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_blob(1, id.raw());
  auto row = q->step("looking up statement " + id.str());
  if (!row) return tl::unexpected<Error>(std::move(row).error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(q->col_int(0));
}

// One sorted pass over every id held, in the transaction that moves the mark, so a crash
// leaves either both or neither (shutdown).
Result<void> SqliteStatementStore::write_pending_ids(Connection& conn) {
  std::vector<PendingIds::Entry> entries = pending_ids_.sorted();
  LRS_SQLITE_TRY(
      insert_rows(conn, kInsertIds, entries, 0, entries.size(), bind_id, "indexing statement ids"));
  auto mark = conn.prepare("UPDATE id_state SET indexed_through = ?1");
  if (!mark) return tl::unexpected<Error>(std::move(mark).error());
  StmtUse q(mark->get());
  q->bind(1, last_stored_);
  LRS_SQLITE_TRY(q->run("recording how far the id index is written"));
  ids_through_ = last_stored_;
  writing_ids_ = true;
  return {};
}

std::size_t SqliteStatementStore::slice_end(const SlicedPass& pass, std::size_t size,
                                            std::size_t fresh, std::size_t limit) const {
  // An idle transaction writes one slice. A group's transaction writes only what keeps
  // the pass ahead of the fresh batch, should idle time not suffice: the pass is done
  // when the fresh batch is 3/4 full, and done at once when it is full (one transaction
  // bigger than the limit).
  if (jobs_in_transaction_ == 0) return std::min(size, pass.position + slice_rows_);
  if (fresh >= limit) return size;
  std::size_t due = static_cast<std::size_t>(
      static_cast<double>(size) * static_cast<double>(fresh) / (0.75 * static_cast<double>(limit)));
  return std::min(size, std::max(pass.position, due));
}

bool SqliteStatementStore::wants_idle_transaction() {
  if (!passes_when_idle_) return false;
  return (pending_links_.has_frozen() && link_pass_.written < pending_links_.frozen().size()) ||
         id_pass_.written < pending_ids_.frozen().size();
}

void SqliteStatementStore::maybe_freeze() {
  if (!pending_links_.has_frozen() && pending_links_.size() >= staged_link_limit_) {
    pending_links_.freeze();
    link_pass_ = {};
    // Every statement up to last_stored_ past the mark has its rows in the batch; rows
    // added to them later (references) are written to `links` in their own transaction.
    link_pass_.through = last_stored_;
    for (const auto& row : pending_links_.frozen()) {
      link_pass_.through = std::max(link_pass_.through, row.second);
    }
  }
  if (pending_ids_.frozen().empty() && pending_ids_.size() >= pending_id_limit_) {
    pending_ids_.freeze();
    id_pass_ = {};
    id_pass_.through = last_stored_;
  }
}

void SqliteStatementStore::on_job_end(bool kept) {
  ++jobs_in_transaction_;
  descriptions_.on_job_end(kept);
  if (kept) {
    transaction_ids_.insert(transaction_ids_.end(), job_ids_.begin(), job_ids_.end());
  } else {
    pending_ids_.erase(job_ids_);
  }
  job_ids_.clear();
  if (kept) {
    pending_counts_.insert(pending_counts_.end(), job_counts_.begin(), job_counts_.end());
    transaction_links_.insert(transaction_links_.end(), link_buffer_.begin(), link_buffer_.end());
  } else {
    // The savepoint rollback removed the terms this job created.
    for (const std::string& key : job_new_terms_) term_cache_.erase(key);
  }
  job_counts_.clear();
  job_new_terms_.clear();
  link_buffer_.clear();
}

Result<void> SqliteStatementStore::before_commit(Connection& conn) {
  // Another process (an import on the same file) keeps the links of its newest
  // statements in its own memory, where this one cannot see them. Once it has committed,
  // every statement after indexed_through is indexed from the table, its ones included,
  // and written to `links` now, so moving indexed_through never skips any.
  auto version = conn.query_int("PRAGMA data_version", "reading the data version");
  if (!version) return tl::unexpected<Error>(std::move(version).error());
  bool others_wrote = *version != data_version_;
  data_version_ = *version;
  if (others_wrote) {
    LRS_SQLITE_TRY(collect_unindexed(conn, transaction_links_));
    LRS_SQLITE_TRY(write_pending_links(conn));
  } else {
    if (!transaction_links_.empty()) {
      if (pending_links_.has_frozen()) {
        // New rows of statements the frozen batch covers (a StatementRef's target
        // gained terms) reach `links` before its last slice moves the mark past them.
        std::vector<PendingLinks::Row> late;
        for (const auto& row : transaction_links_) {
          if (row.second <= link_pass_.through) late.push_back(row);
        }
        std::sort(late.begin(), late.end());
        LRS_SQLITE_TRY(insert_rows(conn, kInsertLinks, late, 0, late.size(), bind_link,
                                   "indexing referring statements"));
      }
      // Visible before COMMIT: a reader whose snapshot holds this transaction must find
      // its links; readers that do not see its statements skip them.
      pending_links_.add(std::move(transaction_links_));
      published_links_ = true;
    }
    if (pending_links_.has_frozen()) {
      const PendingLinks::Segment& rows = pending_links_.frozen();
      LRS_SQLITE_TRY(
          write_slice(conn, link_pass_, rows,
                      slice_end(link_pass_, rows.size(), pending_links_.size(), staged_link_limit_),
                      kInsertLinks, bind_link,
                      "UPDATE link_state SET indexed_through = max(indexed_through, ?1)",
                      indexed_through_, "indexing statements"));
    }
  }
  transaction_links_.clear();
  if (recent_links_ < 0) {
    auto n = conn.query_int("SELECT count(*) FROM links_recent", "counting recent links");
    if (!n) return tl::unexpected<Error>(std::move(n).error());
    recent_links_ = *n;
  }
  if (recent_links_ >=
      std::min<std::int64_t>(kMaxRecentLinks, static_cast<std::int64_t>(staged_link_limit_))) {
    LRS_SQLITE_TRY(move_recent_links(conn));
  }
  if (staged_links_ < 0) {
    auto n = conn.query_int("SELECT count(*) FROM links_staged", "counting staged links");
    if (!n) return tl::unexpected<Error>(std::move(n).error());
    staged_links_ = *n;
  }
  if (static_cast<std::size_t>(staged_links_) >= staged_link_limit_) {
    LRS_SQLITE_TRY(merge_staged_links(conn));
  }
  if (const auto& ids = pending_ids_.frozen(); !ids.empty()) {
    LRS_SQLITE_TRY(write_slice(
        conn, id_pass_, ids,
        slice_end(id_pass_, ids.size(), pending_ids_.size(), pending_id_limit_), kInsertIds,
        bind_id, "UPDATE id_state SET indexed_through = max(indexed_through, ?1)", ids_through_,
        "indexing statement ids"));
  }
  auto now = std::chrono::steady_clock::now();
  if (pending_counts_.size() < kMaxPendingLinks && now - last_flush_ < kCountFlushInterval) {
    return {};
  }
  last_flush_ = now;
  return flush_counts(conn);
}

void SqliteStatementStore::on_transaction_end(bool committed) {
  descriptions_.on_transaction_end(committed);
  transaction_links_.clear();
  if (committed) {
    if (writing_ids_) {
      pending_ids_.clear();  // in `statement_ids` now
      committed_ids_through_ = ids_through_;
      id_pass_ = {};
    } else if (id_pass_.finishing) {
      pending_ids_.drop_frozen();
      committed_ids_through_ = ids_through_;
      id_pass_ = {};
    } else {
      id_pass_.written = id_pass_.position;
    }
  } else {
    pending_ids_.erase(transaction_ids_);
    pending_ids_.uncover_after(committed_stored_.load());
    ids_through_ = committed_ids_through_;
    id_pass_.position = id_pass_.written;
    id_pass_.finishing = false;
  }
  transaction_ids_.clear();
  writing_ids_ = false;
  if (committed) {
    if (writing_pending_) {
      pending_links_.clear();  // in `links` now
      committed_indexed_ = indexed_through_;
      link_pass_ = {};
    } else if (link_pass_.finishing) {
      pending_links_.drop_frozen();
      committed_indexed_ = indexed_through_;
      link_pass_ = {};
    } else {
      link_pass_.written = link_pass_.position;
    }
    committed_stored_.store(last_stored_);
    maybe_freeze();
  } else {
    link_pass_.position = link_pass_.written;
    link_pass_.finishing = false;
    term_cache_.clear();  // ids created in the lost transaction are gone
    staged_links_ = -1;
    recent_links_ = -1;
    indexed_through_ = committed_indexed_;
    if (published_links_) pending_links_.discard_after(committed_stored_.load());
  }
  writing_pending_ = false;
  published_links_ = false;
}

Result<void> SqliteStatementStore::on_shutdown(Connection& conn) {
  LRS_SQLITE_TRY(catch_up_ids(conn));
  LRS_SQLITE_TRY(write_pending_ids(conn));
  LRS_SQLITE_TRY(write_pending_links(conn));
  LRS_SQLITE_TRY(move_recent_links(conn));
  LRS_SQLITE_TRY(merge_staged_links(conn));
  return flush_counts(conn);
}

// Small jobs' links, in (term, stored) order, to the staging table: a few pages of it per
// move instead of one per distinct term per commit.
Result<void> SqliteStatementStore::move_recent_links(Connection& conn) {
  LRS_SQLITE_TRY(conn.exec(
      "INSERT OR IGNORE INTO links_staged (term, stored) SELECT term, stored FROM links_recent "
      "ORDER BY term, stored; DELETE FROM links_recent;",
      "moving recent links"));
  staged_links_ = staged_links_ >= 0 && recent_links_ >= 0 ? staged_links_ + recent_links_ : -1;
  recent_links_ = 0;
  return {};
}

// One sorted pass: each term's rows are appended to its range of `links` once per merge
// instead of once per commit.
Result<void> SqliteStatementStore::merge_staged_links(Connection& conn) {
  LRS_SQLITE_TRY(
      conn.exec("INSERT OR IGNORE INTO links (term, stored) SELECT term, stored FROM links_staged "
                "ORDER BY term, stored; DELETE FROM links_staged;",
                "merging staged links"));
  staged_links_ = 0;
  return {};
}

// One sorted pass over every pending link, frozen and fresh, in the transaction that
// records how far the index is written, so a crash leaves either both or neither
// (shutdown, and after another process wrote).
Result<void> SqliteStatementStore::write_pending_links(Connection& conn) {
  std::vector<PendingLinks::Row> rows = pending_links_.all();
  if (!transaction_links_.empty()) {
    std::sort(transaction_links_.begin(), transaction_links_.end());
    std::size_t middle = rows.size();
    rows.insert(rows.end(), transaction_links_.begin(), transaction_links_.end());
    std::inplace_merge(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(middle),
                       rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  }
  LRS_SQLITE_TRY(
      insert_rows(conn, kInsertLinks, rows, 0, rows.size(), bind_link, "indexing statements"));
  std::int64_t through = last_stored_;
  for (const auto& row : rows) through = std::max(through, row.second);
  auto mark = conn.prepare("UPDATE link_state SET indexed_through = ?1");
  if (!mark) return tl::unexpected<Error>(std::move(mark).error());
  StmtUse q(mark->get());
  q->bind(1, through);
  LRS_SQLITE_TRY(q->run("recording how far the filter index is written"));
  indexed_through_ = through;
  writing_pending_ = true;
  return {};
}

Result<void> SqliteStatementStore::flush_counts(Connection& conn) {
  if (pending_counts_.empty()) return {};
  auto direct = conn.prepare("UPDATE terms SET n_direct = max(0, n_direct + ?2) WHERE id = ?1");
  if (!direct) return tl::unexpected<Error>(std::move(direct).error());
  auto related = conn.prepare("UPDATE terms SET n_related = max(0, n_related + ?2) WHERE id = ?1");
  if (!related) return tl::unexpected<Error>(std::move(related).error());
  std::unordered_map<std::int64_t, std::int64_t> deltas;
  for (auto [term, delta] : pending_counts_) deltas[term] += delta;
  for (auto [term, delta] : deltas) {
    if (delta == 0) continue;
    StmtUse q((term & 1) != 0 ? related->get() : direct->get());
    q->bind(1, term >> 1);
    q->bind(2, delta);
    LRS_SQLITE_TRY(q->run("updating term counts"));
  }
  pending_counts_.clear();
  return {};
}

Result<std::int64_t> SqliteStatementStore::term_id(Connection& conn, char type,
                                                   std::string_view key) {
  key_buffer_.clear();
  key_buffer_.push_back(type);
  key_buffer_.append(key);
  if (auto it = term_cache_.find(std::string_view(key_buffer_)); it != term_cache_.end()) {
    return it->second;
  }
  auto select = conn.prepare("SELECT id FROM terms WHERE key = ?1");
  if (!select) return tl::unexpected<Error>(std::move(select).error());
  {
    StmtUse q(select->get());
    q->bind_blob(1, key_buffer_);
    auto row = q->step("looking up a term");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (*row) {
      std::int64_t id = q->col_int(0);
      term_cache_.emplace(key_buffer_, id);
      return id;
    }
  }
  auto insert = conn.prepare("INSERT INTO terms (key) VALUES (?1)");
  if (!insert) return tl::unexpected<Error>(std::move(insert).error());
  StmtUse q(insert->get());
  q->bind_blob(1, key_buffer_);
  LRS_SQLITE_TRY(q->run("adding a term"));
  std::int64_t id = conn.last_insert_rowid();
  term_cache_.emplace(key_buffer_, id);
  job_new_terms_.push_back(key_buffer_);
  return id;
}

Result<void> SqliteStatementStore::add_links(Connection& conn,
                                             const std::vector<std::int64_t>& terms,
                                             std::int64_t stored, bool or_ignore) {
  // New links of a statement already in `links` (stored up to indexed_through_) go to
  // links_staged; those of newer statements, and of new ones, join the others in memory.
  if (or_ignore && stored <= indexed_through_) {
    auto merged = conn.prepare(
        "SELECT 1 FROM links WHERE term = ?1 AND stored = ?2 UNION ALL "
        "SELECT 1 FROM links_recent WHERE term = ?1 AND stored = ?2");
    if (!merged) return tl::unexpected<Error>(std::move(merged).error());
    auto stmt = conn.prepare("INSERT OR IGNORE INTO links_staged (term, stored) VALUES (?1, ?2)");
    if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
    for (std::int64_t t : terms) {
      {
        StmtUse q(merged->get());
        q->bind(1, t);
        q->bind(2, stored);
        auto row = q->step("looking up a link");
        if (!row) return tl::unexpected<Error>(std::move(row).error());
        if (*row) continue;
      }
      StmtUse q(stmt->get());
      q->bind(1, t);
      q->bind(2, stored);
      LRS_SQLITE_TRY(q->run("indexing a statement"));
      if (conn.changes() != 0) {
        job_counts_.emplace_back(t, 1);
        if (staged_links_ >= 0) ++staged_links_;
      }
    }
    return {};
  }
  for (std::int64_t t : terms) {
    link_buffer_.emplace_back(t, stored);
    job_counts_.emplace_back(t, 1);
  }
  return {};
}

Result<void> SqliteStatementStore::void_target(Connection& conn, const Target& target) {
  auto update = conn.prepare("UPDATE statements SET voided = 1 WHERE stored = ?1");
  if (!update) return tl::unexpected<Error>(std::move(update).error());
  {
    StmtUse q(update->get());
    q->bind(1, target.stored);
    LRS_SQLITE_TRY(q->run("voiding a statement"));
  }
  // query() never returns voided statements, so their links only cost scan time. The
  // terms column keeps them for statements that refer to this one. Links still in
  // memory stay there, and reach `links`, for the same reason.
  for (const char* sql : {"DELETE FROM links WHERE term = ?1 AND stored = ?2",
                          "DELETE FROM links_staged WHERE term = ?1 AND stored = ?2",
                          "DELETE FROM links_recent WHERE term = ?1 AND stored = ?2"}) {
    auto del = conn.prepare(sql);
    if (!del) return tl::unexpected<Error>(std::move(del).error());
    for (std::int64_t t : target.terms) {
      StmtUse q(del->get());
      q->bind(1, t);
      q->bind(2, target.stored);
      LRS_SQLITE_TRY(q->run("unindexing a voided statement"));
      if (conn.changes() != 0) job_counts_.emplace_back(t, -1);
    }
  }
  return {};
}

Result<std::vector<std::int64_t>> SqliteStatementStore::referrers(Connection& conn,
                                                                  std::string_view id) {
  std::vector<std::int64_t> out;
  auto stmt = conn.prepare("SELECT stored FROM statements WHERE ref = ?1");
  if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
  StmtUse q(stmt->get());
  q->bind_blob(1, id);
  for (;;) {
    auto row = q->step("finding statements that refer to a statement");
    if (!row) return tl::unexpected<Error>(std::move(row).error());
    if (!*row) break;
    out.push_back(q->col_int(0));
  }
  return out;
}

// Gives `terms` to the statements stored at `referrer_stored` and, transitively, to the
// statements referring to them. Terms only grow, so this reaches a fixpoint even on
// cycles of references.
Result<void> SqliteStatementStore::propagate(Connection& conn,
                                             const std::vector<std::int64_t>& terms,
                                             std::vector<std::int64_t> referrer_stored) {
  std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> work;
  for (std::int64_t s : referrer_stored) work.emplace_back(s, terms);
  while (!work.empty()) {
    auto [stored, add] = std::move(work.back());
    work.pop_back();
    std::string id;
    bool voided = false;
    std::vector<std::int64_t> have;
    {
      auto stmt = conn.prepare("SELECT id, voided, terms FROM statements WHERE stored = ?1");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind(1, stored);
      auto row = q->step("reading a referring statement");
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (!*row) continue;
      id = std::string(q->col_blob(0));
      voided = q->col_int(1) != 0;
      have = decode_terms(q->col_blob(2));
    }
    std::vector<std::int64_t> diff;
    std::set_difference(add.begin(), add.end(), have.begin(), have.end(), std::back_inserter(diff));
    if (diff.empty()) continue;
    std::vector<std::int64_t> merged;
    std::set_union(have.begin(), have.end(), diff.begin(), diff.end(), std::back_inserter(merged));
    {
      auto stmt = conn.prepare("UPDATE statements SET terms = ?2 WHERE stored = ?1");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      std::string blob = encode_terms(merged);
      q->bind(1, stored);
      q->bind_blob(2, blob);
      LRS_SQLITE_TRY(q->run("updating a referring statement"));
    }
    if (!voided) LRS_SQLITE_TRY(add_links(conn, diff, stored, true));
    auto next = referrers(conn, id);
    if (!next) return tl::unexpected<Error>(std::move(next).error());
    for (std::int64_t s : *next) work.emplace_back(s, diff);
  }
  return {};
}

Result<void> SqliteStatementStore::record_terms(Connection& conn, const StatementRecord& r,
                                                std::vector<std::int64_t>& terms) {
  // direct: push both link roles; related only: role 1.
  auto add_term = [&](char type, std::string_view key, bool direct, bool related) -> Result<void> {
    auto id = term_id(conn, type, key);
    if (!id) return tl::unexpected<Error>(std::move(id).error());
    if (direct) terms.push_back(*id * 2);
    if (related) terms.push_back(*id * 2 + 1);
    return {};
  };
  LRS_SQLITE_TRY(add_term('v', r.verb, true, false));
  for (const auto& a : r.agents) LRS_SQLITE_TRY(add_term('a', a, true, true));
  for (const auto& a : r.related_agents) LRS_SQLITE_TRY(add_term('a', a, false, true));
  for (const auto& a : r.activities) LRS_SQLITE_TRY(add_term('c', a, true, true));
  for (const auto& a : r.related_activities) LRS_SQLITE_TRY(add_term('c', a, false, true));
  if (r.registration) LRS_SQLITE_TRY(add_term('r', r.registration->raw(), true, false));
  return {};
}

Result<void> SqliteStatementStore::add_terms(Connection& conn,
                                             const std::vector<StatementRecord>& records) {
  std::vector<std::int64_t> terms;
  for (const StatementRecord& r : records) {
    LRS_SQLITE_TRY(record_terms(conn, r, terms));
    if (r.authority) {
      auto authority = term_id(conn, 'u', *r.authority);
      if (!authority) return tl::unexpected<Error>(std::move(authority).error());
    }
  }
  return {};
}

Result<void> SqliteStatementStore::apply_insert(Connection& conn,
                                                const std::vector<StatementRecord>& records,
                                                const std::vector<std::string>& packed,
                                                const SameStatement& same,
                                                std::vector<bool>& inserted) {
  inserted.assign(records.size(), false);
  std::vector<std::int64_t> terms;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const StatementRecord& r = records[i];
    terms.clear();
    LRS_SQLITE_TRY(record_terms(conn, r, terms));

    // A StatementRef matches whatever its target matches (xAPI Communication 2.1.3):
    // inherit the target's terms, its inherited ones included.
    std::optional<Target> target;
    if (r.statement_ref) {
      auto target_stored = stored_of(conn, *r.statement_ref);
      if (!target_stored) return tl::unexpected<Error>(std::move(target_stored).error());
      if (*target_stored) {
        auto stmt = conn.prepare("SELECT voiding, voided, terms FROM statements WHERE stored = ?1");
        if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
        StmtUse q(stmt->get());
        q->bind(1, **target_stored);
        auto row = q->step("reading a referenced statement");
        if (!row) return tl::unexpected<Error>(std::move(row).error());
        if (*row) {
          target = Target{**target_stored, q->col_int(0) != 0, q->col_int(1) != 0,
                          decode_terms(q->col_blob(2))};
          terms.insert(terms.end(), target->terms.begin(), target->terms.end());
        }
      }
    }
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());

    auto existing = stored_of(conn, r.id);
    if (!existing) return tl::unexpected<Error>(std::move(existing).error());
    if (*existing) {
      // The id is stored already (by an earlier request or group).
      auto stmt = conn.prepare("SELECT body FROM statements WHERE stored = ?1");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind(1, **existing);
      auto row = q->step("reading a stored statement");
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      if (*row) {
        auto body = stored_body(conn, *q, 0, **existing);
        if (!body) return tl::unexpected<Error>(std::move(body).error());
        if (same(*body, r.body)) continue;
      }
      return fail(ErrorCode::kConflict,
                  "statement " + r.id.str() + " already exists with different content");
    }
    std::int64_t stored = next_stored();
    {
      auto stmt = conn.prepare(
          "INSERT INTO statements (stored, id, ref, voiding, voided, terms, body) "
          "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      std::string blob = encode_terms(terms);
      q->bind(1, stored);
      q->bind_blob(2, r.id.raw());
      if (r.statement_ref) {
        q->bind_blob(3, r.statement_ref->raw());
      } else {
        q->bind_null(3);
      }
      q->bind(4, r.voiding ? 1 : 0);
      q->bind_blob(5, blob);
      if (packed[i].empty()) {
        q->bind_text(6, r.body);
      } else {
        q->bind_blob(6, packed[i]);
      }
      LRS_SQLITE_TRY(q->run("storing a statement"));
    }
    pending_ids_.add(r.id, stored);
    job_ids_.push_back(r.id);
    inserted[i] = true;
    LRS_SQLITE_TRY(descriptions_.store(conn, r));
    for (const AttachmentContent& a : r.attachments) {
      // Content-addressed: one row per hash, however many statements carry it.
      auto stmt = conn.prepare(
          "INSERT INTO attachments (sha2, content_type, content) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (sha2) DO NOTHING");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind_text(1, a.sha2);
      q->bind_text(2, a.content_type);
      q->bind_blob(3, a.content);
      LRS_SQLITE_TRY(q->run("storing an attachment"));
    }

    // Statements that arrived before their target: a voiding one voids this statement
    // now (unless it is itself a voiding statement), and all inherit its terms.
    auto waiting = referrers(conn, r.id.raw());
    if (!waiting) return tl::unexpected<Error>(std::move(waiting).error());
    bool voided_now = false;
    if (!r.voiding && !waiting->empty()) {
      auto stmt = conn.prepare(
          "SELECT 1 FROM statements WHERE ref = ?1 AND voiding = 1 AND stored <> ?2 LIMIT 1");
      if (!stmt) return tl::unexpected<Error>(std::move(stmt).error());
      StmtUse q(stmt->get());
      q->bind_blob(1, r.id.raw());
      q->bind(2, stored);
      auto row = q->step("looking for a voiding statement");
      if (!row) return tl::unexpected<Error>(std::move(row).error());
      voided_now = *row;
    }
    if (voided_now) {
      // Never linked, so void_target has no links to remove.
      LRS_SQLITE_TRY(void_target(conn, Target{stored, false, false, {}}));
    } else {
      // The authority is the statement's own: statements that refer to this one do not
      // inherit it (statements/read/mine must not see them), so it stays out of `terms`.
      if (r.authority) {
        auto authority = term_id(conn, 'u', *r.authority);
        if (!authority) return tl::unexpected<Error>(std::move(authority).error());
        std::vector<std::int64_t> own = terms;
        own.push_back(*authority * 2);
        LRS_SQLITE_TRY(add_links(conn, own, stored, false));
      } else {
        LRS_SQLITE_TRY(add_links(conn, terms, stored, false));
      }
    }
    if (r.voiding && target && !target->voiding && !target->voided) {
      LRS_SQLITE_TRY(void_target(conn, *target));
    }
    std::erase(*waiting, stored);  // a statement referring to itself gains nothing
    if (!waiting->empty()) LRS_SQLITE_TRY(propagate(conn, terms, std::move(*waiting)));
  }
  return {};
}

}  // namespace lrs::sqlite

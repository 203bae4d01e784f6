// What the LRS learned about activities and agents from stored statements (their
// canonical definitions and the names agents were given), kept in the statements'
// transaction for the Activities and Agents resources. Private to lrs_sqlite.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lrs/statement_store.h"
#include "sqlite_handle.h"

namespace lrs::sqlite {

// Writer thread only. Nearly every statement repeats a definition and an agent name the
// store already has, and reading the row back and merging JSON for each of them cost a
// quarter of the writer's time; so this remembers what committed transactions left in
// the two tables and skips the writes that would change nothing.
//
// The memory only ever holds committed rows: an activity written in the current
// transaction is read from the database until the transaction ends (its savepoints may
// still roll back), and a name counts as known once the transaction that stored it
// committed. Another process writing to the same file (PRAGMA data_version) empties it.
class DescriptionWriter {
 public:
  // Inside the transaction storing `record`: upserts its definitions (merged per
  // StatementRecord::redefine) and agent names.
  Result<void> store(Connection& conn, const StatementRecord& record);

  void on_job_end(bool kept);
  void on_transaction_end(bool committed);

 private:
  struct KnownDefinition {
    std::string stored;
    // A definition whose merge into `stored` changed nothing; merging it again would not.
    std::string no_op;
  };

  Result<void> check_other_writers(Connection& conn);
  Result<void> store_definition(Connection& conn, const ActivityDefinition& d, bool redefine);
  Result<void> store_name(Connection& conn, const AgentName& n);

  std::unordered_map<std::string, KnownDefinition> definitions_;
  std::unordered_set<std::string> touched_;  // activities written in this transaction
  std::unordered_set<std::string> names_;    // agent key + '\n' + name, committed
  std::vector<std::string> job_names_;
  std::vector<std::string> transaction_names_;
  bool checked_this_transaction_ = false;
  std::int64_t data_version_ = -1;
};

}  // namespace lrs::sqlite

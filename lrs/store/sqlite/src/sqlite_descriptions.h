// What the LRS learned about activities and agents from stored statements (their
// canonical definitions and the names agents were given), kept in the statements'
// transaction for the Activities and Agents resources. Private to lrs_sqlite.
#pragma once

#include "lrs/statement_store.h"
#include "sqlite_handle.h"

namespace lrs::sqlite {

// Writer thread, inside the transaction storing `record`: upserts its definitions
// (merged per StatementRecord::redefine) and agent names.
Result<void> store_descriptions(Connection& conn, const StatementRecord& record);

}  // namespace lrs::sqlite

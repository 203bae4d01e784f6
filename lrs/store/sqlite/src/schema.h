// The SQLite schema and its migrations. Private to lrs_sqlite.
//
// Layout (version 1):
//   statements(stored INTEGER PRIMARY KEY, id BLOB UNIQUE, ref, voiding, voided, terms, body)
//     `stored` is the stored time in microseconds, so since/until/order/cursor walk the
//     rowid. `terms` lists the term ids the statement matches (its own and those
//     inherited through StatementRefs), varint-encoded.
//   terms(id INTEGER PRIMARY KEY, key BLOB UNIQUE, n)
//     Every filterable key with its role folded in (see term_key()); `n` is an
//     approximate number of links, used to pick the most selective filter.
//   links(term, stored) WITHOUT ROWID, PRIMARY KEY (term, stored)
//     One row per (term, statement): a filter is an index range walked in stored order.
//   credentials(key TEXT PRIMARY KEY, ...)
#pragma once

#include "sqlite_handle.h"

namespace lrs::sqlite {

// The schema version this binary writes.
int latest_schema_version();

// Creates or upgrades the schema in one transaction. kInvalid when the file belongs
// to another application or has a newer schema version than latest_schema_version().
Result<void> migrate(Connection& conn);

}  // namespace lrs::sqlite

// The SQLite schema and its migrations. Private to lrs_sqlite.
//
// Layout (version 1):
//   statements(stored INTEGER PRIMARY KEY, id BLOB UNIQUE, ref, voiding, voided, terms, body)
//     `stored` is the stored time in microseconds, so since/until/order/cursor walk the
//     rowid. `terms` lists the term ids the statement matches (its own and those
//     inherited through StatementRefs), varint-encoded.
//   terms(id INTEGER PRIMARY KEY, key BLOB UNIQUE, n_direct, n_related)
//     Every filterable key, type-prefixed (see term_key()); the n_* columns are
//     approximate link counts, used to pick the most selective filter.
//   links(term, stored) WITHOUT ROWID, PRIMARY KEY (term, stored)
//     One row per (link term, statement), link term = terms.id * 2 + role: role 0 rows
//     match `agent=`/`activity=` (and verb, registration), role 1 rows match with
//     related_agents / related_activities (a superset of role 0). Both ranges of one
//     key are neighbours in the B-tree, so indexing a statement touches few pages, and
//     a filter is one index range walked in stored order.
//   link_state(indexed_through) (version 4)
//     The links of statements stored up to indexed_through are in `links` (or the
//     staging tables); those of later ones are held in the writer's memory and rebuilt
//     from `terms` when the file is opened (pending_links.h).
//   credentials(key TEXT PRIMARY KEY, ...)
//   person_links(agent TEXT PRIMARY KEY, person, ifi, source, linked_us) (version 5)
//     One row per linked agent key; the agents of one person share `person`.
#pragma once

#include "sqlite_handle.h"

namespace lrs::sqlite {

// The schema version this binary writes.
int latest_schema_version();

// Creates or upgrades the schema in one transaction. kInvalid when the file belongs
// to another application or has a newer schema version than latest_schema_version().
Result<void> migrate(Connection& conn);

}  // namespace lrs::sqlite

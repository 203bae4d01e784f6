// One open database: the stores of every resource, sharing one file or server.
// Backends provide a factory (open_sqlite_database in lrs/sqlite_database.h); the app
// chooses by the --db URL. The Database owns its stores; it is thread-safe.
#pragma once

#include "lrs/credential_store.h"
#include "lrs/document_store.h"
#include "lrs/import_store.h"
#include "lrs/person_store.h"
#include "lrs/player_store.h"
#include "lrs/statement_store.h"

namespace lrs {

class Database {
 public:
  Database() = default;
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual StatementStore& statements() = 0;
  virtual CredentialStore& credentials() = 0;
  virtual DocumentStore& documents() = 0;
  virtual PlayerStore& player() = 0;
  virtual ImportStore& imports() = 0;
  virtual PersonStore& persons() = 0;
};

}  // namespace lrs

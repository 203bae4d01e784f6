#include <memory>
#include <utility>

#include "lrs/postgres_database.h"
#include "pg_connection.h"
#include "pg_import_store.h"
#include "pg_person_store.h"
#include "pg_schema.h"
#include "pg_statement_store.h"
#include "pg_stores.h"

namespace lrs {
namespace {

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const PostgresOptions& options)
      : pool_(options.url, options.connections),
        statements_(pool_, options.max_group_rows),
        credentials_(pool_),
        documents_(pool_),
        player_(pool_, statements_),
        imports_(pool_),
        persons_(pool_) {}

  StatementStore& statements() override { return statements_; }
  CredentialStore& credentials() override { return credentials_; }
  DocumentStore& documents() override { return documents_; }
  PlayerStore& player() override { return player_; }
  ImportStore& imports() override { return imports_; }
  PersonStore& persons() override { return persons_; }

 private:
  pg::Pool pool_;
  pg::PgStatementStore statements_;
  pg::PgCredentialStore credentials_;
  pg::PgDocumentStore documents_;
  pg::PgPlayerStore player_;
  pg::PgImportStore imports_;
  pg::PgPersonStore persons_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres_database(const PostgresOptions& options) {
  std::string server = pg::describe_url(options.url);
  auto conn = pg::Connection::open(options.url);
  if (!conn) return tl::unexpected<Error>(conn.error());
  LRS_PG_TRY(pg::migrate(**conn, server));
  return std::unique_ptr<Database>(new PostgresDatabase(options));
}

}  // namespace lrs

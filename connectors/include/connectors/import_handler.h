// The import API under /api/imports (scope `all`), plain request in, response out:
//   POST /api/imports?lms_url=&format=&mapping=&tz=&course=&course_name=&date_format=
//        &export_time=&use_email=&dry_run=&file_name=    body: the export file's bytes
//        -> 201 with the summary (200 for a dry run), the same job as `lrsbridge import`
//   GET  /api/imports                      -> the jobs, newest first
//   GET  /api/imports/{id}                 -> one job
//   GET  /api/imports/{id}/quarantine      -> its quarantined rows (JSON; CSV with
//                                             ?format=csv or Accept: text/csv)
//   POST /api/imports/{id}/retry?tz=&lms_url=&date_format=&mapping=&course=
//                                          -> runs the quarantined rows again
// `mapping` holds a mapping file's JSON text. Thread-safe.
#pragma once

#include <string_view>

#include "lrs/auth.h"
#include "lrs/http_message.h"
#include "lrs/import_store.h"
#include "lrs/person_store.h"
#include "lrs/statement_store.h"

namespace connectors {

class ImportHandler {
 public:
  // `persons` (may be null) receives the account/mbox links of --use-email imports.
  ImportHandler(lrs::StatementStore& statements, lrs::ImportStore& imports,
                lrs::Authenticator& auth, lrs::PersonStore* persons = nullptr);

  bool handles(std::string_view path) const;
  lrs::HttpResponse handle(const lrs::HttpRequest& request);

 private:
  lrs::HttpResponse start(const lrs::HttpRequest& request);
  lrs::HttpResponse job(const lrs::HttpRequest& request, const std::string& id,
                        std::string_view rest);
  lrs::StatementStore& statements_;
  lrs::ImportStore& imports_;
  lrs::Authenticator& auth_;
  lrs::PersonStore* persons_;
};

}  // namespace connectors

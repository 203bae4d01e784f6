// The admin API for person links (person_service.h), scope `all`:
//   GET    /api/persons[?agent=AGENT]   every person, or the one an Agent belongs to
//   POST   /api/persons                 {"agents": [Agent, Agent, ...]} links them
//   GET    /api/persons/{id}            one person
//   DELETE /api/persons/{id}[?agent=AGENT]  dissolves the person, or takes one agent out
// Persons are answered as describe_person() writes them. Thread-safe.
#pragma once

#include <string_view>

#include "lrs/auth.h"
#include "lrs/http_message.h"
#include "lrs/person_service.h"

namespace lrs {

class PersonAdminHandler {
 public:
  PersonAdminHandler(PersonService& persons, Authenticator& auth)
      : persons_(persons), auth_(auth) {}

  static bool handles(std::string_view path);
  HttpResponse handle(const HttpRequest& request);

 private:
  PersonService& persons_;
  Authenticator& auth_;
};

}  // namespace lrs

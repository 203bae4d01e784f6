// Persons: which Agents are one human (links kept by a PersonStore), and the Person
// object of the Agents resource (Communication 2.4) built from those links and the
// names stored statements gave each linked agent.
//
// Links only widen what GET /agents answers; statement queries by agent stay exact
// (Communication 2.1.3 matches an Agent by its one IFI). Thread-safe; holds references.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "lrs/error.h"
#include "lrs/person_store.h"
#include "lrs/statement_store.h"

namespace lrs {

// An Agent to link: a JSON object that is an Agent (objectType absent or "Agent") with
// exactly one IFI, valid under the xAPI data model. kInvalid naming `where` otherwise.
// The answer holds the IFI only (no name), `source` and the current time.
Result<LinkedAgent> linkable_agent(const nlohmann::json& agent, std::string_view where,
                                   const std::string& source);

// The JSON the admin API and the CLI show for a person:
// {"id": ..., "agents": [{"mbox": ..., "source": ..., "linked": timestamp}, ...]}.
std::string describe_person(const PersonRecord& person);

class PersonService {
 public:
  PersonService(PersonStore& persons, StatementStore& statements)
      : persons_(persons), statements_(statements) {}

  // Links the Agents of the JSON array `agents` (at least two distinct ones) as one
  // person, merging the persons they already belong to. kInvalid naming the element
  // that is not a linkable Agent, or when fewer than two distinct agents remain.
  Result<PersonRecord> link(const nlohmann::json& agents, const std::string& source);

  // The Person object for a valid Agent (or identified Group): the arrays name, mbox,
  // mbox_sha1sum, openid and account of every agent linked to it (just its own IFI when
  // it is linked to no one), names in the order statements first gave them.
  Result<std::string> person_object(const nlohmann::json& agent);

  PersonStore& store() { return persons_; }

 private:
  PersonStore& persons_;
  StatementStore& statements_;
};

}  // namespace lrs

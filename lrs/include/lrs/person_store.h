// Links between the identifiers (IFIs) of one person, for the Agents resource
// (Communication 2.4: a Person lists every IFI the LRS knows for someone).
//
// A learner is one Agent everywhere in LRS Bridge (design.md), but other tools and the
// connectors' --use-email send mbox or openid for the same person. A link says "these
// agents are one person"; it never changes which statements match an `agent=` filter
// (the spec's matching stays exact). Linking agents that already belong to different
// persons merges those persons. Implementations are thread-safe; each call is one
// transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lrs/error.h"

namespace lrs {

// One identifier of a person.
struct LinkedAgent {
  std::string key;     // agent_key() of the Agent (statement_record.h)
  std::string ifi;     // JSON object holding only the IFI, e.g. {"mbox":"mailto:a@b.org"}
  std::string source;  // who made the link: "admin", "import", ...
  std::int64_t linked_us = 0;
};

struct PersonRecord {
  std::string id;                   // UUID text, stable while the person exists
  std::vector<LinkedAgent> agents;  // ordered by key; at least two
};

class PersonStore {
 public:
  PersonStore() = default;
  virtual ~PersonStore() = default;
  PersonStore(const PersonStore&) = delete;
  PersonStore& operator=(const PersonStore&) = delete;

  // Makes `agents` (two or more distinct keys) one person, together with every agent
  // already linked to any of them. When some are linked already, the person with the
  // smallest id among theirs takes in the others; otherwise the new person gets
  // `new_id`. A key already linked keeps its first source and time. Answers the person.
  virtual Result<PersonRecord> link(const std::vector<LinkedAgent>& agents,
                                    const std::string& new_id) = 0;
  // The person an agent key belongs to; nullopt when it is linked to no one.
  virtual Result<std::optional<PersonRecord>> find_by_agent(const std::string& agent_key) = 0;
  virtual Result<std::optional<PersonRecord>> find(const std::string& id) = 0;
  // Every person, ordered by id.
  virtual Result<std::vector<PersonRecord>> list() = 0;
  // Dissolves a person (its agents become unlinked); kNotFound when there is none.
  virtual Result<void> remove(const std::string& id) = 0;
  // Takes one agent out of person `id`; a person left with one agent is dissolved.
  // kNotFound when the agent is not linked to that person.
  virtual Result<void> unlink(const std::string& id, const std::string& agent_key) = 0;
};

}  // namespace lrs

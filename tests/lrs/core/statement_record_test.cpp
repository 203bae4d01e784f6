#include "lrs/statement_record.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

const lrs::Uuid kId = *lrs::Uuid::parse("11111111-2222-4333-8444-555555555555");

bool has(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

TEST_CASE("agent_key uses the inverse functional identifier") {
  CHECK(lrs::agent_key(json{{"mbox", "mailto:a@b.c"}, {"name", "A"}}) == "mbox:mailto:a@b.c");
  CHECK(lrs::agent_key(json{{"mbox_sha1sum", "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}}) ==
        "mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01");
  CHECK(lrs::agent_key(json{{"openid", "http://id.example.com/a"}}) ==
        "openid:http://id.example.com/a");
  CHECK(
      lrs::agent_key(json{{"account", {{"homePage", "http://lms.example.com"}, {"name", "42"}}}}) ==
      "account:http://lms.example.com 42");
  CHECK_FALSE(lrs::agent_key(json{{"objectType", "Group"}, {"member", json::array()}}));
  CHECK_FALSE(lrs::agent_key(json("mailto:a@b.c")));
}

TEST_CASE("a record carries direct and related keys separately") {
  json s = {{"actor",
             {{"objectType", "Group"},
              {"mbox", "mailto:team@x.org"},
              {"member", {{{"mbox", "mailto:m@x.org"}}}}}},
            {"verb", {{"id", "http://adlnet.gov/expapi/verbs/completed"}}},
            {"object", {{"id", "http://x.org/a"}}},
            {"authority", {{"mbox", "mailto:auth@x.org"}}},
            {"context",
             {{"registration", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
              {"instructor", {{"mbox", "mailto:teacher@x.org"}}},
              {"contextActivities",
               {{"parent", {{{"id", "http://x.org/course"}}}},
                {"category", {{"id", "http://x.org/cat"}}}}}}}};
  auto r = lrs::make_statement_record(s, kId);
  CHECK(r.id == kId);
  CHECK(r.verb == "http://adlnet.gov/expapi/verbs/completed");
  CHECK(has(r.agents, "mbox:mailto:team@x.org"));
  CHECK(has(r.agents, "mbox:mailto:m@x.org"));
  CHECK(has(r.related_agents, "mbox:mailto:auth@x.org"));
  CHECK(has(r.related_agents, "mbox:mailto:teacher@x.org"));
  CHECK_FALSE(has(r.related_agents, "mbox:mailto:team@x.org"));
  CHECK(r.activities == std::vector<std::string>{"http://x.org/a"});
  CHECK(has(r.related_activities, "http://x.org/course"));
  CHECK(has(r.related_activities, "http://x.org/cat"));
  REQUIRE(r.registration);
  CHECK(r.registration->str() == "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  CHECK_FALSE(r.voiding);
  CHECK(json::parse(r.body) == s);
}

TEST_CASE("voiding statements and statement references are recognised") {
  json voiding = {
      {"actor", {{"mbox", "mailto:a@b.c"}}},
      {"verb", {{"id", "http://adlnet.gov/expapi/verbs/voided"}}},
      {"object", {{"objectType", "StatementRef"}, {"id", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}}}};
  auto r = lrs::make_statement_record(voiding, kId);
  CHECK(r.voiding);
  REQUIRE(r.statement_ref);
  CHECK(r.statement_ref->str() == "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  CHECK(r.activities.empty());

  voiding["verb"]["id"] = "http://example.com/verbs/likes";
  CHECK_FALSE(lrs::make_statement_record(voiding, kId).voiding);
}

TEST_CASE("everything inside a SubStatement is related only") {
  json s = {{"actor", {{"mbox", "mailto:a@b.c"}}},
            {"verb", {{"id", "http://example.com/v"}}},
            {"object",
             {{"objectType", "SubStatement"},
              {"actor", {{"mbox", "mailto:sub@b.c"}}},
              {"verb", {{"id", "http://example.com/v2"}}},
              {"object", {{"id", "http://example.com/sub-activity"}}}}}};
  auto r = lrs::make_statement_record(s, kId);
  CHECK(r.agents == std::vector<std::string>{"mbox:mailto:a@b.c"});
  CHECK(has(r.related_agents, "mbox:mailto:sub@b.c"));
  CHECK(r.activities.empty());
  CHECK(has(r.related_activities, "http://example.com/sub-activity"));
}

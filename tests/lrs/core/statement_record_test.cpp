#include "lrs/statement_record.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/statement_service.h"

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

// --- StatementFrame: the records of generated statements --------------------------------

namespace {

// Every field of a record, one per line, so that a difference shows where it is.
std::string describe(const lrs::StatementRecord& r) {
  std::string out = "id " + r.id.str() + "\nbody " + r.body + "\nverb " + r.verb;
  auto list = [&](const char* name, const std::vector<std::string>& keys) {
    out += std::string("\n") + name;
    for (const auto& k : keys) out += " [" + k + "]";
  };
  list("agents", r.agents);
  list("related_agents", r.related_agents);
  list("activities", r.activities);
  list("related_activities", r.related_activities);
  out += "\nregistration " + (r.registration ? r.registration->str() : "-");
  out += "\nauthority " + r.authority.value_or("-");
  out += "\nstatement_ref " + (r.statement_ref ? r.statement_ref->str() : "-");
  out += "\nvoiding " + std::to_string(r.voiding) + "\nredefine " + std::to_string(r.redefine);
  out += "\nattachments " + std::to_string(r.attachments.size());
  for (const auto& d : r.definitions) out += "\ndefinition " + d.activity_id + " " + d.definition;
  for (const auto& n : r.agent_names) out += "\nname " + n.agent + " " + n.name;
  return out;
}

struct Parts {
  json actor, context, verb, object, result;
};

// The frame's record of `parts` against prepare_statements' record of the whole statement.
void require_frame_matches(const Parts& p, const lrs::Principal& who,
                           const lrs::ClientVersion& version) {
  const std::string timestamp = "2026-01-01T00:00:00.000Z";
  json statement = {{"id", kId.str()},    {"actor", p.actor},     {"verb", p.verb},
                    {"object", p.object}, {"context", p.context}, {"timestamp", timestamp}};
  if (!p.result.is_null()) statement["result"] = p.result;
  auto general = lrs::prepare_statements({statement}, {}, who, version);
  INFO((general ? std::string() : general.error().message));
  REQUIRE(general.has_value());
  auto frame = lrs::StatementFrame::make(p.actor, p.context, who, version);
  REQUIRE(frame.has_value());
  lrs::StatementRecord fast = frame->record(kId, p.verb, p.object, p.result, timestamp);
  CHECK(describe(fast) == describe(general->records.at(0)));
  // The same object fixed in the frame.
  auto fixed = lrs::StatementFrame::make(p.actor, p.context, p.object, who, version);
  REQUIRE(fixed.has_value());
  CHECK(describe(fixed->record(kId, p.verb, p.result, timestamp)) ==
        describe(general->records.at(0)));
  auto prepared = lrs::prepared_from_records({fast});
  CHECK(prepared.ids == general->ids);
  REQUIRE(prepared.same);
  CHECK(prepared.same(general->records[0].body, fast.body));
  // The judge knows only the batch's ids.
  json other = json::parse(fast.body);
  other["id"] = "99999999-2222-4333-8444-555555555555";
  CHECK_FALSE(prepared.same(other.dump(), other.dump()));
}

Parts rich_parts() {
  Parts p;
  p.actor = {{"objectType", "Group"},
             {"name", "Team"},
             {"mbox", "mailto:team@x.org"},
             {"member", {{{"mbox", "mailto:m@x.org"}, {"name", "M"}}}}};
  p.context = json::parse(R"({
    "registration": "AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee",
    "instructor": {"mbox": "mailto:teacher@x.org", "name": "T"},
    "contextActivities": {
      "parent": {"id": "http://x.org/course", "definition": {"name": {"en-US": "Course"}}},
      "grouping": [{"id": "http://x.org/program"},
                   {"id": "http://x.org/course", "definition": {"name": {"fr": "Cours"}}}],
      "category": [{"objectType": "Activity", "id": "https://w3id.org/xapi/scorm"}]},
    "platform": "p", "language": "en-US",
    "extensions": {"http://x.org/ext": {"b": 1.5, "a": "\u00e9\n"}}})");
  p.verb = {{"id", "http://adlnet.gov/expapi/verbs/answered"},
            {"display", {{"en-US", "answered"}}}};
  p.object = {{"objectType", "Activity"},
              {"id", "http://x.org/q1"},
              {"definition", {{"name", {{"en-US", "Q1"}}}, {"interactionType", "choice"}}}};
  p.result = {{"success", true}, {"score", {{"scaled", 0.25}, {"raw", 3}}}, {"response", "a"}};
  return p;
}

}  // namespace

TEST_CASE("a StatementFrame's record is prepare_statements' record of the whole statement",
          "[frame]") {
  const lrs::Principal all{"bridge", lrs::kScopeAll,
                           R"({"account":{"name":"b","homePage":"urn:x"},"objectType":"Agent"})"};
  const lrs::Principal write_only{"w", lrs::kScopeStatementsWrite,
                                  R"({"mbox":"mailto:w@x.org","name":"W"})"};
  const lrs::ClientVersion v2{lrs::XapiVersion::k2_0, "2.0.0"};
  const lrs::ClientVersion v1{lrs::XapiVersion::k1_0, "1.0.3"};
  Parts p = rich_parts();

  SECTION("an activity outside the context: the frame's own path") {
    for (const auto* who : {&all, &write_only}) {
      for (const auto* version : {&v1, &v2}) require_frame_matches(p, *who, *version);
    }
  }
  SECTION("no result, an object without a definition") {
    p.result = json();
    p.object = {{"id", "http://x.org/q2"}};
    require_frame_matches(p, all, v2);
  }
  SECTION("the object is also a context activity: its definitions merge") {
    p.object = {{"id", "http://x.org/course"},
                {"definition", {{"name", {{"de", "Kurs"}}}, {"type", "http://x.org/t"}}}};
    require_frame_matches(p, all, v2);
  }
  SECTION("the object is an agent") {
    p.context.erase("platform");  // only with an Activity object (xAPI Data 2.4.6)
    p.object = {{"objectType", "Agent"}, {"mbox", "mailto:other@x.org"}, {"name", "O"}};
    require_frame_matches(p, all, v2);
  }
  SECTION("the object is a SubStatement") {
    p.context.erase("platform");  // only with an Activity object (xAPI Data 2.4.6)
    p.object = {{"objectType", "SubStatement"},
                {"actor", {{"mbox", "mailto:sub@x.org"}}},
                {"verb", {{"id", "http://x.org/v"}}},
                {"object", {{"id", "http://x.org/sub-object"}}}};
    require_frame_matches(p, all, v2);
  }
  SECTION("the object is a StatementRef (voiding)") {
    p.context.erase("platform");  // only with an Activity object (xAPI Data 2.4.6)
    p.verb = {{"id", "http://adlnet.gov/expapi/verbs/voided"}};
    p.object = {{"objectType", "StatementRef"}, {"id", "22222222-2222-4333-8444-555555555555"}};
    p.result = json();
    require_frame_matches(p, all, v2);
  }
}

TEST_CASE("a StatementFrame needs a credential that may write statements", "[frame]") {
  const lrs::Principal reader{"r", lrs::kScopeStatementsRead, R"({"mbox":"mailto:r@x.org"})"};
  Parts p = rich_parts();
  auto frame =
      lrs::StatementFrame::make(p.actor, p.context, reader, {lrs::XapiVersion::k2_0, "2.0.0"});
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == lrs::ErrorCode::kForbidden);
  const lrs::Principal broken{"b", lrs::kScopeAll, "not json"};
  auto broken_frame =
      lrs::StatementFrame::make(p.actor, p.context, broken, {lrs::XapiVersion::k2_0, "2.0.0"});
  REQUIRE_FALSE(broken_frame.has_value());
  CHECK(broken_frame.error().code == lrs::ErrorCode::kInternal);
}

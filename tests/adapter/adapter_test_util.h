// Shared helpers for the adapter tests: contexts, models and statement checks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "lrs/auth.h"
#include "lrs/statement_service.h"
#include "lrs/statement_validator.h"
#include "lrs/uuid.h"
#include "scorm/cmi_commit.h"
#include "scorm/cmi_model.h"

namespace adapter_test {

using Pairs = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::int64_t kT0 = 1767225600000000;  // 2026-01-01T00:00:00Z
inline constexpr const char* kTimestamp = "2026-01-01T00:00:00.000Z";

inline adapter::TranslationContext context(scorm::ScormVersion version) {
  adapter::TranslationContext ctx;
  ctx.learner_home_page = "https://lms.example.org";
  ctx.learner_account = "u-42";
  ctx.learner_name = "Ada";
  ctx.course_iri = "https://courses.example.org/golf";
  ctx.course_title = "Golf";
  ctx.sco_iri = "https://courses.example.org/golf/sco1";
  ctx.sco_title = "Etiquette";
  ctx.sco_identifier = "sco1";
  ctx.attempt_iri = adapter::make_attempt_iri(
      ctx.sco_iri, *lrs::Uuid::parse("00000000-0000-4000-8000-000000000001"));
  ctx.registration = "11111111-2222-4333-8444-555555555555";
  ctx.version = version;
  ctx.platform = "lrsbridge";
  return ctx;
}

inline void set_all(scorm::CmiModel& model, const Pairs& pairs) {
  for (const auto& [element, value] : pairs) {
    INFO(element << " = " << value << ": " << model.get_diagnostic());
    REQUIRE(model.set_value(element, value) == 0);
  }
}

// Every statement must be valid xAPI 1.0.3 and 2.0.0.
inline void require_valid(const std::vector<nlohmann::json>& statements) {
  for (const auto& s : statements) {
    for (auto v : {lrs::XapiVersion::k1_0, lrs::XapiVersion::k2_0}) {
      auto r = lrs::validate_statement(s, v);
      INFO(s.dump(2));
      INFO((r ? std::string() : r.error().message));
      REQUIRE(r.has_value());
    }
  }
}

// The writers the prepared path is checked for: the bridge (every scope, xAPI 2.0) and a
// credential that may write but not redefine activities, speaking 1.0.3.
struct Writer {
  lrs::Principal who;
  lrs::ClientVersion version;
};
inline std::vector<Writer> writers() {
  return {
      {{"scorm-bridge", lrs::kScopeAll,
        R"({"objectType":"Agent","account":{"homePage":"urn:lrsbridge","name":"scorm-bridge"}})"},
       {lrs::XapiVersion::k2_0, "2.0.0"}},
      {{"importer", lrs::kScopeStatementsWrite, R"({"mbox":"mailto:importer@example.org"})"},
       {lrs::XapiVersion::k1_0, "1.0.3"}}};
}

// `fast` must be what lrs::prepare_statements makes of `statements`, field by field.
inline void require_same_prepared(const std::vector<nlohmann::json>& statements,
                                  const lrs::PreparedStatements& fast, const Writer& writer) {
  auto general = lrs::prepare_statements(statements, {}, writer.who, writer.version);
  REQUIRE(general.has_value());
  REQUIRE(fast.ids == general->ids);
  REQUIRE(fast.records.size() == general->records.size());
  for (std::size_t i = 0; i < fast.records.size(); ++i) {
    const lrs::StatementRecord& f = fast.records[i];
    const lrs::StatementRecord& g = general->records[i];
    INFO("statement " << i << ": " << g.body);
    CHECK(f.id == g.id);
    CHECK(f.body == g.body);
    CHECK(f.verb == g.verb);
    CHECK(f.agents == g.agents);
    CHECK(f.related_agents == g.related_agents);
    CHECK(f.activities == g.activities);
    CHECK(f.related_activities == g.related_activities);
    CHECK(f.registration == g.registration);
    CHECK(f.authority == g.authority);
    CHECK(f.statement_ref == g.statement_ref);
    CHECK(f.voiding == g.voiding);
    CHECK(f.attachments.empty());
    CHECK(g.attachments.empty());
    REQUIRE(f.definitions.size() == g.definitions.size());
    for (std::size_t d = 0; d < f.definitions.size(); ++d) {
      CHECK(f.definitions[d].activity_id == g.definitions[d].activity_id);
      CHECK(f.definitions[d].definition == g.definitions[d].definition);
    }
    REQUIRE(f.agent_names.size() == g.agent_names.size());
    for (std::size_t n = 0; n < f.agent_names.size(); ++n) {
      CHECK(f.agent_names[n].agent == g.agent_names[n].agent);
      CHECK(f.agent_names[n].name == g.agent_names[n].name);
    }
    CHECK(f.redefine == g.redefine);
    // A re-sent id: each judge accepts the stored body as the same statement.
    REQUIRE(fast.same);
    CHECK(fast.same(g.body, f.body));
    CHECK(general->same(g.body, f.body));
  }
  CHECK(static_cast<bool>(fast.same) == static_cast<bool>(general->same));
}

inline adapter::StatementFrames frames(const adapter::TranslationContext& ctx,
                                       const Writer& writer) {
  auto made = adapter::StatementFrames::make(ctx, writer.who, writer.version);
  REQUIRE(made.has_value());
  return std::move(*made);
}

// Translates and validates, and checks the prepared path against the general one.
inline std::vector<nlohmann::json> translate(const adapter::TranslationContext& ctx,
                                             const scorm::CmiModel& before,
                                             const scorm::CmiModel& after,
                                             adapter::RuntimeEvent event, std::int64_t seq) {
  auto out = adapter::translate(ctx, before, after, event, seq, kT0);
  require_valid(out);
  const std::vector<scorm::CmiChange> changes = event == adapter::RuntimeEvent::kInitialize
                                                    ? std::vector<scorm::CmiChange>{}
                                                    : scorm::diff(before, after);
  CHECK(adapter::translate(ctx, changes, after, event, seq, kT0) == out);
  for (const Writer& writer : writers()) {
    require_same_prepared(
        out, adapter::translate_prepared(frames(ctx, writer), changes, after, event, seq, kT0),
        writer);
  }
  return out;
}

inline std::vector<std::string> verbs(const std::vector<nlohmann::json>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) {
    out.push_back(s["verb"]["id"].get<std::string>().substr(31));  // after ".../verbs/"
  }
  return out;
}

inline std::string expected_id(const adapter::TranslationContext& ctx, int seq,
                               const std::string& event, const std::string& kind,
                               const std::string& subject) {
  auto ns = *lrs::Uuid::parse(adapter::kStatementNamespace);
  std::string name = ctx.attempt_iri;
  for (const std::string& part : {std::to_string(seq), event, kind, subject}) {
    name += "|";
    name += part;
  }
  return lrs::Uuid::v5(ns, name).str();
}

// The context every SCO-level statement of context(...) carries.
inline nlohmann::json sco_context(const adapter::TranslationContext& ctx) {
  std::string text = R"({
    "registration": "11111111-2222-4333-8444-555555555555",
    "platform": "lrsbridge",
    "contextActivities": {
      "grouping": [
        {"objectType": "Activity", "id": ")";
  text += ctx.attempt_iri;
  text += R"(",
         "definition": {"type": "http://adlnet.gov/expapi/activities/attempt"}},
        {"objectType": "Activity", "id": "https://courses.example.org/golf",
         "definition": {"type": "http://adlnet.gov/expapi/activities/course",
                        "name": {"en-US": "Golf"}}}],
      "category": [
        {"objectType": "Activity", "id": "https://w3id.org/xapi/scorm",
         "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}}]
    }})";
  return nlohmann::json::parse(text);
}

inline nlohmann::json sco_object() {
  return nlohmann::json::parse(R"({"objectType": "Activity",
    "id": "https://courses.example.org/golf/sco1",
    "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                   "name": {"en-US": "Etiquette"}}})");
}

inline nlohmann::json actor() {
  return nlohmann::json::parse(R"({"objectType": "Agent", "name": "Ada",
    "account": {"homePage": "https://lms.example.org", "name": "u-42"}})");
}

}  // namespace adapter_test

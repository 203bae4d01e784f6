// Shared helpers for the adapter tests: contexts, models and statement checks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapter/translator.h"
#include "lrs/statement_validator.h"
#include "lrs/uuid.h"
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

// Translates and validates.
inline std::vector<nlohmann::json> translate(const adapter::TranslationContext& ctx,
                                             const scorm::CmiModel& before,
                                             const scorm::CmiModel& after,
                                             adapter::RuntimeEvent event, std::int64_t seq) {
  auto out = adapter::translate(ctx, before, after, event, seq, kT0);
  require_valid(out);
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

// The pure rules behind the document, Activities and Agents resources: parameters,
// ETags, document merge, activity definition merge, and what a statement record
// carries for them. (The rules that need a store are tested through the handler in
// tests/lrs/http.)
#include "lrs/document_service.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lrs/statement_record.h"

using lrs::DocumentKind;
using lrs::DocumentMethod;
using lrs::XapiVersion;
using nlohmann::json;

namespace {

const std::string kAgent = R"({"objectType":"Agent","mbox":"mailto:a@example.com"})";

lrs::Result<lrs::DocumentRequest> parse(DocumentKind kind, DocumentMethod method,
                                        lrs::QueryParams params,
                                        XapiVersion version = XapiVersion::k2_0) {
  return lrs::parse_document_request(kind, method, params, version);
}

}  // namespace

TEST_CASE("document_etag is the quoted SHA-1 hex of the content") {
  CHECK(lrs::document_etag("") == "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"");
  CHECK(lrs::document_etag("hello") == "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"");
}

TEST_CASE("merge_documents replaces top-level keys only") {
  auto merged = lrs::merge_documents(R"({"a":{"x":1},"b":1})", R"({"a":{"y":2},"c":3})");
  REQUIRE(merged);
  CHECK(json::parse(*merged) == json::parse(R"({"a":{"y":2},"b":1,"c":3})"));
  CHECK(lrs::merge_documents("[1]", "{}").error().code == lrs::ErrorCode::kInvalid);
  CHECK(lrs::merge_documents("{}", "not json").error().code == lrs::ErrorCode::kInvalid);
  CHECK(lrs::merge_documents("{}", "\"text\"").error().code == lrs::ErrorCode::kInvalid);
}

TEST_CASE("parse_document_request: State") {
  lrs::QueryParams base = {{"activityId", "http://example.com/a"}, {"agent", kAgent}};
  auto with = [&](lrs::QueryParams extra) {
    lrs::QueryParams p = base;
    p.insert(p.end(), extra.begin(), extra.end());
    return p;
  };
  auto r =
      parse(DocumentKind::kState, DocumentMethod::kGet,
            with({{"stateId", "s"}, {"registration", "9B1B0F6C-3B5E-4B8A-9F55-2D8A9F3F7A10"}}));
  REQUIRE(r);
  CHECK(r->scope.activity_id == "http://example.com/a");
  CHECK(r->scope.agent == "mbox:mailto:a@example.com");
  CHECK(r->id == "s");
  CHECK(r->scope.registration->str() == "9b1b0f6c-3b5e-4b8a-9f55-2d8a9f3f7a10");

  auto list =
      parse(DocumentKind::kState, DocumentMethod::kGet, with({{"since", "2024-01-02T03:04:05Z"}}));
  REQUIRE(list);
  CHECK_FALSE(list->id);
  CHECK(list->since_us);
  // DELETE without stateId means every document of the activity and agent.
  CHECK(parse(DocumentKind::kState, DocumentMethod::kDelete, base));

  auto code = [](const lrs::Result<lrs::DocumentRequest>& res) {
    return res ? std::string("ok") : res.error().message;
  };
  CHECK(code(parse(DocumentKind::kState, DocumentMethod::kPut, base)).find("stateId") !=
        std::string::npos);
  CHECK(code(parse(DocumentKind::kState, DocumentMethod::kGet, {{"agent", kAgent}}))
            .find("activityId") != std::string::npos);
  CHECK(code(parse(DocumentKind::kState, DocumentMethod::kGet,
                   {{"activityId", "http://example.com/a"}}))
            .find("agent") != std::string::npos);
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet,
                    {{"activityId", "no scheme"}, {"agent", kAgent}}));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet,
                    {{"activityId", "http://example.com/a"}, {"agent", "true"}}));
  CHECK_FALSE(
      parse(DocumentKind::kState, DocumentMethod::kGet,
            {{"activityId", "http://example.com/a"}, {"agent", R"({"mbox":"a@example.com"})"}}));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet, with({{"registration", "x"}})));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet, with({{"since", "x"}})));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kPost,
                    with({{"stateId", "s"}, {"since", "2024-01-02T03:04:05Z"}})));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet, with({{"profileId", "p"}})));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet, with({{"StateId", "p"}})));
  CHECK_FALSE(parse(DocumentKind::kState, DocumentMethod::kGet, with({{"agent", kAgent}})));
}

TEST_CASE("parse_document_request: profiles") {
  auto activity = parse(DocumentKind::kActivityProfile, DocumentMethod::kPut,
                        {{"activityId", "http://example.com/a"}, {"profileId", "p"}});
  REQUIRE(activity);
  CHECK(activity->scope.agent.empty());
  CHECK_FALSE(parse(DocumentKind::kActivityProfile, DocumentMethod::kGet,
                    {{"activityId", "http://example.com/a"}, {"agent", kAgent}}));
  CHECK_FALSE(parse(DocumentKind::kActivityProfile, DocumentMethod::kDelete,
                    {{"activityId", "http://example.com/a"}}));

  auto agent = parse(DocumentKind::kAgentProfile, DocumentMethod::kGet,
                     {{"agent", R"({"account":{"homePage":"http://h.test","name":"u"}})"}});
  REQUIRE(agent);
  CHECK(agent->scope.agent == "account:http://h.test u");
  CHECK(agent->scope.activity_id.empty());
  CHECK_FALSE(parse(DocumentKind::kAgentProfile, DocumentMethod::kGet,
                    {{"agent", kAgent}, {"activityId", "http://example.com/a"}}));
}

TEST_CASE("merge_activity_definition merges language maps and replaces the rest") {
  std::string merged = lrs::merge_activity_definition(
      R"({"name":{"en":"A"},"description":{"en":"d"},"type":"http://t/1","moreInfo":"http://m"})",
      R"({"name":{"fr":"B","en":"A2"},"type":"http://t/2"})");
  CHECK(json::parse(merged) == json::parse(R"({"name":{"en":"A2","fr":"B"},
      "description":{"en":"d"},"type":"http://t/2","moreInfo":"http://m"})"));
  CHECK(lrs::merge_activity_definition("not json", R"({"a":1})") == R"({"a":1})");
}

TEST_CASE("redefined_activity says what a backend stores for a definition") {
  const std::string a = R"({"name":{"en":"A"}})";
  CHECK(lrs::redefined_activity(std::nullopt, a, false) == a);
  CHECK(lrs::redefined_activity(std::nullopt, a, true) == a);
  // Without the define scope the stored definition stays, even when another is sent.
  CHECK_FALSE(lrs::redefined_activity(a, R"({"name":{"fr":"B"}})", false));
  // The same definition again, or one the stored one already holds: nothing changes.
  CHECK_FALSE(lrs::redefined_activity(a, a, true));
  CHECK_FALSE(
      lrs::redefined_activity(R"({"name":{"en":"A","fr":"B"}})", R"({"name":{"fr":"B"}})", true));
  CHECK(lrs::redefined_activity(a, R"({"name":{"fr":"B"}})", true) ==
        R"({"name":{"en":"A","fr":"B"}})");
}

TEST_CASE("statement records carry definitions and agent names") {
  json statement = {
      {"actor", {{"mbox", "mailto:a@example.com"}, {"name", "Ann"}}},
      {"verb", {{"id", "http://example.com/v"}}},
      {"object", {{"id", "http://example.com/a"}, {"definition", {{"name", {{"en", "A"}}}}}}},
      {"context",
       {{"instructor", {{"mbox", "mailto:i@example.com"}, {"name", "Ian"}}},
        {"contextActivities",
         {{"parent",
           {{{"id", "http://example.com/p"}, {"definition", {{"type", "http://t"}}}},
            {{"id", "http://example.com/a"}, {"definition", {{"name", {{"fr", "B"}}}}}}}}}}}},
      {"authority", {{"mbox", "mailto:lrs@example.com"}, {"name", "LRS"}}}};
  auto record = lrs::make_statement_record(statement, lrs::Uuid::random());
  REQUIRE(record.definitions.size() == 2);
  CHECK(record.definitions[0].activity_id == "http://example.com/a");
  CHECK(json::parse(record.definitions[0].definition) ==
        json::parse(R"({"name":{"en":"A","fr":"B"}})"));
  CHECK(record.definitions[1].activity_id == "http://example.com/p");
  CHECK_FALSE(record.redefine);
  REQUIRE(record.agent_names.size() == 2);
  CHECK(record.agent_names[0].agent == "mbox:mailto:a@example.com");
  CHECK(record.agent_names[0].name == "Ann");
  CHECK(record.agent_names[1].name == "Ian");
}

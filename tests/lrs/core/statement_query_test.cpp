#include <catch2/catch.hpp>

#include "lrs/statement_service.h"

namespace {

lrs::Result<lrs::StatementQuery> parse(const lrs::QueryParams& params,
                                       lrs::XapiVersion v = lrs::XapiVersion::k1_0) {
  return lrs::parse_statement_query(params, v, 500);
}

std::string error_of(const lrs::QueryParams& params) {
  auto q = parse(params);
  REQUIRE_FALSE(q);
  CHECK(q.error().code == lrs::ErrorCode::kInvalid);
  return q.error().message;
}

}  // namespace

TEST_CASE("query parameters resolve to a filter") {
  auto q = parse({{"agent", R"({"mbox":"mailto:a@b.c"})"},
                  {"verb", "http://adlnet.gov/expapi/verbs/completed"},
                  {"activity", "http://example.com/a"},
                  {"registration", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
                  {"related_agents", "true"},
                  {"related_activities", "false"},
                  {"since", "2026-01-01T00:00:00Z"},
                  {"until", "2026-02-01T00:00:00+01:00"},
                  {"limit", "10"},
                  {"ascending", "true"},
                  {"format", "ids"}});
  REQUIRE(q);
  CHECK(q->filter.agent == "mbox:mailto:a@b.c");
  CHECK(q->filter.verb == "http://adlnet.gov/expapi/verbs/completed");
  CHECK(q->filter.activity == "http://example.com/a");
  CHECK(q->filter.registration->str() == "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  CHECK(q->filter.related_agents);
  CHECK_FALSE(q->filter.related_activities);
  CHECK(q->filter.since_us == 1767225600000000LL);
  CHECK(q->filter.until_us == 1769900400000000LL);
  CHECK(q->filter.limit == 10);
  CHECK(q->filter.ascending);
  CHECK(q->format == lrs::StatementFormat::kIds);
}

TEST_CASE("limit 0 and limits over the maximum mean the maximum; the default is 100") {
  CHECK(parse({{"limit", "0"}})->filter.limit == 500);
  CHECK(parse({{"limit", "100000"}})->filter.limit == 500);
  CHECK(parse({})->filter.limit == 100);
}

TEST_CASE("bad query parameters are named") {
  CHECK_THAT(error_of({{"Agent", "{}"}}), Catch::Contains("unknown parameter \"Agent\""));
  CHECK_THAT(error_of({{"foo", "1"}}), Catch::Contains("unknown parameter \"foo\""));
  CHECK_THAT(error_of({{"limit", "-3"}}), Catch::Contains("limit"));
  CHECK_THAT(error_of({{"limit", "ten"}}), Catch::Contains("limit"));
  CHECK_THAT(error_of({{"ascending", "yes"}}), Catch::Contains("ascending"));
  CHECK_THAT(error_of({{"since", "yesterday"}}), Catch::Contains("since"));
  CHECK_THAT(error_of({{"registration", "not-a-uuid"}}), Catch::Contains("registration"));
  CHECK_THAT(error_of({{"agent", "{not json"}}), Catch::Contains("agent"));
  CHECK_THAT(error_of({{"agent", R"({"mbox":"a@b.c"})"}}), Catch::Contains("mailto"));
  CHECK_THAT(error_of({{"format", "full"}}), Catch::Contains("format"));
  CHECK_THAT(error_of({{"verb", "completed"}}), Catch::Contains("IRI"));
  CHECK_THAT(error_of({{"limit", "1"}, {"limit", "2"}}), Catch::Contains("more than once"));
  CHECK_THAT(error_of({{"cursor", "abc"}}), Catch::Contains("cursor"));
}

TEST_CASE("statementId and voidedStatementId take only format and attachments") {
  std::string id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  CHECK(parse({{"statementId", id}, {"format", "exact"}, {"attachments", "false"}}));
  CHECK(parse({{"voidedStatementId", id}, {"format", "canonical"}}));
  for (const char* other : {"verb", "activity", "limit", "since", "ascending"}) {
    std::string value = std::string(other) == "limit"       ? "1"
                        : std::string(other) == "since"     ? "2026-01-01T00:00:00Z"
                        : std::string(other) == "ascending" ? "true"
                                                            : "http://example.com/x";
    CHECK_THAT(error_of({{"statementId", id}, {other, value}}),
               Catch::Contains("cannot be combined"));
    CHECK_THAT(error_of({{"voidedStatementId", id}, {other, value}}),
               Catch::Contains("cannot be combined"));
  }
  CHECK_THAT(error_of({{"statementId", id}, {"voidedStatementId", id}}),
             Catch::Contains("exclude"));
}

TEST_CASE("the cursor is kept out of the parameters a more link repeats") {
  auto q = parse({{"verb", "http://example.com/v"}, {"cursor", "1234"}});
  REQUIRE(q);
  CHECK(q->filter.after_us == 1234);
  REQUIRE(q->params.size() == 1);
  CHECK(q->params[0].first == "verb");
}

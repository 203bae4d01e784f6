// Interaction responses: learner_response / student_response and correct_responses.n.pattern
// formats for the 10 SCORM 2004 types and the 8 SCORM 1.2 types.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cmi_test_util.h"
#include "scorm/cmi_model.h"

using cmi_test::repeat;

namespace {

struct ResponseRow {
  std::string type;
  std::vector<std::string> valid;
  std::vector<std::string> invalid;
};

std::string joined(const std::string& item, int n, const std::string& delimiter) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? delimiter : "") + item + std::to_string(i);
  return out;
}

scorm::CmiModel2004 interaction_2004(const std::string& type) {
  scorm::CmiModel2004 m;
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.type", type) == 0);
  return m;
}

scorm::CmiModel12 interaction_12(const std::string& type) {
  scorm::CmiModel12 m;
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.type", type) == 0);
  return m;
}

}  // namespace

TEST_CASE("2004 learner_response formats per interaction type", "[cmi2004][interactions]") {
  const std::vector<ResponseRow> rows = {
      {"true-false", {"true", "false"}, {"t", "1", "TRUE", ""}},
      {"choice",
       {"", "a", "a[,]b[,]c", "urn:x:choice-1", joined("c", 36, "[,]")},
       {"a[,]a", "a b", "a[,][,]b", joined("c", 37, "[,]")}},
      {"fill-in",
       {"", "Paris", "{lang=fr}Paris", "a[,]b", "{lang=en}a[,]{lang=de}b", repeat('f', 250),
        joined("w", 10, "[,]")},
       {repeat('f', 251), "{lang=xx-}a", joined("w", 11, "[,]"), "{lang=}a"}},
      {"long-fill-in",
       {"", "An essay", "{lang=en}" + repeat('e', 4000)},
       {repeat('e', 4001), "{lang=1}x"}},
      {"matching",
       {"a[.]1", "a[.]1[,]b[.]2", joined("s", 36, "[.]t[,]") + "[.]t"},
       {"a", "a[.]", "[.]1", "a[.]1[.]2", "a[.]1[,]b"}},
      {"performance",
       {"step1[.]answer", "[.]42", "step1[.][,]step2[.]3.5", "s[.]-1.25"},
       {"step1", "[.]", "step1[.]a b", "s[.]1[:]5"}},
      {"sequencing",
       {"a", "a[,]b[,]a", joined("s", 36, "[,]")},
       {"", "a[,]", "a b", joined("s", 37, "[,]")}},
      {"likert", {"agree", "5"}, {"", "a[,]b", "strongly agree"}},
      {"numeric", {"0", "-3.5", "42"}, {"", "4[:]5", "forty", "1e3"}},
      {"other", {"", "anything [,] at all", repeat('o', 4000)}, {repeat('o', 4001)}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.type);
    for (const auto& v : row.valid) {
      CAPTURE(v);
      auto m = interaction_2004(row.type);
      CHECK(m.set_value("cmi.interactions.0.learner_response", v) == 0);
      CHECK(m.get_value("cmi.interactions.0.learner_response").value == v);
    }
    for (const auto& v : row.invalid) {
      CAPTURE(v);
      auto m = interaction_2004(row.type);
      CHECK(m.set_value("cmi.interactions.0.learner_response", v) == 406);
      CHECK(m.get_value("cmi.interactions.0.learner_response").error == 403);
    }
  }
}

TEST_CASE("2004 correct_responses pattern formats per interaction type",
          "[cmi2004][interactions]") {
  const std::vector<ResponseRow> rows = {
      {"true-false", {"true", "false"}, {"yes", ""}},
      {"choice", {"", "a[,]b", "urn:a[,]urn:b"}, {"a[,]a", "a[,]b c"}},
      {"fill-in",
       {"Paris", "{case_matters=true}Paris", "{order_matters=false}a[,]b",
        "{case_matters=false}{order_matters=true}{lang=en}a[,]b",
        "{order_matters=true}{case_matters=true}a"},
       {"{case_matters=yes}a", "{case_matters=true}{case_matters=false}a", "{case_matters=true",
        joined("w", 11, "[,]")}},
      {"long-fill-in",
       {"An answer", "{case_matters=true}{lang=en}An answer"},
       {"{order_matters=true}x", repeat('x', 4001)}},
      {"matching", {"a[.]1[,]b[.]2"}, {"a[.]1[,]", "{order_matters=true}a[.]1"}},
      {"performance",
       {"s1[.]a[,]s2[.]b", "{order_matters=false}s1[.]a", "s1[.]1[:]5", "s1[.][:]5", "s1[.]2[:]"},
       {"s1[.]5[:]1", "{case_matters=true}s1[.]a", "s1"}},
      {"sequencing", {"a[,]b[,]c"}, {"a[,,]b", ""}},
      {"likert", {"agree"}, {"a[,]b"}},
      {"numeric",
       {"5", "1[:]5", "[:]5", "1[:]", "-2.5[:]2.5"},
       {"5[:]1", "a[:]b", "1[:]2[:]3", "x"}},
      {"other", {"anything"}, {repeat('o', 4001)}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.type);
    for (const auto& v : row.valid) {
      CAPTURE(v);
      auto m = interaction_2004(row.type);
      CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", v) == 0);
      CHECK(m.get_value("cmi.interactions.0.correct_responses.0.pattern").value == v);
      CHECK(m.get_value("cmi.interactions.0.correct_responses._count").value == "1");
    }
    for (const auto& v : row.invalid) {
      CAPTURE(v);
      auto m = interaction_2004(row.type);
      CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", v) == 406);
      CHECK(m.get_value("cmi.interactions.0.correct_responses._count").value == "0");
    }
  }
}

TEST_CASE("2004 correct_responses count limits and duplicates (351)", "[cmi2004][interactions]") {
  for (const std::string type : {"true-false", "likert", "numeric", "other"}) {
    CAPTURE(type);
    auto m = interaction_2004(type);
    std::string first = type == "true-false" ? "true" : type == "numeric" ? "1" : "a";
    std::string second = type == "true-false" ? "false" : type == "numeric" ? "2" : "b";
    REQUIRE(m.set_value("cmi.interactions.0.correct_responses.0.pattern", first) == 0);
    CHECK(m.set_value("cmi.interactions.0.correct_responses.1.pattern", second) == 351);
    CHECK(m.set_value("cmi.interactions.0.correct_responses.0.pattern", second) == 0);
  }
  auto m = interaction_2004("choice");
  REQUIRE(m.set_value("cmi.interactions.0.correct_responses.0.pattern", "a") == 0);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.1.pattern", "a") == 351);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.1.pattern", "b") == 0);
  CHECK(m.set_value("cmi.interactions.0.correct_responses.2.pattern", "a[,]b") == 0);
  CHECK(m.get_value("cmi.interactions.0.correct_responses._count").value == "3");
}

TEST_CASE("1.2 student_response and pattern formats per interaction type",
          "[cmi12][interactions]") {
  const std::vector<ResponseRow> rows = {
      {"true-false", {"0", "1", "t", "f"}, {"true", "T", "2", ""}},
      {"choice", {"", "a", "a,b,c", "{a,b}", "1,2"}, {"A", "ab", "a,,b", "{a,b", "a[,]b"}},
      {"fill-in", {"", "Paris", "any text, really", repeat('f', 255)}, {repeat('f', 256)}},
      {"matching", {"1.a", "1.a,2.b", "{1.a,2.c}"}, {"1a", "1.a,", "1.ab", "", "{1.a"}},
      {"performance", {"", "step one; step two", repeat('p', 255)}, {repeat('p', 256)}},
      {"sequencing", {"a", "a,b,c", "3,1,2"}, {"", "a,", "ab,c", "{a,b}"}},
      {"likert", {"", "1", "a"}, {"10", "agree"}},
      {"numeric", {"0", "-2.5", "100"}, {"", "ten", "1,5"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.type);
    for (const char* element : {"cmi.interactions.0.student_response",
                                "cmi.interactions.0.correct_responses.0.pattern"}) {
      CAPTURE(element);
      for (const auto& v : row.valid) {
        CAPTURE(v);
        auto m = interaction_12(row.type);
        CHECK(m.set_value(element, v) == 0);
        CHECK(m.stored(element) == v);
      }
      for (const auto& v : row.invalid) {
        CAPTURE(v);
        auto m = interaction_12(row.type);
        CHECK(m.set_value(element, v) == 405);
        CHECK_FALSE(m.stored(element));
      }
    }
  }
}

TEST_CASE("1.2 lenient responses accept any CMIString255", "[cmi12][interactions]") {
  scorm::CmiOptions options;
  options.strict_12_responses = false;
  scorm::CmiModel12 m(options);
  REQUIRE(m.set_value("cmi.interactions.0.id", "q1") == 0);
  REQUIRE(m.set_value("cmi.interactions.0.type", "choice") == 0);
  CHECK(m.set_value("cmi.interactions.0.student_response", "choice_long_id_1") == 0);
  CHECK(m.set_value("cmi.interactions.0.student_response", repeat('x', 256)) == 405);
}

TEST_CASE("1.2 response before type is only length-checked", "[cmi12][interactions]") {
  scorm::CmiModel12 m;
  CHECK(m.set_value("cmi.interactions.0.student_response", "whatever it is") == 0);
  CHECK(m.set_value("cmi.interactions.0.type", "true-false") == 0);
  CHECK(m.set_value("cmi.interactions.0.student_response", "whatever") == 405);
}

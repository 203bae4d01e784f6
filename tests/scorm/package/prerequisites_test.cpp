#include "scorm/prerequisites.h"

#include <map>
#include <string>

#include <catch2/catch.hpp>

namespace {

struct Course {
  std::map<std::string, std::string> status;
  scorm::PrerequisitesResult eval(std::string_view expression) const {
    return scorm::evaluate_prerequisites(expression,
                                         [this](std::string_view id) -> std::optional<std::string> {
                                           auto it = status.find(std::string(id));
                                           if (it == status.end()) return std::nullopt;
                                           return it->second;
                                         });
  }
  bool met(std::string_view expression) const {
    const auto r = eval(expression);
    INFO(expression << ": " << r.error);
    REQUIRE(r.error.empty());
    return r.met;
  }
};

}  // namespace

TEST_CASE("prerequisites: identifiers, operators and precedence") {
  const Course c{{{"a", "passed"},
                  {"b", "completed"},
                  {"c", "failed"},
                  {"d", "incomplete"},
                  {"e", "not attempted"},
                  {"f", "browsed"},
                  {"2nd", "passed"}}};
  CHECK(c.met("a"));
  CHECK(c.met("b"));
  CHECK_FALSE(c.met("c"));
  CHECK_FALSE(c.met("d"));
  CHECK_FALSE(c.met("e"));
  CHECK_FALSE(c.met("f"));
  CHECK(c.met("a & b"));
  CHECK_FALSE(c.met("a&c"));
  CHECK(c.met("c | a"));
  CHECK(c.met("~c"));
  CHECK_FALSE(c.met("~(a | c)"));
  CHECK(c.met("c & d | a"));  // & binds tighter than |
  CHECK_FALSE(c.met("c & (d | a)"));
  CHECK(c.met("~~a"));
  CHECK(c.met("2nd"));  // an identifier may start with a digit
}

TEST_CASE("prerequisites: status comparisons") {
  const Course c{{{"a", "failed"}, {"b", "not attempted"}, {"x.y-1", "incomplete"}}};
  CHECK(c.met("a=failed"));
  CHECK(c.met("a = F"));
  CHECK(c.met("a<>passed"));
  CHECK_FALSE(c.met("a <> f"));
  CHECK(c.met("b=not attempted"));
  CHECK(c.met("b=N & x.y-1=incomplete"));
  CHECK(c.met("x.y-1 = I"));
}

TEST_CASE("prerequisites: sets with and without counts") {
  const Course c{{{"a", "passed"}, {"b", "completed"}, {"c", "incomplete"}}};
  CHECK(c.met("2*{a,b,c}"));
  CHECK_FALSE(c.met("3*{a,b,c}"));
  CHECK(c.met("0*{c}"));
  CHECK(c.met("{a, b}"));
  CHECK_FALSE(c.met("{a,b,c}"));
  CHECK(c.met("~{a,b,c} & 1*{c,a}"));
}

TEST_CASE("prerequisites: errors name the place and the problem") {
  const Course c{{{"a", "passed"}}};
  CHECK(c.eval("a & zz").error == "at character 7: no item \"zz\" in the course");
  CHECK(c.eval("(a").error == "at character 3: a \"(\" is not closed");
  CHECK(c.eval("a &").error == "at character 4: expected an identifier at the end");
  CHECK(c.eval("a = done").error == "at character 9: unknown status \"done\"");
  CHECK(c.eval("a b").error == "at character 3: unexpected \"b\"");
  CHECK(c.eval("2*a").error == "at character 3: expected \"{\" after \"2*\"");
  CHECK(c.eval("{a").error == "at character 3: a \"{\" is not closed");
  CHECK_FALSE(c.eval("(a").met);
  const std::string deep = std::string(100000, '(') + "a" + std::string(100000, ')');
  CHECK(c.eval(deep).error == "at character 101: nested more than 100 deep");
  CHECK(c.eval(std::string(99, '~') + "a").error.empty());  // 100 levels
}

TEST_CASE("lesson_status of a tracking status") {
  scorm::ActivityStatus s;
  CHECK(scorm::lesson_status(s) == "not attempted");
  s.attempted = true;
  CHECK(scorm::lesson_status(s) == "incomplete");
  s.completed = true;
  CHECK(scorm::lesson_status(s) == "completed");
  s.satisfied = false;
  CHECK(scorm::lesson_status(s) == "failed");
}

#include "connectors/export_format.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "connectors/time_zone.h"
#include "text_util.h"

namespace connectors {
namespace {

using Outcome = Evidence::Outcome;

constexpr std::string_view kMoodleCourseCompletion = "moodle-course-completion";
constexpr std::string_view kMoodleActivityCompletion = "moodle-activity-completion";
constexpr std::string_view kMoodleGradebook = "moodle-gradebook";
constexpr std::string_view kCanvasGradebook = "canvas-gradebook";
constexpr std::string_view kOpenEdxGrades = "openedx-grade-report";
constexpr std::string_view kBlackboardGradeCenter = "blackboard-grade-center";
constexpr std::string_view kSakaiGradebook = "sakai-gradebook";

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Column positions by exact (trimmed) header text.
class Columns {
 public:
  explicit Columns(const std::vector<std::string>& header) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      index_.emplace(std::string(trim(header[i])), i);
    }
  }
  std::optional<std::size_t> find(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  bool has(std::string_view name) const { return find(name).has_value(); }

 private:
  std::multimap<std::string, std::size_t> index_;
};

std::string_view cell(const std::vector<std::string>& cells, std::optional<std::size_t> i) {
  if (!i || *i >= cells.size()) return {};
  return trim(cells[*i]);
}

// Moodle's completion state strings (lang/en/completion.php: completion-y, -n, -pass,
// -fail, and the "(set by ...)" override forms of the activity report).
std::optional<Outcome> moodle_state(std::string_view text, bool& known) {
  known = true;
  if (text.empty() || text == "Not completed" || text.rfind("Not completed (set by ", 0) == 0) {
    return std::nullopt;
  }
  if (text == "Completed" || text.rfind("Completed (set by ", 0) == 0) return Outcome::kCompleted;
  if (text == "Completed (achieved pass grade)") return Outcome::kPassed;
  if (text == "Completed (did not achieve pass grade)") return Outcome::kFailed;
  known = false;
  return std::nullopt;
}

// Reads a date cell with `format` into `e`; false (and `problem` set) when it does not fit.
bool read_wall_clock(std::string_view text, std::string_view format, std::string_view column,
                     Evidence& e, std::string& problem) {
  e.time_text = std::string(text);
  auto t = parse_wall_clock(text, format);
  if (!t) {
    problem = "column " + in_quotes(column) + ": " + in_quotes(text) +
              " is not a date in the format " + std::string(format);
    return false;
  }
  e.wall_clock_s = *t;
  return true;
}

void set_points(Evidence& e, double raw, std::optional<double> max) {
  e.outcome = Outcome::kScored;
  e.raw = raw;
  if (max && *max > 0) {
    e.min = 0;
    e.max = *max;
  }
}

// ---------------------------------------------------------------------------------
// Moodle course completion report (report/completion, research 2.1).
class MoodleCourseCompletion final : public ExportFormat {
 public:
  explicit MoodleCourseCompletion(std::string date_format)
      : date_format_(date_format.empty() ? "%d/%m/%y, %H:%M" : std::move(date_format)) {}
  std::string name() const override { return std::string(kMoodleCourseCompletion); }
  std::string platform() const override { return "Moodle"; }
  bool needs_time_zone() const override { return true; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    user_ = cols.find("ID");
    email_ = cols.find("Email address");
    course_ = cols.find("Course complete");
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string name(trim(header[i]));
      if (auto date = cols.find(name + " - Completion date")) {
        activities_.push_back({name, i, *date});
      }
    }
    if (!user_) return missing("ID (the Moodle user id)");
    if (!course_ && activities_.empty()) {
      return missing("Course complete, or an activity with its \"- Completion date\" column");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, user_));
    out.email = std::string(cell(cells, email_));
    for (const Activity& a : activities_) {
      std::string_view state = cell(cells, a.state);
      bool known = false;
      auto outcome = moodle_state(state, known);
      if (!known) {
        out.problem = "column " + in_quotes(a.name) + ": unknown completion state " +
                      in_quotes(state) +
                      " (expected Completed, Completed (achieved pass grade), Completed (did "
                      "not achieve pass grade) or Not completed)";
        return;
      }
      if (!outcome) continue;
      Evidence e;
      e.outcome = *outcome;
      e.activity_key = a.name;
      e.activity_name = a.name;
      std::string_view when = cell(cells, a.date);
      if (!when.empty() &&
          !read_wall_clock(when, date_format_, a.name + " - Completion date", e, out.problem)) {
        return;
      }
      out.evidence.push_back(std::move(e));
    }
    std::string_view done = cell(cells, course_);
    if (!done.empty()) {
      Evidence e;
      e.course_level = true;
      if (!read_wall_clock(done, date_format_, "Course complete", e, out.problem)) return;
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const Columns& cols, const std::vector<std::string>& header) {
    if (!cols.has("ID")) return false;
    if (cols.has("Course complete")) return true;
    return std::any_of(header.begin(), header.end(),
                       [](const std::string& h) { return ends_with(h, " - Completion date"); });
  }

 private:
  struct Activity {
    std::string name;
    std::size_t state;
    std::size_t date;
  };
  lrs::Result<void> missing(const std::string& what) const {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     "not a Moodle course completion report: no column " + what);
  }
  std::string date_format_;
  std::optional<std::size_t> user_, email_, course_;
  std::vector<Activity> activities_;
};

// ---------------------------------------------------------------------------------
// Moodle activity completion report (report/progress, research 2.2): an unlabelled name
// column, identity fields, then a pair of columns per activity whose second header is the
// expected-completion date or empty.
bool is_activity_pair_header(std::string_view second) {
  second = trim(second);
  return second.empty() || parse_wall_clock(second, "%F %T").has_value() ||
         parse_wall_clock(second, "%F").has_value();
}

class MoodleActivityCompletion final : public ExportFormat {
 public:
  explicit MoodleActivityCompletion(std::string date_format)
      : date_format_(date_format.empty() ? "%F %T" : std::move(date_format)) {}
  std::string name() const override { return std::string(kMoodleActivityCompletion); }
  std::string platform() const override { return "Moodle"; }
  bool needs_time_zone() const override { return true; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    std::size_t i = 1;
    std::map<std::string, std::size_t> identity;
    while (i < header.size()) {
      if (i + 1 < header.size() && is_activity_pair_header(header[i + 1]) &&
          !trim(header[i]).empty()) {
        activities_.push_back({std::string(trim(header[i])), i, i + 1});
        i += 2;
      } else if (!activities_.empty()) {
        break;
      } else {
        identity.emplace(std::string(trim(header[i])), i);
        ++i;
      }
    }
    for (const char* name : {"ID number", "Username", "Email address"}) {
      if (auto it = identity.find(name); it != identity.end()) {
        user_ = it->second;
        user_column_ = name;
        break;
      }
    }
    if (auto it = identity.find("Email address"); it != identity.end()) email_ = it->second;
    if (activities_.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "not a Moodle activity completion report: no activity column pairs");
    }
    if (!user_) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "this Moodle activity completion report has no identity column (ID "
                       "number, Username or Email address); names do not identify learners "
                       "safely, so enable one in the site's showuseridentity setting");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, user_));
    out.email = std::string(cell(cells, email_));
    if (out.user.empty()) {
      out.problem = "column " + in_quotes(user_column_) + " (the learner) is empty";
      return;
    }
    for (const Activity& a : activities_) {
      std::string_view state = cell(cells, a.state);
      bool known = false;
      auto outcome = moodle_state(state, known);
      if (!known) {
        out.problem =
            "column " + in_quotes(a.name) + ": unknown completion state " + in_quotes(state);
        return;
      }
      if (!outcome) continue;
      Evidence e;
      e.outcome = *outcome;
      e.activity_key = a.name;
      e.activity_name = a.name;
      std::string_view when = cell(cells, a.date);
      if (!when.empty() &&
          !read_wall_clock(when, date_format_, a.name + " (completion time)", e, out.problem)) {
        return;
      }
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const std::vector<std::string>& header) {
    if (header.size() < 3 || !trim(header[0]).empty()) return false;
    for (std::size_t i = 1; i + 1 < header.size(); ++i) {
      if (!trim(header[i]).empty() && is_activity_pair_header(header[i + 1])) return true;
    }
    return false;
  }

 private:
  struct Activity {
    std::string name;
    std::size_t state;
    std::size_t date;
  };
  std::string date_format_;
  std::optional<std::size_t> user_, email_;
  std::string user_column_;
  std::vector<Activity> activities_;
};

// ---------------------------------------------------------------------------------
// Moodle gradebook plain-text export (grade/export/txt, research 2.3).
class MoodleGradebook final : public ExportFormat {
 public:
  std::string name() const override { return std::string(kMoodleGradebook); }
  std::string platform() const override { return "Moodle"; }
  bool needs_time_zone() const override { return false; }
  std::optional<std::int64_t> export_time_s() const override { return export_time_; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    for (const char* name : {"ID number", "Username", "Email address"}) {
      if (auto i = cols.find(name)) identity_.push_back({name, *i});
    }
    email_ = cols.find("Email address");
    downloaded_ = cols.find("Last downloaded from this course");
    std::map<std::string, Item> by_name;
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string_view h = trim(header[i]);
      bool real = ends_with(h, " (Real)");
      bool percent = ends_with(h, " (Percentage)");
      if (!real && !percent) continue;
      std::string base(h.substr(0, h.rfind(" (")));
      auto [it, added] = by_name.try_emplace(base, Item{base, i, percent});
      // One statement per grade item: the real value when both displays are exported.
      if (!added && real) it->second = Item{base, i, false};
    }
    for (auto& [name, item] : by_name) items_.push_back(item);
    if (identity_.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "this Moodle gradebook export has no ID number, Username or Email "
                       "address column to identify learners");
    }
    if (items_.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "not a Moodle gradebook export: no \"(Real)\" or \"(Percentage)\" grade "
                       "columns");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    // ID number is often blank: the first identity field the row has.
    for (const auto& [name, i] : identity_) {
      out.user = std::string(cell(cells, i));
      if (!out.user.empty()) break;
    }
    out.email = std::string(cell(cells, email_));
    if (out.user.empty()) {
      out.problem = "no learner id: ID number, Username and Email address are all empty";
      return;
    }
    if (auto stamp = cell(cells, downloaded_); !stamp.empty()) {
      std::int64_t s = 0;
      auto [p, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), s);
      if (ec != std::errc() || p != stamp.data() + stamp.size()) {
        out.problem = "column \"Last downloaded from this course\": " + in_quotes(stamp) +
                      " is not a Unix time";
        return;
      }
      if (!export_time_) export_time_ = s;
    }
    for (const Item& item : items_) {
      std::string_view v = cell(cells, item.column);
      if (v.empty() || v == "-") continue;
      auto score = parse_score(v);
      if (!score) {
        out.problem = "column " + in_quotes(item.name) + ": " + in_quotes(v) + " is not a grade";
        return;
      }
      Evidence e;
      e.course_level = item.name == "Course total";
      if (!e.course_level) {
        e.activity_key = item.name;
        e.activity_name = item.name;
      }
      set_points(e, *score, item.percent ? std::optional<double>(100) : std::nullopt);
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const Columns& cols, const std::vector<std::string>& header) {
    if (cols.has("Last downloaded from this course")) return true;
    return cols.has("First name") && cols.has("Last name") &&
           std::any_of(header.begin(), header.end(),
                       [](const std::string& h) { return ends_with(trim(h), " (Real)"); });
  }

 private:
  struct Item {
    std::string name;
    std::size_t column;
    bool percent;
  };
  std::vector<std::pair<std::string, std::size_t>> identity_;
  std::optional<std::size_t> email_, downloaded_;
  std::vector<Item> items_;
  std::optional<std::int64_t> export_time_;
};

// ---------------------------------------------------------------------------------
// Canvas gradebook export (lib/gradebook_exporter.rb, research 2.5).
class CanvasGradebook final : public ExportFormat {
 public:
  std::string name() const override { return std::string(kCanvasGradebook); }
  std::string platform() const override { return "Canvas"; }
  bool needs_time_zone() const override { return false; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    user_ = cols.find("ID");
    student_ = cols.has("Student") ? cols.find("Student") : cols.find("LastName");
    email_ = std::nullopt;
    final_score_ = cols.find("Final Score");
    static const std::regex kAssignment(R"(^(.*) \((\d+)\)$)");
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string h(trim(header[i]));
      std::smatch m;
      if (std::regex_match(h, m, kAssignment)) {
        assignments_.push_back({m[1].str(), m[2].str(), i, std::nullopt});
      }
    }
    if (!user_) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "not a Canvas gradebook export: no column ID (the Canvas user id)");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    std::string_view student = cell(cells, student_);
    if (student == "Points Possible") {
      // Row 2 holds each assignment's maximum.
      for (Assignment& a : assignments_) a.points_possible = parse_score(cell(cells, a.column));
      out.not_a_learner = true;
      return;
    }
    if (std::any_of(cells.begin(), cells.end(),
                    [](const std::string& c) {
                      return trim(c) == "Manual Posting" || trim(c) == "(read only)";
                    }) &&
        cell(cells, user_).empty()) {
      out.not_a_learner = true;
      return;
    }
    out.user = std::string(cell(cells, user_));
    if (out.user.empty()) {
      out.problem = "column \"ID\" (the Canvas user id) is empty";
      return;
    }
    for (const Assignment& a : assignments_) {
      std::string_view v = cell(cells, a.column);
      if (v.empty() || v == "N/A" || v == "EX" || v == "-") continue;
      auto score = parse_score(v);
      if (!score) {
        out.problem = "column " + in_quotes(a.title + " (" + a.id + ")") + ": " + in_quotes(v) +
                      " is not a score";
        return;
      }
      Evidence e;
      e.activity_key = "assignment/" + a.id;
      e.activity_name = a.title;
      set_points(e, *score, a.points_possible);
      out.evidence.push_back(std::move(e));
    }
    if (std::string_view v = cell(cells, final_score_); !v.empty() && v != "N/A") {
      auto score = parse_score(v);
      if (!score) {
        out.problem = "column \"Final Score\": " + in_quotes(v) + " is not a score";
        return;
      }
      Evidence e;
      e.course_level = true;
      set_points(e, *score, 100.0);
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const Columns& cols) {
    return cols.has("ID") && (cols.has("Student") || cols.has("LastName")) &&
           (cols.has("SIS Login ID") || cols.has("SIS User ID") || cols.has("Section"));
  }

 private:
  struct Assignment {
    std::string title;
    std::string id;
    std::size_t column;
    std::optional<double> points_possible;
  };
  std::optional<std::size_t> user_, student_, email_, final_score_;
  std::vector<Assignment> assignments_;
};

// ---------------------------------------------------------------------------------
// Open edX grade report (instructor_task/tasks_helper/grades.py, research 2.7).
class OpenEdxGrades final : public ExportFormat {
 public:
  std::string name() const override { return std::string(kOpenEdxGrades); }
  std::string platform() const override { return "Open edX"; }
  bool needs_time_zone() const override { return false; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    user_ = cols.find("Student ID");
    email_ = cols.find("Email");
    grade_ = cols.find("Grade");
    // "<Type> <n>: <subsection>" columns; the problem report's Earned/Possible pairs and
    // the "(Avg)" columns are summaries or parts of these.
    static const std::regex kSubsection(R"(^(.+ \d+): (.+)$)");
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string h(trim(header[i]));
      std::smatch m;
      if (std::regex_match(h, m, kSubsection) && !ends_with(h, "(Earned)") &&
          !ends_with(h, "(Possible)")) {
        subsections_.push_back({h, i});
      }
    }
    if (!user_ || !grade_) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "not an Open edX grade report: needs the columns Student ID and Grade");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, user_));
    out.email = std::string(cell(cells, email_));
    if (out.user.empty()) {
      out.problem = "column \"Student ID\" is empty";
      return;
    }
    auto add = [&](std::string_view v, const std::string& column, bool course) {
      if (v.empty() || v == "Not Attempted" || v == "Not Available" || v == "N/A") return true;
      auto fraction = parse_score(v);
      if (!fraction) {
        out.problem = "column " + in_quotes(column) + ": " + in_quotes(v) + " is not a grade";
        return false;
      }
      Evidence e;
      e.course_level = course;
      if (!course) {
        e.activity_key = column;
        e.activity_name = column;
      }
      set_points(e, *fraction, 1.0);
      out.evidence.push_back(std::move(e));
      return true;
    };
    for (const auto& [column, i] : subsections_) {
      if (!add(cell(cells, i), column, false)) return;
    }
    add(cell(cells, grade_), "Grade", true);
  }

  static bool fits(const Columns& cols) {
    return cols.has("Student ID") && cols.has("Email") && cols.has("Username") && cols.has("Grade");
  }

 private:
  std::optional<std::size_t> user_, email_, grade_;
  std::vector<std::pair<std::string, std::size_t>> subsections_;
};

// ---------------------------------------------------------------------------------
// Blackboard Learn Grade Center download (research 2.6): "Name [Total Pts: 10 Score] |id".
class BlackboardGradeCenter final : public ExportFormat {
 public:
  std::string name() const override { return std::string(kBlackboardGradeCenter); }
  std::string platform() const override { return "Blackboard Learn"; }
  bool needs_time_zone() const override { return false; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    user_ = cols.find("Username");
    static const std::regex kColumn(
        R"(^(.*?)(?: \[Total Pts: (?:up to )?([0-9]+(?:[.,][0-9]+)?)[^\]]*\])? \|(\d+)$)");
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string h(trim(header[i]));
      std::smatch m;
      if (!std::regex_match(h, m, kColumn)) continue;
      std::optional<double> max;
      if (m[2].matched) max = parse_score(m[2].str());
      columns_.push_back({m[1].str(), m[3].str(), i, max});
    }
    if (!user_) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "not a Blackboard Grade Center download: no column Username");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, user_));
    if (out.user.empty()) {
      out.problem = "column \"Username\" is empty";
      return;
    }
    for (const GradeColumn& c : columns_) {
      std::string_view v = cell(cells, c.column);
      if (v.empty() || v == "-" || v == "Incomplete" || v == "In Progress" ||
          v == "Needs Grading") {
        continue;
      }
      Evidence e;
      e.activity_key = "column/" + c.id;
      e.activity_name = c.title;
      if (v == "Complete" || v == "Completed") {
        e.outcome = Outcome::kCompleted;
      } else if (auto score = parse_score(v)) {
        set_points(e, *score, c.max);
      } else {
        out.problem = "column " + in_quotes(c.title) + ": " + in_quotes(v) +
                      " is neither a score nor Complete/Incomplete";
        return;
      }
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const Columns& cols, const std::vector<std::string>& header) {
    return cols.has("Username") && cols.has("Last Name") && cols.has("First Name") &&
           std::any_of(header.begin(), header.end(),
                       [](const std::string& h) { return h.find(" |") != std::string::npos; });
  }

 private:
  struct GradeColumn {
    std::string title;
    std::string id;
    std::size_t column;
    std::optional<double> max;
  };
  std::optional<std::size_t> user_;
  std::vector<GradeColumn> columns_;
};

// ---------------------------------------------------------------------------------
// Sakai gradebookng export (ExportPanel.java, research 2.8): items "Title [points]",
// comments "* Title", ignored columns "# ...".
class SakaiGradebook final : public ExportFormat {
 public:
  std::string name() const override { return std::string(kSakaiGradebook); }
  std::string platform() const override { return "Sakai"; }
  bool needs_time_zone() const override { return false; }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    user_ = cols.find("Student ID");
    static const std::regex kItem(R"(^(.*) \[([0-9]+(?:[.,][0-9]+)?)\]$)");
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string h(trim(header[i]));
      if (h.rfind("# ", 0) == 0 || h.rfind("* ", 0) == 0) continue;
      std::smatch m;
      if (std::regex_match(h, m, kItem)) items_.push_back({m[1].str(), i, parse_score(m[2].str())});
    }
    if (!user_) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "not a Sakai gradebook export: no Student ID");
    }
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, user_));
    if (out.user.empty()) {
      out.problem = "column \"Student ID\" is empty";
      return;
    }
    for (const Item& item : items_) {
      std::string_view v = cell(cells, item.column);
      if (v.empty() || v == "-") continue;
      auto score = parse_score(v);
      if (!score) {
        out.problem = "column " + in_quotes(item.title) + ": " + in_quotes(v) + " is not a score";
        return;
      }
      Evidence e;
      e.activity_key = item.title;
      e.activity_name = item.title;
      set_points(e, *score, item.max);
      out.evidence.push_back(std::move(e));
    }
  }

  static bool fits(const Columns& cols, const std::vector<std::string>& header) {
    return !header.empty() && trim(header[0]) == "Student ID" && !cols.has("Email") &&
           std::any_of(header.begin(), header.end(), [](const std::string& h) {
             std::string_view t = trim(h);
             return t.rfind("# ", 0) == 0 || ends_with(t, "]");
           });
  }

 private:
  struct Item {
    std::string title;
    std::size_t column;
    std::optional<double> max;
  };
  std::optional<std::size_t> user_;
  std::vector<Item> items_;
};

// ---------------------------------------------------------------------------------
// A mapping file: one row is one learner x one course or activity.
class MappedFormat final : public ExportFormat {
 public:
  std::string name() const override { return name_; }
  std::string platform() const override { return platform_; }
  bool needs_time_zone() const override { return completed_at_.has_value(); }
  std::string default_time_zone() const override { return time_zone_; }

  lrs::Result<void> parse(std::string_view text) {
    auto m = nlohmann::json::parse(text, nullptr, false);
    if (m.is_discarded() || !m.is_object()) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "the mapping file is not a JSON object");
    }
    auto text_of = [&](const nlohmann::json& obj, const char* key,
                       std::string& into) -> lrs::Result<void> {
      auto it = obj.find(key);
      if (it == obj.end()) return {};
      if (!it->is_string()) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         std::string("mapping: ") + key + " must be a string");
      }
      into = it->get<std::string>();
      return {};
    };
    name_ = "mapping";
    platform_ = "LMS";
    for (auto [key, into] :
         {std::pair{"name", &name_}, std::pair{"platform", &platform_},
          std::pair{"date_format", &date_format_}, std::pair{"time_zone", &time_zone_}}) {
      if (auto ok = text_of(m, key, *into); !ok) return ok;
    }
    if (!time_zone_.empty()) {
      if (auto z = TimeZone::load(time_zone_); !z) {
        return lrs::fail(lrs::ErrorCode::kInvalid, "mapping: time_zone: " + z.error().message);
      }
    }
    auto cols = m.find("columns");
    if (cols == m.end() || !cols->is_object()) {
      return lrs::fail(lrs::ErrorCode::kInvalid, "mapping: \"columns\" must be an object");
    }
    static const char* kRoles[] = {"user",        "email",         "course_id", "course_name",
                                   "activity_id", "activity_name", "status",    "score",
                                   "score_max",   "completed_at"};
    for (const auto& [role, header] : cols->items()) {
      if (std::find_if(std::begin(kRoles), std::end(kRoles),
                       [&](const char* r) { return role == r; }) == std::end(kRoles)) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "mapping: unknown column role \"" + role +
                             "\" (known: user, email, course_id, course_name, activity_id, "
                             "activity_name, status, score, score_max, completed_at)");
      }
      if (!header.is_string() || header.get<std::string>().empty()) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "mapping: columns." + role + " must name a column");
      }
      headers_[role] = header.get<std::string>();
    }
    if (!headers_.count("user")) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "mapping: columns.user (the stable LMS user id) is required");
    }
    if (headers_.count("completed_at") && date_format_.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "mapping: date_format is required with columns.completed_at");
    }
    if (auto words = m.find("status_words"); words != m.end()) {
      if (!words->is_object()) {
        return lrs::fail(lrs::ErrorCode::kInvalid, "mapping: status_words must be an object");
      }
      for (const auto& [kind, list] : words->items()) {
        std::optional<Outcome> outcome;
        if (kind == "completed") {
          outcome = Outcome::kCompleted;
        } else if (kind == "passed") {
          outcome = Outcome::kPassed;
        } else if (kind == "failed") {
          outcome = Outcome::kFailed;
        } else if (kind != "not_completed") {
          return lrs::fail(lrs::ErrorCode::kInvalid,
                           "mapping: status_words." + kind +
                               " is unknown (known: completed, passed, failed, not_completed)");
        }
        if (!list.is_array()) {
          return lrs::fail(lrs::ErrorCode::kInvalid,
                           "mapping: status_words." + kind + " must be an array of strings");
        }
        for (const auto& w : list) {
          if (!w.is_string()) {
            return lrs::fail(lrs::ErrorCode::kInvalid,
                             "mapping: status_words." + kind + " must be an array of strings");
          }
          status_words_[to_lower(trim(w.get<std::string>()))] = outcome;
        }
      }
    }
    if (headers_.count("status") && status_words_.empty()) {
      return lrs::fail(lrs::ErrorCode::kInvalid,
                       "mapping: status_words are required with columns.status");
    }
    for (auto [key, into] :
         {std::pair{"score_min", &score_min_}, std::pair{"score_max", &score_max_}}) {
      if (auto it = m.find(key); it != m.end()) {
        if (!it->is_number()) {
          return lrs::fail(lrs::ErrorCode::kInvalid,
                           std::string("mapping: ") + key + " must be a number");
        }
        *into = it->get<double>();
      }
    }
    return {};
  }

  std::vector<std::string> required_headers() const {
    std::vector<std::string> out;
    for (const auto& [role, header] : headers_) out.push_back(header);
    return out;
  }

  lrs::Result<void> start(const std::vector<std::string>& header) override {
    Columns cols(header);
    for (const auto& [role, name] : headers_) {
      auto i = cols.find(name);
      if (!i) {
        return lrs::fail(lrs::ErrorCode::kInvalid, "the file has no column " + in_quotes(name) +
                                                       " (mapping columns." + role + ")");
      }
      index_[role] = *i;
    }
    completed_at_ = at("completed_at");
    return {};
  }

  void read(const std::vector<std::string>& cells, RowReading& out) override {
    out.user = std::string(cell(cells, at("user")));
    out.email = std::string(cell(cells, at("email")));
    if (out.user.empty()) {
      out.problem = "column " + in_quotes(headers_["user"]) + " (the learner) is empty";
      return;
    }
    Evidence e;
    e.course_key = std::string(cell(cells, at("course_id")));
    e.course_name = std::string(cell(cells, at("course_name")));
    e.activity_key = std::string(cell(cells, at("activity_id")));
    e.activity_name = std::string(cell(cells, at("activity_name")));
    if (e.activity_key.empty()) e.activity_key = e.activity_name;
    e.course_level = e.activity_key.empty();
    if (e.course_name.empty()) e.course_name = e.course_key;
    std::optional<Outcome> outcome;
    if (auto status_col = at("status")) {
      std::string_view status = cell(cells, status_col);
      auto it = status_words_.find(to_lower(status));
      if (it == status_words_.end()) {
        out.problem = "column " + in_quotes(headers_["status"]) + ": unknown status " +
                      in_quotes(status) + " (add it to the mapping's status_words)";
        return;
      }
      if (!it->second) return;  // not completed: nothing to state
      outcome = it->second;
    }
    if (auto score_col = at("score")) {
      std::string_view v = cell(cells, score_col);
      if (!v.empty()) {
        auto raw = parse_score(v);
        if (!raw) {
          out.problem =
              "column " + in_quotes(headers_["score"]) + ": " + in_quotes(v) + " is not a score";
          return;
        }
        std::optional<double> max = score_max_;
        if (auto max_col = at("score_max")) {
          std::string_view mv = cell(cells, max_col);
          if (!mv.empty()) {
            max = parse_score(mv);
            if (!max) {
              out.problem = "column " + in_quotes(headers_["score_max"]) + ": " + in_quotes(mv) +
                            " is not a number";
              return;
            }
          }
        }
        e.raw = raw;
        if (max) {
          e.min = score_min_.value_or(0);
          e.max = max;
        }
      }
    }
    if (!outcome && !e.raw && !completed_at_) return;
    e.outcome = outcome.value_or(e.raw ? Outcome::kScored : Outcome::kCompleted);
    if (completed_at_) {
      std::string_view when = cell(cells, completed_at_);
      if (when.empty() && !outcome && !e.raw) return;
      if (!when.empty() &&
          !read_wall_clock(when, date_format_, headers_["completed_at"], e, out.problem)) {
        return;
      }
    }
    out.evidence.push_back(std::move(e));
  }

 private:
  std::optional<std::size_t> at(const std::string& role) const {
    auto it = index_.find(role);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  std::string name_, platform_, date_format_, time_zone_;
  std::map<std::string, std::string> headers_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::optional<Outcome>> status_words_;
  std::optional<double> score_min_, score_max_;
  std::optional<std::size_t> completed_at_;
};

}  // namespace

std::vector<std::string> builtin_format_names() {
  return {std::string(kMoodleCourseCompletion), std::string(kMoodleActivityCompletion),
          std::string(kMoodleGradebook),        std::string(kCanvasGradebook),
          std::string(kOpenEdxGrades),          std::string(kBlackboardGradeCenter),
          std::string(kSakaiGradebook)};
}

std::optional<std::string> detect_format(const std::vector<std::string>& header) {
  Columns cols(header);
  if (MoodleActivityCompletion::fits(header)) return std::string(kMoodleActivityCompletion);
  if (MoodleCourseCompletion::fits(cols, header)) return std::string(kMoodleCourseCompletion);
  if (MoodleGradebook::fits(cols, header)) return std::string(kMoodleGradebook);
  if (OpenEdxGrades::fits(cols)) return std::string(kOpenEdxGrades);
  if (CanvasGradebook::fits(cols)) return std::string(kCanvasGradebook);
  if (BlackboardGradeCenter::fits(cols, header)) return std::string(kBlackboardGradeCenter);
  if (SakaiGradebook::fits(cols, header)) return std::string(kSakaiGradebook);
  return std::nullopt;
}

lrs::Result<std::unique_ptr<ExportFormat>> make_format(std::string_view name,
                                                       std::string_view date_format) {
  std::string df(date_format);
  if (name == kMoodleCourseCompletion) return std::make_unique<MoodleCourseCompletion>(df);
  if (name == kMoodleActivityCompletion) return std::make_unique<MoodleActivityCompletion>(df);
  if (name == kMoodleGradebook) return std::make_unique<MoodleGradebook>();
  if (name == kCanvasGradebook) return std::make_unique<CanvasGradebook>();
  if (name == kOpenEdxGrades) return std::make_unique<OpenEdxGrades>();
  if (name == kBlackboardGradeCenter) return std::make_unique<BlackboardGradeCenter>();
  if (name == kSakaiGradebook) return std::make_unique<SakaiGradebook>();
  std::string known;
  for (const auto& n : builtin_format_names()) known += (known.empty() ? "" : ", ") + n;
  return lrs::fail(lrs::ErrorCode::kInvalid,
                   "unknown format " + in_quotes(name) + " (known: auto, " + known + ")");
}

lrs::Result<std::unique_ptr<ExportFormat>> mapping_format(std::string_view mapping_json) {
  auto format = std::make_unique<MappedFormat>();
  if (auto ok = format->parse(mapping_json); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<ExportFormat>(std::move(format));
}

bool mapping_fits(std::string_view mapping_json, const std::vector<std::string>& header) {
  MappedFormat format;
  if (!format.parse(mapping_json)) return false;
  Columns cols(header);
  for (const auto& h : format.required_headers()) {
    if (!cols.has(h)) return false;
  }
  return true;
}

std::optional<double> parse_score(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == '%') text = trim(text.substr(0, text.size() - 1));
  if (text.empty()) return std::nullopt;
  std::string s(text);
  auto comma = s.rfind(',');
  auto dot = s.rfind('.');
  if (comma != std::string::npos) {
    if (dot != std::string::npos && dot > comma) {
      s.erase(std::remove(s.begin(), s.end(), ','), s.end());  // 1,234.56
    } else {
      s.erase(std::remove(s.begin(), s.end(), '.'), s.end());  // 1.234,56
      std::replace(s.begin(), s.end(), ',', '.');
    }
  }
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace connectors

// SCORM 1.2 CAM 2.3.2.5.1 prerequisites: a recursive-descent reader that evaluates as it
// reads, so an expression is never kept as a tree.
#include "scorm/prerequisites.h"

#include <cctype>
#include <vector>

namespace scorm {
namespace {

bool is_identifier_char(char c) {
  switch (c) {
    case '&':
    case '|':
    case '~':
    case '(':
    case ')':
    case '{':
    case '}':
    case ',':
    case '*':
    case '=':
    case '<':
    case '>':
      return false;
    default:
      return std::isspace(static_cast<unsigned char>(c)) == 0;
  }
}

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Thrown inside the reader only; becomes PrerequisitesResult::error.
struct SyntaxError {
  std::string message;
};

class Reader {
 public:
  Reader(std::string_view text, const LessonStatusLookup& status_of)
      : text_(text), status_of_(status_of) {}

  bool expression() {
    const bool value = any();
    skip_space();
    if (pos_ < text_.size()) fail("unexpected \"" + std::string(1, text_[pos_]) + "\"");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw SyntaxError{"at character " + std::to_string(pos_ + 1) + ": " + why};
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
      ++pos_;
    }
  }

  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::string word() {
    skip_space();
    const std::size_t first = pos_;
    while (pos_ < text_.size() && is_identifier_char(text_[pos_])) ++pos_;
    if (pos_ == first) {
      fail(pos_ < text_.size()
               ? "expected an identifier, found \"" + std::string(1, text_[pos_]) + "\""
               : "expected an identifier at the end");
    }
    return std::string(text_.substr(first, pos_ - first));
  }

  std::string status_of(const std::string& identifier) {
    auto status = status_of_(identifier);
    if (!status) fail("no item \"" + identifier + "\" in the course");
    return *status;
  }

  bool any() {
    bool value = all();
    while (take('|')) value = all() || value;  // evaluate both sides: syntax errors show
    return value;
  }

  bool all() {
    bool value = unary();
    while (take('&')) value = unary() && value;
    return value;
  }

  bool unary() {
    // Nesting is bounded: an expression comes from an untrusted manifest.
    struct Depth {
      explicit Depth(int& d) : depth(++d) {}
      ~Depth() { --depth; }
      Depth(const Depth&) = delete;
      Depth& operator=(const Depth&) = delete;
      int& depth;
    } guard(depth_);
    if (depth_ > kMaxDepth) fail("nested more than " + std::to_string(kMaxDepth) + " deep");
    if (take('~')) return !unary();
    if (take('(')) {
      const bool value = any();
      if (!take(')')) fail("a \"(\" is not closed");
      return value;
    }
    skip_space();
    if (pos_ < text_.size() &&
        (text_[pos_] == '{' || std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0)) {
      const std::size_t mark = pos_;
      if (auto value = set()) return *value;
      pos_ = mark;  // an identifier that starts with a digit
    }
    const std::string identifier = word();
    const std::string status = status_of(identifier);
    if (take('=')) return status == expected_status();
    if (take('<')) {
      if (!take('>')) fail("expected \"<>\"");
      return status != expected_status();
    }
    return status == "passed" || status == "completed";
  }

  std::string expected_status() {
    std::string w = lower(word());
    if (w == "not") {
      const std::string next = lower(word());
      if (next != "attempted") fail("unknown status \"not " + next + "\"");
      return "not attempted";
    }
    static constexpr std::pair<std::string_view, std::string_view> kStatuses[] = {
        {"p", "passed"},     {"c", "completed"}, {"f", "failed"},
        {"i", "incomplete"}, {"b", "browsed"},   {"n", "not attempted"}};
    for (const auto& [initial, full] : kStatuses) {
      if (w == initial || w == full) return std::string(full);
    }
    fail("unknown status \"" + w + "\"");
  }

  // [count '*'] '{' identifier (',' identifier)* '}'; nullopt when the text is not a set.
  std::optional<bool> set() {
    std::optional<std::size_t> count;
    if (std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) {
      std::size_t n = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) {
        n = n * 10 + static_cast<std::size_t>(text_[pos_] - '0');
        if (n > 100000) fail("a set count is too large");
        ++pos_;
      }
      if (!take('*')) return std::nullopt;
      count = n;
      if (!take('{')) fail("expected \"{\" after \"" + std::to_string(n) + "*\"");
    } else if (!take('{')) {
      return std::nullopt;
    }
    std::size_t members = 0;
    std::size_t met = 0;
    do {
      const std::string identifier = word();
      const std::string status = status_of(identifier);
      ++members;
      if (status == "passed" || status == "completed") ++met;
    } while (take(','));
    if (!take('}')) fail("a \"{\" is not closed");
    return met >= count.value_or(members);
  }

  static constexpr int kMaxDepth = 100;
  std::string_view text_;
  const LessonStatusLookup& status_of_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

PrerequisitesResult evaluate_prerequisites(std::string_view expression,
                                           const LessonStatusLookup& status_of) {
  try {
    Reader reader(expression, status_of);
    return {reader.expression(), ""};
  } catch (const SyntaxError& e) {
    return {false, e.message};
  }
}

std::string lesson_status(const ActivityStatus& status) {
  if (status.satisfied) return *status.satisfied ? "passed" : "failed";
  if (status.completed) return *status.completed ? "completed" : "incomplete";
  return status.attempted ? "incomplete" : "not attempted";
}

}  // namespace scorm

// The SCORM run-time data models (CMI) of SCORM 1.2 and SCORM 2004, held on the server.
//
// A CmiModel is the authoritative state of one SCO attempt: the values the SCO wrote and
// the read-only values the LMS provides (learner, credit, mode, entry, thresholds, ...).
// get_value / set_value behave exactly as GetValue / SetValue of the SCORM API of the
// model's version: every element of the data model with its access rule, data type,
// vocabulary, range and smallest permitted maximum (SPM), `_children`, `_count` and
// `_version`, collections filled in index order, the 2004 id-first dependencies, and the
// standard error codes (scorm/cmi_errors.h). A failed set_value changes nothing.
//
// Values are kept as the strings the SCO sent, in one ordered map keyed by the dotted
// element name ("cmi.interactions.3.id"); a collection's `_count` is derived from the
// records present. The map order (ElementLess) is numeric on indexes and puts `id`, then
// `type`, before the other fields of a record, which is also the order in which a
// commit can be replayed without breaking a dependency.
//
// CmiModel is a value type; a change can be tried on a copy, or in place with change
// tracking (start_tracking), which costs the touched elements rather than the whole CMI.
// It is not thread-safe. CmiModel12 and CmiModel2004 only construct it for their version.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scorm/cmi_errors.h"

namespace scorm {

namespace detail {
struct ParsedElement;
}  // namespace detail

// Orders element names segment by segment: numeric segments numerically and before
// names, `id` before `type` before any other name, other names by bytes.
struct ElementLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

using CmiValues = std::map<std::string, std::string, ElementLess>;

// One changed element between two states of the same attempt.
struct CmiChange {
  std::string element;
  std::optional<std::string> old_value;  // nullopt: not set before
  std::optional<std::string> new_value;  // nullopt: removed (new attempt)
};

struct CmiOptions {
  // 2004 only: 4 = 4th Edition (suspend_data 64000, adl.data), 3 = 3rd Edition
  // (suspend_data 4000; adl.data answers 402 unimplemented).
  int edition = 4;
  // Largest cmi.suspend_data / cmi.core.suspend_data in characters; 0 = the version's
  // SPM (1.2: 4096, 2004 4th: 64000, 2004 3rd: 4000). scorm-again accepts 64000 in 1.2;
  // set that here for 1.2 content written against scorm-again.
  std::size_t suspend_data_max = 0;
  // 1.2 only: check student_response / correct_responses.n.pattern against the RTE 1.2
  // format of the interaction's type (single-character choices, "1.a" matching pairs,
  // 0/1/t/f, ...). Off = any CMIString255, as scorm-again does.
  bool strict_12_responses = true;
};

struct GetResult {
  std::string value;  // "" on error
  int error = 0;      // 0 or a standard code of the model's version
};

class CmiModel {
 public:
  ScormVersion version() const { return version_; }
  const CmiOptions& options() const { return options_; }

  // GetValue(element). Errors: 1.2 201 (unknown element, index beyond _count), 202, 203,
  // 404 (write-only); 2004 301 (empty name, index beyond _count, _children/_count on an
  // element without), 401, 402 (adl.data in 3rd Edition), 403 (value never set), 405.
  // Sets the last error (for get_diagnostic) even though it does not change the values.
  GetResult get_value(std::string_view element) const;

  // SetValue(element, value) as the SCO calls it; 0 on success, else a standard code and
  // the model is unchanged. 1.2: 201, 402, 403, 405; 2004: 351 (empty name, index gap,
  // duplicate or changed objective id, too many correct responses), 401, 402, 404, 406,
  // 407, 408. In browse / review mode a value that counts (status, score, progress) is
  // accepted with 0 but not stored, so nothing that counts changes (diagnostic says so).
  int set_value(std::string_view element, std::string_view value);

  // Server-side write of any element, read-only ones included (learner, credit, mode,
  // entry, launch_data, thresholds, comments_from_lms.n.*, adl.data.n.id, ...). The value
  // is checked against the element's type like set_value, but access, mode and the
  // id-first dependency are not; collection order still is. Returns a standard code.
  int set_lms_value(std::string_view element, std::string_view value);

  // The code and our precise explanation of the last get_value / set_value /
  // set_lms_value (e.g. "cmi.score.scaled: 1.5 is outside -1..1"); "" after success.
  int last_error() const { return last_error_; }
  const std::string& get_diagnostic() const { return last_diagnostic_; }
  std::string_view get_error_string(int code) const { return error_string(version_, code); }

  // The stored values, including LMS values and defaults; elements never set are absent.
  const CmiValues& values() const { return values_.ordered; }
  std::optional<std::string> stored(std::string_view element) const;
  // The stored value without a copy, or null; valid until the model next changes.
  const std::string* find(std::string_view element) const;

  // Number of records in a collection ("cmi.interactions", "cmi.interactions.0.objectives").
  std::size_t count(std::string_view collection) const;

  // True when `element` names a read-only leaf of this model (indexes allowed).
  bool is_read_only(std::string_view element) const;
  // True when the element's value counts for results (status, score, progress), i.e. it
  // is ignored from the SCO in browse / review mode.
  bool is_result_element(std::string_view element) const;

  // "normal", "browse" or "review" (cmi.core.lesson_mode / cmi.mode).
  std::string mode() const;
  // True while a session is open (between start_session and end_session).
  bool session_open() const { return session_open_; }

  // Change tracking, for a commit applied to the model in place: from start_tracking()
  // on, every write keeps the value the element had before it. tracked_changes() lists
  // the elements whose value now differs from the one they had at start_tracking(), in
  // ElementLess order (what scorm::diff of the two states lists, without walking the
  // whole model); stop_tracking() forgets them. start_tracking() while tracking starts
  // over. Writes that bypass tracking: start_session's and from_json's.
  void start_tracking();
  std::vector<CmiChange> tracked_changes() const;
  void stop_tracking();
  bool tracking() const { return tracking_; }

  bool operator==(const CmiModel& other) const {
    return version_ == other.version_ && values_.ordered == other.values_.ordered &&
           session_open_ == other.session_open_;
  }

 protected:
  CmiModel(ScormVersion version, const CmiOptions& options);

 private:
  friend struct CmiModelAccess;  // session, commit and JSON helpers in the .cpp files

  enum class Writer { kSco, kLms };
  // `parsed`: parse_element(element) when the caller has it already, else null.
  int set_impl(std::string_view element, std::string_view value, Writer writer,
               const detail::ParsedElement* parsed = nullptr);
  bool is_read_only(std::string_view element, const detail::ParsedElement& parsed) const;
  int fail(int code, std::string diagnostic) const;
  void evaluate_2004();
  void init_defaults();
  // values_[element] for writing, its previous value journaled while tracking (moved
  // there: the caller assigns the new value).
  std::string& write(std::string_view element);
  // mode() without a copy.
  std::string_view mode_view() const;
  // Undoes the journaled writes after the first `mark` ones (a rejected commit).
  void roll_back(std::size_t mark);

  struct JournalEntry {
    std::string element;
    std::optional<std::string> old_value;
  };

  ScormVersion version_;
  CmiOptions options_;
  // The values in ElementLess order (iteration, and the records of a collection), with a
  // hash index of the same nodes for looking names up: a commit looks up dozens, and
  // ElementLess has to find the differing segment of two long names at every step.
  // Changed only through insert / erase / clear, which keep the two together.
  struct IndexedValues {
    CmiValues ordered;
    std::unordered_map<std::string_view, CmiValues::iterator> by_name;  // keys view `ordered`

    IndexedValues() = default;
    IndexedValues(const IndexedValues& other) : ordered(other.ordered) { reindex(); }
    IndexedValues& operator=(const IndexedValues& other);
    // A moved map keeps its nodes, so the index still points at them.
    IndexedValues(IndexedValues&& other) noexcept;
    IndexedValues& operator=(IndexedValues&& other) noexcept;
    ~IndexedValues() = default;

    CmiValues::iterator find(std::string_view element) const;  // ordered.end() when absent
    // The node of `element`, made (with an empty value) when absent; second: made now.
    std::pair<CmiValues::iterator, bool> insert(std::string_view element);
    void erase(std::string_view element);
    void clear();
    void reindex();
    // True when a value of `record` ("cmi.interactions.3") is known to be stored without
    // a search: the name last inserted (or found by insert) lies in it. A commit writes
    // the fields of one record one after the other.
    bool holds_record(std::string_view record) const;

   private:
    std::string last_;               // the name last given to insert, "" after any erase or copy
    CmiValues::iterator last_node_;  // its node, while last_ is not ""
  };
  IndexedValues values_;
  bool session_open_ = false;
  // While a stored model is replayed (cmi_json.cpp): its statuses were evaluated when
  // they were stored, so they are not evaluated again after every value. While a commit
  // is replayed (cmi_commit.cpp): they depend only on the final values, so they are
  // evaluated once after the batch.
  bool loading_ = false;
  bool tracking_ = false;
  std::vector<JournalEntry> journal_;  // every write since start_tracking(), in order
  mutable int last_error_ = 0;
  mutable std::string last_diagnostic_;
};

// The SCORM 1.2 data model (cmi.core.*, cmi.student_data.*, ...). A new one is a first
// attempt: lesson_status "not attempted", entry "ab-initio", credit, normal mode.
class CmiModel12 final : public CmiModel {
 public:
  explicit CmiModel12(const CmiOptions& options = {}) : CmiModel(ScormVersion::kScorm12, options) {}
};

// The SCORM 2004 data model (4th Edition by default; CmiOptions::edition = 3 for the 3rd
// Edition limits). A new one: completion/success "unknown", entry "ab-initio", credit,
// normal mode, total_time PT0H0M0S, the RTE's learner_preference defaults.
class CmiModel2004 final : public CmiModel {
 public:
  explicit CmiModel2004(const CmiOptions& options = {})
      : CmiModel(ScormVersion::kScorm2004, options) {}
};

// A fresh model (first attempt) of `version`.
CmiModel make_cmi_model(ScormVersion version, const CmiOptions& options = {});

}  // namespace scorm

#include "scorm/cmi_commit.h"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "cmi_access.h"
#include "cmi_schema.h"
#include "cmi_types.h"

namespace scorm {

namespace {

using json = nlohmann::json;

bool is_v12(const CmiModel& m) { return m.version() == ScormVersion::kScorm12; }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<long long> duration_cs(const CmiModel& m, std::string_view text) {
  return is_v12(m) ? detail::parse_timespan_12_cs(text) : detail::parse_duration_2004_cs(text);
}

// Read-only values that differ only in spelling: "PT0S" / "PT0H0M0S", "0.80" / "0.8".
bool same_read_only_value(const CmiModel& m, const std::string& element, std::string_view a,
                          std::string_view b) {
  if (a == b) return true;
  if (ends_with(element, "_time") || ends_with(element, "max_time_allowed")) {
    auto x = duration_cs(m, a);
    auto y = duration_cs(m, b);
    return x && y && *x == *y;
  }
  auto x = detail::parse_real(a);
  auto y = detail::parse_real(b);
  return x && y && *x == *y;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

void flatten(const json& node, const std::string& prefix, CmiPairs& out) {
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) flatten(child, prefix + "." + key, out);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      flatten(node[i], prefix + "." + std::to_string(i), out);
  } else {
    out.emplace_back(prefix, scalar_text(node));
  }
}

CommitResult failure(int code, std::string element, std::string value, std::string why) {
  CommitResult r;
  r.error = code;
  r.element = std::move(element);
  r.value = std::move(value);
  r.diagnostic = std::move(why);
  return r;
}

}  // namespace

namespace {

std::optional<CmiPairs> pairs_of(json& doc) {
  // renderCommonCommitFields wraps the CMI in runtimeData.
  if (doc.contains("runtimeData") && doc["runtimeData"].is_object()) doc = doc["runtimeData"];
  CmiPairs pairs;
  for (const auto& [key, value] : doc.items()) {
    bool flat = key.rfind("cmi.", 0) == 0 || key.rfind("adl.", 0) == 0;
    bool nested = key == "cmi" || key == "adl";
    if (!flat && !nested) continue;  // commitSequence, successStatus, learnerId, ...
    flatten(value, key, pairs);
  }
  return pairs;
}

constexpr const char* kNotAnObject = "the commit body is not a JSON object";

}  // namespace

std::optional<CmiPairs> parse_commit_json(std::string_view text, std::string* error) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    if (error) *error = kNotAnObject;
    return std::nullopt;
  }
  return pairs_of(doc);
}

namespace {

bool is_cmi_key(std::string_view key) {
  return key.rfind("cmi.", 0) == 0 || key.rfind("adl.", 0) == 0 || key == "cmi" || key == "adl";
}

// A commit body read in one pass, without building its JSON document (most of what
// reading a commit cost): the pairs in document order, as pairs_of would list them of
// the document. Where the two could differ it gives up (`ambiguous`) and the document is
// built after all: a key repeated in one object (the document keeps the last one and
// drops the earlier one's whole value) and an element named twice (flat and nested: the
// replay's order of the two is the document's). Neither happens in what runtimes send.
class CommitBodyReader {
 public:
  bool ambiguous = false;
  bool runtime_data = false;  // the body has a runtimeData object, whose pairs count
  std::int64_t sequence = -1;
  CmiPairs pairs;               // of the body's top level
  CmiPairs runtime_data_pairs;  // of runtimeData's

  bool null() { return scalar(std::string()); }
  bool boolean(bool v) { return scalar(v ? "true" : "false"); }
  bool number_integer(json::number_integer_t v) {
    if (at_top() && key_ == "commitSequence") sequence = v;
    return scalar(std::to_string(v));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (at_top() && key_ == "commitSequence") sequence = static_cast<std::int64_t>(v);
    return scalar(std::to_string(v));
  }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v).dump()); }
  bool string(std::string& v) { return scalar(std::move(v)); }
  bool binary(json::binary_t&) { return false; }  // not in JSON text
  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (f.role != Role::kSkipped) f.key_hashes.push_back(std::hash<std::string>{}(k));
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // After a successful parse: the body's pairs, or nullopt when `ambiguous`.
  std::optional<CmiPairs> result() {
    CmiPairs& chosen = runtime_data ? runtime_data_pairs : pairs;
    std::vector<std::size_t> names;
    names.reserve(chosen.size());
    for (const auto& [element, value] : chosen) names.push_back(std::hash<std::string>{}(element));
    if (has_repeats(names)) return std::nullopt;  // or two names that hash alike: rare
    return std::move(chosen);
  }
  bool root_is_object() const { return root_is_object_; }

 private:
  // kTop: the body; kRuntimeData: its runtimeData object; kRecorded: a value under a
  // cmi / adl key of either; kSkipped: anything else.
  enum class Role { kTop, kRuntimeData, kRecorded, kSkipped };
  struct Frame {
    Role role;
    bool array;
    bool into_runtime_data;  // kRecorded: whose pairs it adds to
    std::size_t path_size;   // of path_ before this container's own name
    std::size_t next_index = 0;
    std::vector<std::size_t> key_hashes;  // objects: their keys, for repeats
  };

  static bool has_repeats(std::vector<std::size_t>& hashes) {
    std::sort(hashes.begin(), hashes.end());
    return std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end();
  }
  bool at_top() const { return frames_.size() == 1 && frames_.back().role == Role::kTop; }

  // The role of the value now starting in the current container, with path_ extended by
  // its name when recorded.
  Role enter(bool* into_runtime_data, bool container) {
    if (frames_.empty()) return Role::kTop;
    Frame& f = frames_.back();
    switch (f.role) {
      case Role::kTop:
      case Role::kRuntimeData:
        if (f.role == Role::kTop && key_ == "runtimeData" && container && !next_is_array_) {
          return Role::kRuntimeData;
        }
        if (!is_cmi_key(key_)) return Role::kSkipped;
        *into_runtime_data = f.role == Role::kRuntimeData;
        path_.assign(key_);
        return Role::kRecorded;
      case Role::kRecorded:
        *into_runtime_data = f.into_runtime_data;
        path_ += '.';
        if (f.array) {
          path_ += std::to_string(f.next_index++);
        } else {
          path_ += key_;
        }
        return Role::kRecorded;
      case Role::kSkipped:
        return Role::kSkipped;
    }
    return Role::kSkipped;
  }

  bool scalar(std::string text) {
    if (frames_.empty()) return true;  // not an object: refused by the caller
    const std::size_t size = path_.size();
    bool into_runtime_data = false;
    if (enter(&into_runtime_data, false) == Role::kRecorded) {
      (into_runtime_data ? runtime_data_pairs : pairs).emplace_back(path_, std::move(text));
    }
    path_.resize(std::min(size, path_.size()));
    return true;
  }

  bool open(bool array) {
    if (frames_.empty()) root_is_object_ = !array;
    const std::size_t size = path_.size();
    bool into_runtime_data = false;
    next_is_array_ = array;
    const Role role = enter(&into_runtime_data, true);
    if (role == Role::kRuntimeData) runtime_data = true;
    if (role == Role::kTop || role == Role::kRuntimeData) path_.clear();
    frames_.push_back(Frame{role, array, into_runtime_data, size, 0, {}});
    return true;
  }

  bool close() {
    Frame& f = frames_.back();
    if (has_repeats(f.key_hashes)) ambiguous = true;
    path_.resize(std::min(f.path_size, path_.size()));
    frames_.pop_back();
    return true;
  }

  std::vector<Frame> frames_;
  std::string key_;   // the last key read
  std::string path_;  // the element name of the value being read
  bool next_is_array_ = false;
  bool root_is_object_ = false;
};

}  // namespace

CommitBody read_commit_body(std::string_view text) {
  CommitBody body;
  CommitBodyReader reader;
  if (!json::sax_parse(text, &reader) || !reader.root_is_object()) {
    body.error = kNotAnObject;
    return body;
  }
  if (!reader.ambiguous) {
    body.sequence = reader.sequence;
    body.pairs = reader.result();
    if (body.pairs) return body;
  }
  body.sequence = -1;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    body.error = kNotAnObject;
    return body;
  }
  if (auto it = doc.find("commitSequence"); it != doc.end() && it->is_number_integer()) {
    body.sequence = it->get<std::int64_t>();
  }
  body.pairs = pairs_of(doc);
  return body;
}

namespace {

// apply_commit's replay on `work`; the caller undoes it when the result is an error.
CommitResult replay(CmiModel& work, const CmiPairs& pairs) {
  const bool v12 = is_v12(work);
  const int read_only_code = v12 ? errors12::kReadOnly : errors2004::kReadOnly;
  const int keyword_code = v12 ? errors12::kInvalidSetValue : errors2004::kReadOnly;

  std::vector<const std::pair<std::string, std::string>*> order;
  order.reserve(pairs.size());
  for (const auto& p : pairs) order.push_back(&p);
  ElementLess less;
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto* a, const auto* b) { return less(a->first, b->first); });

  std::vector<const std::pair<std::string, std::string>*> deferred;  // _count, total_time
  CommitResult result;
  for (const auto* pair : order) {
    const auto& [element, value] = *pair;
    auto parsed = detail::parse_element(element);
    if (parsed.valid && !parsed.keyword.empty()) {
      if (parsed.keyword == "_count") {
        deferred.push_back(pair);
        continue;
      }
      auto current = work.get_value(element);
      if (current.error != 0) return failure(current.error, element, value, work.get_diagnostic());
      if (current.value != value)
        return failure(keyword_code, element, value,
                       element + " is " + current.value + ", not " + value);
      continue;
    }
    const std::string* current = work.find(element);
    if (current ? *current == value : value.empty()) continue;  // unchanged, or unset as ""
    if (CmiModelAccess::is_read_only(work, element, parsed)) {
      if (ends_with(element, "total_time")) {
        deferred.push_back(pair);
        continue;
      }
      if (current && same_read_only_value(work, element, *current, value)) continue;
      if (!current) {
        // Computed read-only values (adl.nav.request_valid.*) are not stored.
        auto computed = work.get_value(element);
        if (computed.error == 0 && computed.value == value) continue;
      }
      // Make sure the name itself is valid before blaming the access rule.
      int code = CmiModelAccess::set_value(work, element, value, parsed);
      if (code != read_only_code) return failure(code, element, value, work.get_diagnostic());
      return failure(read_only_code, element, value,
                     element + " is read-only and holds " +
                         (current ? "'" + *current + "'" : std::string("no value")) +
                         " on the server");
    }
    int code = CmiModelAccess::set_value(work, element, value, parsed);
    if (code != 0) return failure(code, element, value, work.get_diagnostic());
    ++result.applied;
  }

  const char* session_key = v12 ? "cmi.core.session_time" : "cmi.session_time";
  for (const auto* pair : deferred) {
    const auto& [element, value] = *pair;
    if (ends_with(element, "_count")) {
      auto current = work.get_value(element);
      if (current.error != 0) return failure(current.error, element, value, work.get_diagnostic());
      if (current.value != value)
        return failure(keyword_code, element, value,
                       element + " is " + current.value + " after this commit, not " + value);
      continue;
    }
    // total_time: the stored total, or the runtime's total + session time.
    auto total = duration_cs(work, work.stored(element).value_or(""));
    auto sent = duration_cs(work, value);
    auto session = duration_cs(work, work.stored(session_key).value_or(""));
    bool same = total && sent && (*sent == *total || (session && *sent == *total + *session));
    if (!same)
      return failure(read_only_code, element, value,
                     element + " is read-only; the server computes it from session_time");
  }

  return result;
}

}  // namespace

CommitResult apply_commit(CmiModel& model, const CmiPairs& pairs) {
  const auto mark = CmiModelAccess::begin_commit(model);
  // The 2004 statuses the LMS evaluates (from measure and score against the thresholds)
  // depend only on the final values and no check of the replay reads them: evaluated
  // once after the batch instead of after each of its values.
  CmiModelAccess::set_loading(model, true);
  CommitResult result = replay(model, pairs);
  CmiModelAccess::set_loading(model, false);
  if (result.ok()) CmiModelAccess::evaluate(model);
  CmiModelAccess::end_commit(model, mark, result.ok());
  return result;
}

CommitResult apply_commit_body(CmiModel& model, const CommitBody& body) {
  if (!body.pairs) {
    int code = is_v12(model) ? errors12::kGeneralException : errors2004::kGeneralCommitFailure;
    return failure(code, "", "", body.error);
  }
  return apply_commit(model, *body.pairs);
}

CommitResult apply_commit_json(CmiModel& model, std::string_view text) {
  return apply_commit_body(model, read_commit_body(text));
}

std::vector<CmiChange> diff(const CmiModel& before, const CmiModel& after) {
  std::vector<CmiChange> changes;
  const auto& a = before.values();
  const auto& b = after.values();
  ElementLess less;
  auto ia = a.begin();
  auto ib = b.begin();
  // Both maps are sorted by ElementLess: one merge pass. Most elements are in both, and
  // equal names are told by one memcmp rather than two ElementLess comparisons.
  while (ia != a.end() || ib != b.end()) {
    if (ia != a.end() && ib != b.end() && ia->first == ib->first) {
      if (ia->second != ib->second) changes.push_back({ia->first, ia->second, ib->second});
      ++ia;
      ++ib;
    } else if (ib == b.end() || (ia != a.end() && less(ia->first, ib->first))) {
      changes.push_back({ia->first, ia->second, std::nullopt});
      ++ia;
    } else if (ia == a.end() || less(ib->first, ia->first)) {
      changes.push_back({ib->first, std::nullopt, ib->second});
      ++ib;
    } else {
      if (ia->second != ib->second) changes.push_back({ia->first, ia->second, ib->second});
      ++ia;
      ++ib;
    }
  }
  return changes;
}

}  // namespace scorm

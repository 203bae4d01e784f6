#include "scorm/cmi_model.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "cmi_access.h"
#include "cmi_schema.h"
#include "cmi_types.h"

namespace scorm {

namespace {

using detail::Access;
using detail::Check;
using detail::ElementDef;
using detail::Fault;
using detail::Needs;
using detail::ParsedElement;
using detail::Type;

bool is_v12(ScormVersion v) { return v == ScormVersion::kScorm12; }

int code_for(ScormVersion v, Fault f) {
  bool v12 = is_v12(v);
  switch (f) {
    case Fault::kNone:
      return 0;
    case Fault::kGeneral:
      return 101;
    case Fault::kUndefined:
      return v12 ? 201 : 401;
    case Fault::kUnimplemented:
      return v12 ? 401 : 402;
    case Fault::kNoChildren:
      return v12 ? 202 : 301;
    case Fault::kNoCount:
      return v12 ? 203 : 301;
    case Fault::kKeywordSet:
      return v12 ? 402 : 404;
    case Fault::kReadOnly:
      return v12 ? 403 : 404;
    case Fault::kWriteOnly:
      return v12 ? 404 : 405;
    case Fault::kType:
      return v12 ? 405 : 406;
    case Fault::kRange:
      return v12 ? 405 : 407;
    case Fault::kDependency:
      return v12 ? 201 : 408;
    case Fault::kSetFailure:
      return v12 ? 201 : 351;
    case Fault::kGetFailure:
      return v12 ? 201 : 301;
    case Fault::kNotInitialized:
      return v12 ? 0 : 403;
  }
  return 101;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string quoted(std::string_view v) {
  constexpr std::size_t kShown = 60;  // keep diagnostics short for 64000-character values
  if (v.size() <= kShown) return "'" + std::string(v) + "'";
  return "'" + std::string(v.substr(0, kShown)) + "...' (" + std::to_string(v.size()) + " bytes)";
}

Check check_range(const ElementDef& def, double v, std::string_view text) {
  if (v >= def.min_value && v <= def.max_value) return {};
  std::string why = std::string(text) + " is ";
  if (def.max_value == detail::kNoMax) {
    why += "below " + number(def.min_value);
  } else if (def.min_value == detail::kNoMin) {
    why += "above " + number(def.max_value);
  } else {
    why += "outside " + number(def.min_value) + ".." + number(def.max_value);
  }
  return detail::range_error(why);
}

Check check_vocab(std::string_view value, const std::vector<std::string_view>& vocab) {
  if (std::find(vocab.begin(), vocab.end(), value) != vocab.end()) return {};
  std::string list;
  for (auto w : vocab) list += (list.empty() ? "" : ", ") + (w.empty() ? "\"\"" : std::string(w));
  return detail::type_error(quoted(value) + " is not one of " + list);
}

// {target=<id>}choice / {target=<id>}jump and the plain requests (4th Ed RTE 4.4.1).
bool is_nav_request(std::string_view v) {
  static const std::vector<std::string_view> kPlain = {
      "continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_"};
  if (std::find(kPlain.begin(), kPlain.end(), v) != kPlain.end()) return true;
  if (!starts_with(v, "{target=")) return false;
  auto close = v.find('}');
  if (close == std::string_view::npos || close == 8) return false;
  auto target = v.substr(8, close - 8);
  auto verb = v.substr(close + 1);
  return detail::is_long_identifier(target) && (verb == "choice" || verb == "jump");
}

// adl.nav.request_valid.choice.{target=x} / .jump.{target=x}: the target may hold dots, so
// these names bypass parse_element.
bool is_nav_valid_target(std::string_view e) {
  for (std::string_view prefix :
       {"adl.nav.request_valid.choice.{target=", "adl.nav.request_valid.jump.{target="}) {
    if (starts_with(e, prefix) && e.size() > prefix.size() + 1 && e.back() == '}') return true;
  }
  return false;
}

bool is_scalar_pattern(std::string_view pattern) {
  auto segments = detail::split(pattern, ".");
  return std::find(segments.begin(), segments.end(), "n") == segments.end();
}

// The pattern of the collection holding index number `level` of `pattern`:
// ("cmi.interactions.n.objectives.n.id", 1) -> "cmi.interactions.n.objectives".
std::string_view collection_pattern(std::string_view pattern, std::size_t level) {
  std::size_t seen = 0;
  for (std::size_t start = 0; start <= pattern.size();) {
    const std::size_t dot = std::min(pattern.find('.', start), pattern.size());
    if (pattern.substr(start, dot - start) == "n" && seen++ == level) {
      return pattern.substr(0, start == 0 ? 0 : start - 1);
    }
    start = dot + 1;
  }
  return pattern;
}

Check check_value(const CmiModel& model, const ElementDef& def, const ParsedElement& p,
                  std::string_view value);
Check check_rules(const CmiModel& model, const ParsedElement& p, std::string_view value, bool sco);

}  // namespace

bool ElementLess::operator()(std::string_view a, std::string_view b) const {
  // Models are looked up by name many times per commit, so this comparison is the hottest
  // code of a commit. Keys share long prefixes ("cmi.interactions.12."): only the segment
  // holding the first differing byte decides, and the equal prefix is found 8 bytes at a
  // time.
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t at = 0;
  while (at + 8 <= n) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a.data() + at, 8);
    std::memcpy(&y, b.data() + at, 8);
    if (x != y) break;
    at += 8;
  }
  while (at < n && a[at] == b[at]) ++at;
  if (at == a.size() && at == b.size()) return false;  // equal
  // The segment both names are in at `at`: it starts after the last dot of the common
  // prefix and ends at each name's next dot.
  std::size_t start = at;
  while (start > 0 && a[start - 1] != '.') --start;
  // Nothing left of a name (after "x." or of ""): it sorts first.
  if (start == a.size() || start == b.size()) return start == a.size();
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_name = [](std::string_view s, std::size_t from, std::string_view name) {
    const std::size_t end = from + name.size();
    if (end > s.size() || (end < s.size() && s[end] != '.')) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (s[from + i] != name[i]) return false;
    return true;
  };
  if (at < n && a[at] != '.' && b[at] != '.' && !is_digit(a[at]) && !is_digit(b[at])) {
    // Both segments go on past `at` with a byte that is not a digit: neither is an index,
    // and unless one is `id` or `type` the differing bytes decide.
    const int ra = is_name(a, start, "id") ? 0 : is_name(a, start, "type") ? 1 : 2;
    const int rb = is_name(b, start, "id") ? 0 : is_name(b, start, "type") ? 1 : 2;
    if (ra != rb) return ra < rb;
    return static_cast<unsigned char>(a[at]) < static_cast<unsigned char>(b[at]);
  }
  const std::size_t a_end = std::min(a.find('.', at), a.size());
  const std::size_t b_end = std::min(b.find('.', at), b.size());
  const std::string_view as = a.substr(start, a_end - start);
  const std::string_view bs = b.substr(start, b_end - start);
  if (a_end == at && b_end == at) {  // the same segment
    // One name ends where the other goes on: "x" (no more segments) sorts before "x.y".
    return a_end == a.size();
  }
  const bool an = detail::is_digits(as);
  const bool bn = detail::is_digits(bs);
  if (an && bn) {
    if (as.size() != bs.size()) return as.size() < bs.size();
    return as < bs;
  }
  if (an != bn) return an;
  auto rank = [](std::string_view s) { return s == "id" ? 0 : s == "type" ? 1 : 2; };
  if (rank(as) != rank(bs)) return rank(as) < rank(bs);
  return as < bs;
}

CmiModel::CmiModel(ScormVersion version, const CmiOptions& options)
    : version_(version), options_(options) {
  if (options_.suspend_data_max == 0) {
    options_.suspend_data_max = is_v12(version) ? 4096 : options_.edition == 3 ? 4000 : 64000;
  }
  init_defaults();
}

CmiModel make_cmi_model(ScormVersion version, const CmiOptions& options) {
  if (is_v12(version)) return CmiModel12(options);
  return CmiModel2004(options);
}

CmiModel::IndexedValues& CmiModel::IndexedValues::operator=(const IndexedValues& other) {
  if (this != &other) {
    ordered = other.ordered;
    reindex();
  }
  return *this;
}

CmiModel::IndexedValues::IndexedValues(IndexedValues&& other) noexcept
    : ordered(std::move(other.ordered)),
      by_name(std::move(other.by_name)),
      last_(std::move(other.last_)),
      last_node_(other.last_node_) {
  other.clear();
}

CmiModel::IndexedValues& CmiModel::IndexedValues::operator=(IndexedValues&& other) noexcept {
  if (this != &other) {
    ordered = std::move(other.ordered);
    by_name = std::move(other.by_name);
    last_ = std::move(other.last_);
    last_node_ = other.last_node_;
    other.clear();
  }
  return *this;
}

CmiValues::iterator CmiModel::IndexedValues::find(std::string_view element) const {
  auto it = by_name.find(element);
  // The index holds iterators of `ordered`; a const model hands out only const access.
  return it == by_name.end() ? const_cast<CmiValues&>(ordered).end() : it->second;
}

std::pair<CmiValues::iterator, bool> CmiModel::IndexedValues::insert(std::string_view element) {
  // A commit adds the fields of a new record in ElementLess order: each usually goes
  // right after the one added before it.
  const auto hint = last_.empty() ? ordered.end() : std::next(last_node_);
  last_.assign(element);
  if (auto it = by_name.find(element); it != by_name.end()) {
    last_node_ = it->second;
    return {it->second, false};
  }
  last_node_ = ordered.emplace_hint(hint, std::string(element), std::string());
  by_name.emplace(last_node_->first, last_node_);
  return {last_node_, true};
}

bool CmiModel::IndexedValues::holds_record(std::string_view record) const {
  return last_.size() > record.size() && last_[record.size()] == '.' &&
         std::string_view(last_).substr(0, record.size()) == record;
}

void CmiModel::IndexedValues::erase(std::string_view element) {
  last_.clear();
  auto it = by_name.find(element);
  if (it == by_name.end()) return;
  const CmiValues::iterator node = it->second;
  by_name.erase(it);
  ordered.erase(node);
}

void CmiModel::IndexedValues::clear() {
  last_.clear();
  by_name.clear();
  ordered.clear();
}

void CmiModel::IndexedValues::reindex() {
  last_.clear();
  by_name.clear();
  by_name.reserve(ordered.size());
  for (auto it = ordered.begin(); it != ordered.end(); ++it) by_name.emplace(it->first, it);
}

void CmiModel::init_defaults() {
  for (const auto& [pattern, def] : detail::schema_for(version_).elements) {
    if (def.initial != nullptr && is_scalar_pattern(pattern))
      values_.insert(pattern).first->second = def.initial;
  }
}

int CmiModel::fail(int code, std::string diagnostic) const {
  last_error_ = code;
  last_diagnostic_ = std::move(diagnostic);
  return code;
}

std::string& CmiModel::write(std::string_view element) {
  auto [it, inserted] = values_.insert(element);
  if (!tracking_) return it->second;
  // Every caller assigns the new value: the old one moves to the journal.
  journal_.push_back({it->first, inserted ? std::nullopt : std::optional(std::move(it->second))});
  return it->second;
}

void CmiModel::roll_back(std::size_t mark) {
  while (journal_.size() > mark) {
    JournalEntry& undo = journal_.back();
    if (undo.old_value) {
      values_.insert(undo.element).first->second = std::move(*undo.old_value);
    } else {
      values_.erase(undo.element);
    }
    journal_.pop_back();
  }
}

void CmiModel::start_tracking() {
  tracking_ = true;
  journal_.clear();
}

void CmiModel::stop_tracking() {
  tracking_ = false;
  journal_.clear();
}

std::vector<CmiChange> CmiModel::tracked_changes() const {
  // The journal holds every write in order; an element's value at start_tracking() is
  // the old value of its first write.
  std::vector<const JournalEntry*> first;
  first.reserve(journal_.size());
  for (const auto& entry : journal_) first.push_back(&entry);
  ElementLess less;
  auto by_element = [&](const auto* a, const auto* b) { return less(a->element, b->element); };
  // A commit replays its values in this order already, so the journal mostly is sorted.
  if (!std::is_sorted(first.begin(), first.end(), by_element)) {
    std::stable_sort(first.begin(), first.end(), by_element);
  }
  std::vector<CmiChange> changes;
  changes.reserve(first.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && first[i]->element == first[i - 1]->element) continue;
    const std::string* now = find(first[i]->element);
    const std::optional<std::string>& was = first[i]->old_value;
    if (now == nullptr ? !was.has_value() : (was && *was == *now)) continue;
    changes.push_back(
        {first[i]->element, was, now == nullptr ? std::nullopt : std::optional<std::string>(*now)});
  }
  return changes;
}

const std::string* CmiModel::find(std::string_view element) const {
  auto it = values_.find(element);
  return it == values_.ordered.end() ? nullptr : &it->second;
}

std::optional<std::string> CmiModel::stored(std::string_view element) const {
  const std::string* value = find(element);
  if (value == nullptr) return std::nullopt;
  return *value;
}

std::size_t CmiModel::count(std::string_view collection) const {
  // Every record key lies between "<collection>." and "<collection>.\xff" in ElementLess
  // order, numeric segments first, so the last key before the sentinel holds the
  // highest index.
  char buffer[128];
  std::string long_sentinel;
  std::string_view sentinel;
  if (collection.size() + 2 <= sizeof buffer) {
    std::memcpy(buffer, collection.data(), collection.size());
    buffer[collection.size()] = '.';
    buffer[collection.size() + 1] = '\xff';
    sentinel = std::string_view(buffer, collection.size() + 2);
  } else {
    long_sentinel = std::string(collection) + ".\xff";
    sentinel = long_sentinel;
  }
  auto it = values_.ordered.lower_bound(sentinel);
  if (it == values_.ordered.begin()) return 0;
  --it;
  const std::string_view prefix = sentinel.substr(0, collection.size() + 1);
  if (!starts_with(it->first, prefix)) return 0;
  std::string_view rest = std::string_view(it->first).substr(prefix.size());
  std::string_view index = rest.substr(0, rest.find('.'));
  if (!detail::is_digits(index) || index.size() > 9) return 0;  // set_value keeps them short
  std::size_t n = 0;
  for (char c : index) n = n * 10 + static_cast<std::size_t>(c - '0');
  return n + 1;
}

std::string CmiModel::mode() const { return std::string(mode_view()); }

std::string_view CmiModel::mode_view() const {
  const std::string* m = find(is_v12(version_) ? "cmi.core.lesson_mode" : "cmi.mode");
  return m != nullptr ? std::string_view(*m) : std::string_view("normal");
}

bool CmiModel::is_read_only(std::string_view element) const {
  return is_read_only(element, detail::parse_element(element));
}

bool CmiModel::is_read_only(std::string_view element, const ParsedElement& p) const {
  if (is_nav_valid_target(element)) return true;
  if (!p.valid || !p.keyword.empty()) return !p.keyword.empty();
  auto* def = detail::schema_for(version_).find(p.pattern);
  return def != nullptr && def->access == Access::kReadOnly;
}

bool CmiModel::is_result_element(std::string_view element) const {
  auto p = detail::parse_element(element);
  auto* def = p.valid ? detail::schema_for(version_).find(p.pattern) : nullptr;
  return def != nullptr && def->result;
}

GetResult CmiModel::get_value(std::string_view element) const {
  const auto& schema = detail::schema_for(version_);
  auto error = [&](Fault f, std::string why) {
    int code = fail(code_for(version_, f), std::move(why));
    return GetResult{"", code};
  };
  auto ok = [&](std::string value) {
    fail(0, "");
    return GetResult{std::move(value), 0};
  };
  if (element.empty()) return error(Fault::kGetFailure, "the element name is empty");
  std::string name(element);
  if (!is_v12(version_) && options_.edition == 3 && starts_with(element, "adl.data"))
    return error(Fault::kUnimplemented, name + ": adl.data is a 4th Edition element");
  if (!is_v12(version_) && is_nav_valid_target(element)) return ok("unknown");

  ParsedElement p = detail::parse_element(element);
  if (!p.valid) return error(Fault::kUndefined, name + " is not a data model element");

  // The records named by the indexes must exist (index < _count).
  auto missing_record = [&]() -> std::optional<GetResult> {
    for (std::size_t i = 0; i < p.levels(); ++i) {
      std::size_t n = count(p.collections[i]);
      if (p.indexes[i] >= n) {
        return error(Fault::kGetFailure, name + ": index " + std::to_string(p.indexes[i]) +
                                             " is not below " + std::string(p.collections[i]) +
                                             "._count (" + std::to_string(n) + ")");
      }
    }
    return std::nullopt;
  };

  if (!p.keyword.empty()) {
    if (p.keyword == "_version") {
      if (p.base == "cmi") return ok(schema.data_model_version);
      return error(Fault::kUndefined, name + " is not a data model element");
    }
    if (p.keyword == "_children") {
      auto it = schema.children.find(p.base_pattern());
      if (it != schema.children.end()) return ok(it->second);
      if (schema.knows(p.base_pattern()))
        return error(Fault::kNoChildren, std::string(p.base) + " has no children");
      return error(Fault::kUndefined, name + " is not a data model element");
    }
    if (p.keyword == "_count") {
      if (schema.collections.count(p.base_pattern())) {
        if (auto e = missing_record()) return *e;
        return ok(std::to_string(count(p.base)));
      }
      if (schema.knows(p.base_pattern()))
        return error(Fault::kNoCount, std::string(p.base) + " is not a collection");
      return error(Fault::kUndefined, name + " is not a data model element");
    }
    return error(Fault::kUndefined, name + " is not a data model element");
  }

  const ElementDef* def = schema.find(p.pattern);
  if (def == nullptr) {
    if (schema.knows(p.pattern)) {
      return error(is_v12(version_) ? Fault::kUndefined : Fault::kGetFailure,
                   name + " is a group or collection, not a value");
    }
    return error(Fault::kUndefined, name + " is not a data model element");
  }
  if (def->access == Access::kWriteOnly) return error(Fault::kWriteOnly, name + " is write-only");
  if (auto e = missing_record()) return *e;
  if (const std::string* v = find(element)) return ok(*v);
  if (is_v12(version_)) return ok("");
  return error(Fault::kNotInitialized, name + " has not been set");
}

int CmiModel::set_value(std::string_view element, std::string_view value) {
  return set_impl(element, value, Writer::kSco);
}

int CmiModel::set_lms_value(std::string_view element, std::string_view value) {
  return set_impl(element, value, Writer::kLms);
}

int CmiModel::set_impl(std::string_view element, std::string_view value, Writer writer,
                       const ParsedElement* parsed) {
  const auto& schema = detail::schema_for(version_);
  const bool v12 = is_v12(version_);
  const bool sco = writer == Writer::kSco;
  auto error = [&](Fault f, const std::string& why) { return fail(code_for(version_, f), why); };

  if (element.empty()) return error(Fault::kSetFailure, "the element name is empty");
  if (!v12 && options_.edition == 3 && starts_with(element, "adl.data"))
    return error(Fault::kUnimplemented,
                 std::string(element) + ": adl.data is a 4th Edition element");
  if (!v12 && is_nav_valid_target(element))
    return error(Fault::kReadOnly, std::string(element) + " is read-only");

  ParsedElement own;
  if (parsed == nullptr) {
    own = detail::parse_element(element);
    parsed = &own;
  }
  const ParsedElement& p = *parsed;
  if (!p.valid)
    return error(Fault::kUndefined, std::string(element) + " is not a data model element");
  if (!p.keyword.empty()) {
    bool known = (p.keyword == "_version" && p.base == "cmi") ||
                 (p.keyword == "_children" && schema.children.count(p.base_pattern())) ||
                 (p.keyword == "_count" && schema.collections.count(p.base_pattern()));
    if (known)
      return error(Fault::kKeywordSet, std::string(element) + " is a keyword and read-only");
    return error(Fault::kUndefined, std::string(element) + " is not a data model element");
  }
  const ElementDef* def = schema.find(p.pattern);
  if (def == nullptr) {
    if (schema.knows(p.pattern)) {
      return error(v12 ? Fault::kUndefined : Fault::kSetFailure,
                   std::string(element) + " is a group or collection, not a value");
    }
    return error(Fault::kUndefined, std::string(element) + " is not a data model element");
  }
  if (sco && def->access == Access::kReadOnly)
    return error(Fault::kReadOnly, std::string(element) + " is read-only");

  // Collections fill in order: an index may be an existing record or the next one (RTE
  // 1.2 3.4.2 / 2004 4.1.2); in 2004 only the id (or a comment field) creates a record.
  std::vector<std::size_t> created;  // levels whose record this set creates
  for (std::size_t i = 0; i < p.levels(); ++i) {
    if (values_.holds_record(p.records[i])) continue;  // index < _count: nothing to check
    std::size_t n = count(p.collections[i]);
    std::size_t idx = p.indexes[i];
    if (idx > n) {
      return error(Fault::kSetFailure, std::string(element) + ": index " + std::to_string(idx) +
                                           " skips ahead of " + std::string(p.collections[i]) +
                                           "._count (" + std::to_string(n) +
                                           "); records are added in order");
    }
    if (idx < n) continue;
    auto coll = schema.collections.find(collection_pattern(p.pattern, i));
    if (sco && coll != schema.collections.end() && !coll->second.sco_creates) {
      return error(Fault::kSetFailure, std::string(element) + ": " + std::string(p.collections[i]) +
                                           " records are provided by the LMS");
    }
    if (!v12) {
      // The id creates a record (RTE 4.1.2); correct_responses and comments have none, so
      // their pattern / any field does. Deeper elements of a missing record wait for its id.
      bool last = i + 1 == p.depth;
      std::string_view leaf = std::string_view(p.pattern).substr(p.pattern.rfind('.') + 1);
      bool creator =
          leaf == "id" || leaf == "pattern" || starts_with(p.pattern, "cmi.comments_from_");
      if (!last || !creator) {
        std::string id = std::string(p.records[i]) + ".id";
        return error(Fault::kDependency, std::string(element) + ": set " + id + " first");
      }
    }
    created.push_back(i);
  }

  if (!v12 && sco && def->needs == Needs::kInteractionType) {
    std::string type_key = std::string(p.records[0]) + ".type";
    if (find(type_key) == nullptr)
      return error(Fault::kDependency, std::string(element) + ": set " + type_key + " first");
  }

  Check c = check_value(*this, *def, p, value);
  if (c.ok()) c = check_rules(*this, p, value, sco);
  if (!c.ok()) return error(c.fault, std::string(element) + ": " + c.why);

  if (sco && def->result && mode_view() != "normal") {
    bool browsed = v12 && p.pattern == "cmi.core.lesson_status" && value == "browsed" &&
                   mode_view() == "browse";
    if (!browsed) {
      fail(0,
           std::string(element) + ": ignored in " + mode() + " mode (nothing that counts changes)");
      return 0;
    }
  }

  write(element) = value;
  for (std::size_t level : created) {
    // Fields with a default ("unknown" objective statuses) appear with their record.
    auto defaults = schema.record_defaults.find(collection_pattern(p.pattern, level));
    if (defaults == schema.record_defaults.end()) continue;
    for (const auto& [leaf, initial] : defaults->second) {
      std::string field = std::string(p.records[level]) + "." + leaf;
      if (find(field) == nullptr) write(field) = initial;
    }
  }
  if (!v12 && !loading_) evaluate_2004();
  fail(0, "");
  return 0;
}

namespace {

Check check_value(const CmiModel& model, const ElementDef& def, const ParsedElement& p,
                  std::string_view value) {
  const bool v12 = is_v12(model.version());
  const CmiOptions& options = model.options();
  // The interaction's type, for its responses and patterns.
  auto interaction_type = [&] { return model.find(std::string(p.records[0]) + ".type"); };
  switch (def.type) {
    case Type::kString: {
      std::size_t max = p.pattern == "cmi.suspend_data" ? options.suspend_data_max : def.max;
      std::size_t n = detail::utf8_length(value);
      if (n > max) {
        return detail::type_error(std::to_string(n) + " characters (at most " +
                                  std::to_string(max) + ")");
      }
      return {};
    }
    case Type::kLangString:
      return detail::check_lang_string(value, def.max);
    case Type::kIdentifier12:
      if (detail::is_identifier_12(value)) return {};
      return detail::type_error(quoted(value) +
                                " is not a CMIIdentifier (1..255 printable characters, no spaces)");
    case Type::kLongId:
      if (detail::is_long_identifier(value)) return {};
      return detail::type_error(quoted(value) +
                                " is not an identifier (1..4000 characters, no spaces)");
    case Type::kDecimal12:
    case Type::kReal: {
      if (value.empty() && def.blank) return {};
      auto v = detail::parse_real(value);
      if (!v) return detail::type_error(quoted(value) + " is not a decimal number");
      return check_range(def, *v, value);
    }
    case Type::kSInteger12: {
      auto v = detail::parse_sinteger(value);
      if (!v) return detail::type_error(quoted(value) + " is not an integer");
      return check_range(def, static_cast<double>(*v), value);
    }
    case Type::kVocab:
      return check_vocab(value, def.vocab);
    case Type::kTime12:
      if (detail::is_time_12(value)) return {};
      return detail::type_error(quoted(value) + " is not a CMITime (HH:MM:SS.SS)");
    case Type::kTimespan12:
      if (detail::parse_timespan_12_cs(value)) return {};
      return detail::type_error(quoted(value) + " is not a CMITimespan (HHHH:MM:SS.SS)");
    case Type::kTime2004:
      if (detail::is_time_2004(value)) return {};
      return detail::type_error(quoted(value) +
                                " is not a time (YYYY[-MM[-DD[Thh[:mm[:ss[.s][TZD]]]]]])");
    case Type::kDuration2004:
      if (detail::parse_duration_2004_cs(value)) return {};
      return detail::type_error(quoted(value) +
                                " is not an ISO 8601 duration (P[yY][mM][dD][T[hH][mM][s[.s]S]])");
    case Type::kLanguage:
      if (value.empty() || detail::is_language(value)) return {};
      return detail::type_error(quoted(value) + " is not a language code");
    case Type::kResponse12:
    case Type::kPattern12: {
      const std::string* type = interaction_type();
      if (options.strict_12_responses && type)
        return detail::check_response_12(*type, value, def.type == Type::kPattern12);
      if (value.size() > 255)
        return detail::type_error(std::to_string(value.size()) + " characters (at most 255)");
      return {};
    }
    case Type::kResult12:
    case Type::kResult2004: {
      static const std::vector<std::string_view> k12 = {"correct", "wrong", "unanticipated",
                                                        "neutral"};
      static const std::vector<std::string_view> k2004 = {"correct", "incorrect", "unanticipated",
                                                          "neutral"};
      const auto& words = v12 ? k12 : k2004;
      if (std::find(words.begin(), words.end(), value) != words.end() || detail::parse_real(value))
        return {};
      return detail::type_error(quoted(value) + " is not " +
                                (v12 ? "correct, wrong" : "correct, incorrect") +
                                ", unanticipated, neutral or a number");
    }
    case Type::kResponse2004:
    case Type::kPattern2004: {
      const std::string* type = interaction_type();
      if (!type) {
        // Only the LMS gets here (the SCO needs the type first): keep the 4000 limit.
        if (detail::utf8_length(value) > 4000)
          return detail::type_error("more than 4000 characters");
        return {};
      }
      return detail::check_response_2004(*type, value, def.type == Type::kPattern2004);
    }
    case Type::kNavRequest:
      if (is_nav_request(value)) return {};
      return detail::type_error(quoted(value) + " is not a navigation request");
  }
  return {};
}

Check check_rules(const CmiModel& model, const ParsedElement& p, std::string_view value, bool sco) {
  auto stored = [&](const std::string& key) { return model.stored(key); };
  auto count = [&](std::string_view key) { return model.count(key); };
  if (is_v12(model.version())) {
    // RTE 1.2 3.4.4: "not attempted" is the LMS's initial value, never the SCO's.
    if (sco && p.pattern == "cmi.core.lesson_status" && value == "not attempted")
      return detail::type_error("a SCO may not set 'not attempted'");
    return {};
  }
  if (p.pattern == "cmi.objectives.n.id") {
    // RTE 4.2.17: an objective id is unique and never changes once set.
    std::string key = "cmi.objectives." + std::to_string(p.indexes[0]) + ".id";
    auto current = stored(key);
    if (current && *current != value)
      return {Fault::kSetFailure, "the id is already " + quoted(*current) + " and cannot change"};
    std::size_t n = count("cmi.objectives");
    for (std::size_t i = 0; i < n; ++i) {
      if (i == p.indexes[0]) continue;
      if (stored("cmi.objectives." + std::to_string(i) + ".id") == std::string(value)) {
        return {Fault::kSetFailure,
                quoted(value) + " is already the id of cmi.objectives." + std::to_string(i)};
      }
    }
    return {};
  }
  if (p.pattern == "cmi.interactions.n.objectives.n.id") {
    std::string coll(p.collections[1]);
    std::size_t n = count(coll);
    for (std::size_t i = 0; i < n; ++i) {
      if (i == p.indexes[1]) continue;
      if (stored(coll + "." + std::to_string(i) + ".id") == std::string(value)) {
        return {Fault::kSetFailure,
                quoted(value) + " is already " + coll + "." + std::to_string(i) + ".id"};
      }
    }
    return {};
  }
  if (p.pattern == "cmi.interactions.n.correct_responses.n.pattern") {
    auto type = stored(std::string(p.records[0]) + ".type");
    std::size_t max = type ? detail::max_patterns_2004(*type) : 0;
    if (max != 0 && p.indexes[1] >= max) {
      return {Fault::kSetFailure, "a " + *type + " interaction has " + std::to_string(max) +
                                      " correct response at most"};
    }
    std::string coll(p.collections[1]);
    std::size_t n = count(coll);
    for (std::size_t i = 0; i < n; ++i) {
      if (i == p.indexes[1]) continue;
      if (stored(coll + "." + std::to_string(i) + ".pattern") == std::string(value)) {
        return {Fault::kSetFailure,
                "the same pattern is already " + coll + "." + std::to_string(i) + ".pattern"};
      }
    }
  }
  return {};
}

}  // namespace

void CmiModel::evaluate_2004() {
  // RTE 4.2.4.1 and 4.2.22.1: with a threshold from the manifest and the measure set by
  // the SCO, the LMS determines the status; without the measure the SCO's value stands.
  auto real = [&](const char* key) -> std::optional<double> {
    const std::string* v = find(key);
    if (v == nullptr) return std::nullopt;
    return detail::parse_real(*v);
  };
  auto threshold = real("cmi.completion_threshold");
  auto progress = real("cmi.progress_measure");
  // Written only when it changes, so a commit's journal stays in replay order.
  auto put = [&](std::string_view element, std::string_view status) {
    const std::string* current = find(element);
    if (current == nullptr || *current != status) write(element) = status;
  };
  if (threshold && progress)
    put("cmi.completion_status", *progress >= *threshold ? "completed" : "incomplete");
  auto passing = real("cmi.scaled_passing_score");
  auto scaled = real("cmi.score.scaled");
  if (passing && scaled) put("cmi.success_status", *scaled >= *passing ? "passed" : "failed");
}

}  // namespace scorm

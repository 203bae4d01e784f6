#include "lrs/statement_validator.h"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lrs/timestamp.h"
#include "lrs/uuid.h"
#include "syntax_checks.h"
#include "timestamp_syntax.h"

// One pass over the statement tree. Every check is hand-written and allocation-free on
// the success path: the JSON path of a property is a chain of stack frames (`Path`)
// that is only turned into a string when a rule fails. Section numbers refer to xAPI
// 1.0.3 xAPI-Data.md; 2.0 (IEEE 9274.1.1) differences are called out where they apply.

namespace lrs {
namespace {

using nlohmann::json;
using std::string_view;

// A property's location: a linked list of stack frames, rendered lazily.
struct Path {
  const Path* parent = nullptr;
  string_view key;        // object member name; empty for an array index
  std::size_t index = 0;  // array index when `is_index`
  bool is_index = false;

  Path operator/(string_view k) const { return Path{this, k, 0, false}; }
  Path operator[](std::size_t i) const { return Path{this, {}, i, true}; }
};

std::string render(const Path& p) {
  std::array<const Path*, 64> chain{};
  std::size_t n = 0;
  for (const Path* q = &p; q != nullptr && n < chain.size(); q = q->parent) chain[n++] = q;
  std::string out;
  while (n > 0) {
    const Path* q = chain[--n];
    if (q->is_index) {
      out += '[';
      out += std::to_string(q->index);
      out += ']';
    } else if (q->parent != nullptr || !q->key.empty()) {
      // Member names are shown as written, even empty ones ("verb.display.").
      if (!out.empty()) out += '.';
      out.append(q->key);
    }
  }
  return out.empty() ? std::string("statement") : out;
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "not JSON data";
  }
}

// Where an Agent or Group appears decides which extra rules apply to it.
enum class ActorRole {
  kActor,        // statement actor, context.instructor, query parameter
  kObject,       // statement object: objectType is required (Data 2.4.4.2)
  kAuthority,    // Data 2.4.9: an Agent, or an anonymous Group of exactly two Agents
  kTeam,         // context.team: must be a Group
  kMember,       // Group member: must be an Agent
  kContextAgent  // 2.0 contextAgents[].agent: must be an Agent
};

// Interaction component lists, in the order of Data 2.4.4.1 table "Interaction
// Components", with the interactionTypes each one belongs to.
enum ComponentList : unsigned {
  kChoices = 1u << 0,
  kScale = 1u << 1,
  kSource = 1u << 2,
  kTarget = 1u << 3,
  kSteps = 1u << 4,
};

struct InteractionType {
  string_view name;
  unsigned components;
};

constexpr std::array<InteractionType, 10> kInteractionTypes = {{
    {"true-false", 0},
    {"choice", kChoices},
    {"fill-in", 0},
    {"long-fill-in", 0},
    {"matching", kSource | kTarget},
    {"performance", kSteps},
    {"sequencing", kChoices},
    {"likert", kScale},
    {"numeric", 0},
    {"other", 0},
}};

constexpr string_view kVoidedVerb = "http://adlnet.gov/expapi/verbs/voided";

class Validator {
 public:
  explicit Validator(XapiVersion version) : version_(version) {}

  const std::string& error() const { return error_; }

  bool statement(const json& v, const Path& p) { return statement_body(v, p, false); }

  bool actor(const json& v, const Path& p, ActorRole role) {
    if (!is_object(v, p)) return false;
    const auto ot = v.find("objectType");
    if (ot == v.end()) {
      if (role == ActorRole::kObject) return fail(p / "objectType", "required");
      if (role == ActorRole::kTeam) return fail(p / "objectType", "required (\"Group\")");
      return agent(v, p);
    }
    if (!ot->is_string()) return type_error(*ot, p / "objectType", "a string");
    const std::string& t = ot->get_ref<const std::string&>();
    if (t == "Agent") {
      if (role == ActorRole::kTeam) return fail(p / "objectType", "must be \"Group\"");
      return agent(v, p);
    }
    if (t == "Group") {
      if (role == ActorRole::kMember) {
        return fail(p / "objectType", "a Group member must be an Agent, not a Group");
      }
      if (role == ActorRole::kContextAgent) return fail(p / "objectType", "must be \"Agent\"");
      return group(v, p, role);
    }
    if (role == ActorRole::kTeam) return fail(p / "objectType", "must be \"Group\"");
    if (role == ActorRole::kMember || role == ActorRole::kContextAgent) {
      return fail(p / "objectType", "must be \"Agent\"");
    }
    return fail(p / "objectType", "must be \"Agent\" or \"Group\" (case-sensitive)");
  }

 private:
  // ---- failure reporting -------------------------------------------------------------

  bool fail(const Path& p, string_view rule) {
    error_ = render(p);
    error_ += ": ";
    error_.append(rule);
    return false;
  }

  // "must not be null" for null, otherwise "must be <expected>, not <actual>".
  bool type_error(const json& v, const Path& p, string_view expected) {
    if (v.is_null()) return fail(p, "must not be null");
    std::string rule = "must be ";
    rule.append(expected);
    rule += ", not ";
    rule += type_name(v);
    return fail(p, rule);
  }

  bool unknown(const Path& p) { return fail(p, "unknown property (names are case-sensitive)"); }

  bool is_object(const json& v, const Path& p) {
    return v.is_object() || type_error(v, p, "an object");
  }
  bool is_string(const json& v, const Path& p) {
    return v.is_string() || type_error(v, p, "a string");
  }
  bool is_bool(const json& v, const Path& p) {
    return v.is_boolean() || type_error(v, p, "a boolean");
  }
  bool is_number(const json& v, const Path& p) {
    return v.is_number() || type_error(v, p, "a number");
  }

  static string_view sv(const json& v) { return v.get_ref<const std::string&>(); }

  // ---- scalar types (Data 4.0) -------------------------------------------------------

  bool iri(const json& v, const Path& p) {
    if (!is_string(v, p)) return false;
    return syntax::is_absolute_iri(sv(v)) ||
           fail(p, "must be an absolute IRI (scheme:..., no spaces)");
  }
  // An IRL is an IRI meant to be dereferenced; syntactically the same rule.
  bool irl(const json& v, const Path& p) {
    if (!is_string(v, p)) return false;
    return syntax::is_absolute_iri(sv(v)) ||
           fail(p, "must be an absolute IRL (scheme:..., no spaces)");
  }

  bool uuid(const json& v, const Path& p) {
    if (!is_string(v, p)) return false;
    // Any RFC 4122 text form: the spec only asks for a UUID, and rejecting variants
    // or versions (v6-v8 of RFC 9562) would refuse well-formed ids real clients send.
    return Uuid::parse(sv(v)).has_value() || fail(p, "must be a UUID (8-4-4-4-12 hex digits)");
  }

  bool timestamp(const json& v, const Path& p) {
    if (!is_string(v, p)) return false;
    if (version_ == XapiVersion::k2_0) {
      return detail::parse_timestamp(sv(v), detail::TimestampSyntax::kRfc3339).has_value() ||
             fail(p,
                  "must be an RFC 3339 timestamp with a time zone, e.g. "
                  "\"2024-05-04T17:00:00.000Z\"");
    }
    return detail::parse_timestamp(sv(v), detail::TimestampSyntax::kIso8601).has_value() ||
           fail(p,
                "must be an ISO 8601 timestamp with a time zone, e.g. "
                "\"2024-05-04T17:00:00.000Z\"");
  }

  bool language_tag(string_view tag, const Path& p) {
    return syntax::is_language_tag(tag) || fail(p, "not a valid RFC 5646 language tag");
  }

  // Data 4.2: keys are RFC 5646 tags, values strings.
  bool language_map(const json& v, const Path& p) {
    if (!v.is_object()) return type_error(v, p, "a language map (object)");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const Path kp = p / it.key();
      if (!language_tag(it.key(), kp)) return false;
      if (!is_string(it.value(), kp)) return false;
    }
    return true;
  }

  // Data 4.1: keys are absolute IRIs; values may be any JSON, null included (the ADL
  // suite accepts null extension values).
  bool extensions(const json& v, const Path& p) {
    if (!v.is_object()) return type_error(v, p, "an object");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!syntax::is_absolute_iri(it.key())) {
        return fail(p / it.key(), "extension keys must be absolute IRIs");
      }
    }
    return true;
  }

  // ---- actors (Data 2.4.2) -----------------------------------------------------------

  // Inverse functional identifiers (Data 2.4.2.3). Counts them and checks each one.
  bool ifi(const std::string& key, const json& v, const Path& p, int& count, string_view& first,
           bool& handled) {
    handled = true;
    if (key == "mbox") {
      if (!is_string(v, p / "mbox")) return false;
      if (!syntax::is_mailto_iri(sv(v))) {
        return fail(p / "mbox", "must start with \"mailto:\" followed by an email address");
      }
    } else if (key == "mbox_sha1sum") {
      if (!is_string(v, p / "mbox_sha1sum")) return false;
      if (!syntax::is_hex(sv(v), 40)) {
        return fail(p / "mbox_sha1sum", "must be 40 hexadecimal digits (a SHA-1 hash)");
      }
    } else if (key == "openid") {
      if (!iri(v, p / "openid")) return false;
    } else if (key == "account") {
      if (!account(v, p / "account")) return false;
    } else {
      handled = false;
      return true;
    }
    if (count == 0) first = key;
    ++count;
    if (count > 1) {
      std::string rule =
          "must not have more than one of mbox, mbox_sha1sum, openid, account; found ";
      rule.append(first);
      rule += " and ";
      rule += key;
      return fail(p, rule);
    }
    return true;
  }

  bool account(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    bool home = false, name = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "homePage") {
        if (!irl(it.value(), p / "homePage")) return false;
        home = true;
      } else if (k == "name") {
        if (!is_string(it.value(), p / "name")) return false;
        name = true;
      } else {
        return unknown(p / k);
      }
    }
    if (!home) return fail(p / "homePage", "required");
    if (!name) return fail(p / "name", "required");
    return true;
  }

  bool agent(const json& v, const Path& p) {
    int count = 0;
    string_view first;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      bool handled = false;
      if (!ifi(k, it.value(), p, count, first, handled)) return false;
      if (handled) continue;
      if (k == "objectType") continue;  // checked by actor()
      if (k == "name") {
        if (!is_string(it.value(), p / "name")) return false;
      } else if (k == "member") {
        return fail(p / "member", "only a Group has members (objectType \"Group\")");
      } else {
        return unknown(p / k);
      }
    }
    if (count == 0) {
      return fail(p, "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account");
    }
    return true;
  }

  bool group(const json& v, const Path& p, ActorRole role) {
    int count = 0;
    string_view first;
    const json* members = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      bool handled = false;
      if (!ifi(k, it.value(), p, count, first, handled)) return false;
      if (handled) continue;
      if (k == "objectType") continue;
      if (k == "name") {
        if (!is_string(it.value(), p / "name")) return false;
      } else if (k == "member") {
        const Path mp = p / "member";
        if (!it.value().is_array()) return type_error(it.value(), mp, "an array of Agents");
        std::size_t i = 0;
        for (const json& m : it.value()) {
          if (!actor(m, mp[i], ActorRole::kMember)) return false;
          ++i;
        }
        members = &it.value();
      } else {
        return unknown(p / k);
      }
    }
    if (role == ActorRole::kAuthority) {
      // Data 2.4.9: a Group authority only represents 3-legged OAuth: the consumer
      // application and the user, as an anonymous Group of exactly two Agents.
      if (count != 0) {
        return fail(p,
                    "a Group authority must be anonymous (no mbox, mbox_sha1sum, openid, account)");
      }
      if (members == nullptr || members->size() != 2) {
        return fail(p / "member",
                    "a Group authority must have exactly two Agents (OAuth consumer and user)");
      }
      return true;
    }
    // Data 2.4.2.2: an anonymous Group is defined by its members.
    if (count == 0 && members == nullptr) {
      return fail(p / "member", "required for an anonymous Group (one without an identifier)");
    }
    return true;
  }

  // ---- verb (Data 2.4.3) -------------------------------------------------------------

  bool verb(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    bool has_id = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "id") {
        if (!iri(it.value(), p / "id")) return false;
        has_id = true;
      } else if (k == "display") {
        if (!language_map(it.value(), p / "display")) return false;
      } else {
        return unknown(p / k);
      }
    }
    return has_id || fail(p / "id", "required");
  }

  // ---- object (Data 2.4.4) -----------------------------------------------------------

  enum class ObjectKind { kActivity, kAgent, kGroup, kStatementRef, kSubStatement, kInvalid };

  static ObjectKind object_kind(const json& v) {
    if (!v.is_object()) return ObjectKind::kInvalid;
    const auto ot = v.find("objectType");
    if (ot == v.end()) return ObjectKind::kActivity;
    if (!ot->is_string()) return ObjectKind::kInvalid;
    const std::string& t = ot->get_ref<const std::string&>();
    if (t == "Activity") return ObjectKind::kActivity;
    if (t == "Agent") return ObjectKind::kAgent;
    if (t == "Group") return ObjectKind::kGroup;
    if (t == "StatementRef") return ObjectKind::kStatementRef;
    if (t == "SubStatement") return ObjectKind::kSubStatement;
    return ObjectKind::kInvalid;
  }

  bool object(const json& v, const Path& p, bool in_substatement) {
    if (!is_object(v, p)) return false;
    switch (object_kind(v)) {
      case ObjectKind::kActivity:
        return activity(v, p);
      case ObjectKind::kAgent:
      case ObjectKind::kGroup:
        return actor(v, p, ActorRole::kObject);
      case ObjectKind::kStatementRef:
        return statement_ref(v, p);
      case ObjectKind::kSubStatement:
        if (in_substatement) {
          return fail(p / "objectType", "a SubStatement must not contain a SubStatement");
        }
        return statement_body(v, p, true);
      case ObjectKind::kInvalid:
        break;
    }
    const json& ot = v.at("objectType");
    if (!ot.is_string()) return type_error(ot, p / "objectType", "a string");
    return fail(p / "objectType",
                "must be one of \"Activity\", \"Agent\", \"Group\", \"StatementRef\", "
                "\"SubStatement\" (case-sensitive)");
  }

  bool activity(const json& v, const Path& p) {
    bool has_id = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "objectType") continue;  // "Activity", checked by the caller
      if (k == "id") {
        if (!iri(it.value(), p / "id")) return false;
        has_id = true;
      } else if (k == "definition") {
        if (!definition(it.value(), p / "definition")) return false;
      } else if (k == "mbox" || k == "mbox_sha1sum" || k == "openid" || k == "account" ||
                 k == "member") {
        // Data 2.4.4.2: without objectType the object is an Activity; an Agent or
        // Group used as object must say so.
        return fail(p / "objectType", "required when the object is an Agent or Group");
      } else {
        return unknown(p / k);
      }
    }
    return has_id || fail(p / "id", "required");
  }

  bool definition(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    const json* interaction_type = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      if (k == "name" || k == "description") {
        if (!language_map(x, p / k)) return false;
      } else if (k == "type") {
        if (!iri(x, p / k)) return false;
      } else if (k == "moreInfo") {
        if (!irl(x, p / k)) return false;
      } else if (k == "extensions") {
        if (!extensions(x, p / k)) return false;
      } else if (k == "interactionType") {
        if (!is_string(x, p / k)) return false;
        interaction_type = &x;
      } else if (k == "correctResponsesPattern") {
        if (!x.is_array()) return type_error(x, p / k, "an array of strings");
        std::size_t i = 0;
        for (const json& s : x) {
          if (!is_string(s, (p / k)[i])) return false;
          ++i;
        }
      } else if (k == "choices" || k == "scale" || k == "source" || k == "target" || k == "steps") {
        if (!components(x, p / k)) return false;
      } else {
        return unknown(p / k);
      }
    }
    // Interaction Activities (Data 2.4.4.1): the component lists only make sense for
    // the interactionType that defines them, and need one to be interpreted at all.
    unsigned allowed = 0;
    string_view type_name_sv;
    if (interaction_type != nullptr) {
      type_name_sv = sv(*interaction_type);
      bool known = false;
      for (const InteractionType& t : kInteractionTypes) {
        if (t.name == type_name_sv) {
          allowed = t.components;
          known = true;
          break;
        }
      }
      if (!known) {
        return fail(p / "interactionType",
                    "must be one of true-false, choice, fill-in, long-fill-in, matching, "
                    "performance, sequencing, likert, numeric, other");
      }
    }
    static constexpr std::array<std::pair<string_view, unsigned>, 5> kLists = {{
        {"choices", kChoices},
        {"scale", kScale},
        {"source", kSource},
        {"target", kTarget},
        {"steps", kSteps},
    }};
    if (interaction_type == nullptr && v.contains("correctResponsesPattern")) {
      return fail(p / "correctResponsesPattern", "requires interactionType");
    }
    for (const auto& [name, bit] : kLists) {
      if (!v.contains(name)) continue;
      if (interaction_type == nullptr) return fail(p / name, "requires interactionType");
      if ((allowed & bit) == 0) {
        std::string rule = "not allowed for interactionType \"";
        rule.append(type_name_sv);
        rule += '"';
        return fail(p / name, rule);
      }
    }
    return true;
  }

  // Interaction components: [{id, description}], ids unique within the list.
  bool components(const json& v, const Path& p) {
    if (!v.is_array()) return type_error(v, p, "an array of interaction components");
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& c = v[i];
      const Path cp = p[i];
      if (!is_object(c, cp)) return false;
      bool has_id = false;
      for (auto it = c.begin(); it != c.end(); ++it) {
        const std::string& k = it.key();
        if (k == "id") {
          if (!is_string(it.value(), cp / "id")) return false;
          if (it.value().get_ref<const std::string&>().empty()) {
            return fail(cp / "id", "must not be empty");
          }
          has_id = true;
        } else if (k == "description") {
          if (!language_map(it.value(), cp / "description")) return false;
        } else {
          return unknown(cp / k);
        }
      }
      if (!has_id) return fail(cp / "id", "required");
      // Lists are short (a handful of choices), so a quadratic scan beats a hash set.
      const std::string& id = c.at("id").get_ref<const std::string&>();
      for (std::size_t j = 0; j < i; ++j) {
        if (v[j].at("id").get_ref<const std::string&>() == id) {
          std::string rule = "duplicate id \"";
          rule += id;
          rule += "\" (also at [";
          rule += std::to_string(j);
          rule += "]); ids must be unique within the list";
          return fail(cp / "id", rule);
        }
      }
    }
    return true;
  }

  bool statement_ref(const json& v, const Path& p) {
    // objectType first: for a wrong kind of object it explains every other complaint.
    const auto ot = v.find("objectType");
    if (ot == v.end()) return fail(p / "objectType", "required (\"StatementRef\")");
    if (!is_string(*ot, p / "objectType")) return false;
    if (sv(*ot) != "StatementRef") return fail(p / "objectType", "must be \"StatementRef\"");
    bool has_id = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k == "objectType") {
        continue;
      } else if (k == "id") {
        if (!uuid(it.value(), p / k)) return false;
        has_id = true;
      } else {
        return unknown(p / k);
      }
    }
    return has_id || fail(p / "id", "required");
  }

  // ---- result (Data 2.4.5) -----------------------------------------------------------

  bool result(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      if (k == "score") {
        if (!score(x, p / k)) return false;
      } else if (k == "success" || k == "completion") {
        if (!is_bool(x, p / k)) return false;
      } else if (k == "response") {
        if (!is_string(x, p / k)) return false;
      } else if (k == "duration") {
        if (!is_string(x, p / k)) return false;
        if (!is_valid_duration(sv(x))) {
          return fail(p / k, "must be an ISO 8601 duration such as \"PT1H30M5.25S\" or \"P2W\"");
        }
      } else if (k == "extensions") {
        if (!extensions(x, p / k)) return false;
      } else {
        return unknown(p / k);
      }
    }
    return true;
  }

  bool score(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    const json* raw = nullptr;
    const json* min = nullptr;
    const json* max = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      if (k == "scaled") {
        if (!is_number(x, p / k)) return false;
        const double d = x.get<double>();
        if (d < -1.0 || d > 1.0) return fail(p / k, "must be between -1 and 1");
      } else if (k == "raw") {
        if (!is_number(x, p / k)) return false;
        raw = &x;
      } else if (k == "min") {
        if (!is_number(x, p / k)) return false;
        min = &x;
      } else if (k == "max") {
        if (!is_number(x, p / k)) return false;
        max = &x;
      } else {
        return unknown(p / k);
      }
    }
    if (min != nullptr && max != nullptr && min->get<double>() > max->get<double>()) {
      return fail(p / "min", "must not be greater than max");
    }
    if (raw != nullptr) {
      if (min != nullptr && raw->get<double>() < min->get<double>()) {
        return fail(p / "raw", "must not be less than min");
      }
      if (max != nullptr && raw->get<double>() > max->get<double>()) {
        return fail(p / "raw", "must not be greater than max");
      }
    }
    return true;
  }

  // ---- context (Data 2.4.6) ----------------------------------------------------------

  bool context(const json& v, const Path& p, ObjectKind object_kind_of_statement) {
    if (!is_object(v, p)) return false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      const Path kp = p / k;
      if (k == "registration") {
        if (!uuid(x, kp)) return false;
      } else if (k == "instructor") {
        if (!actor(x, kp, ActorRole::kActor)) return false;
      } else if (k == "team") {
        if (!actor(x, kp, ActorRole::kTeam)) return false;
      } else if (k == "contextActivities") {
        if (!context_activities(x, kp)) return false;
      } else if (k == "revision" || k == "platform") {
        if (!is_string(x, kp)) return false;
        // Data 2.4.6.1: revision and platform describe an Activity; they MUST NOT be
        // used when the Statement's object is an Agent, Group or Statement.
        if (object_kind_of_statement != ObjectKind::kActivity) {
          return fail(kp, "only allowed when the statement's object is an Activity");
        }
      } else if (k == "language") {
        if (!is_string(x, kp)) return false;
        if (!language_tag(sv(x), kp)) return false;
      } else if (k == "statement") {
        if (!is_object(x, kp)) return false;
        if (!statement_ref(x, kp)) return false;
      } else if (k == "extensions") {
        if (!extensions(x, kp)) return false;
      } else if (k == "contextAgents" || k == "contextGroups") {
        if (version_ != XapiVersion::k2_0) {
          return fail(kp, "not allowed in xAPI 1.0.3 (added in 2.0)");
        }
        if (!context_actors(x, kp, k == "contextAgents")) return false;
      } else {
        return unknown(kp);
      }
    }
    return true;
  }

  // Data 2.4.6.2: each key holds one Activity or an array of them.
  bool context_activities(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      if (k != "parent" && k != "grouping" && k != "category" && k != "other") {
        return fail(p / k, "unknown property (allowed: parent, grouping, category, other)");
      }
      const Path kp = p / k;
      const json& x = it.value();
      if (x.is_array()) {
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (!context_activity(x[i], kp[i])) return false;
        }
      } else if (x.is_object()) {
        if (!context_activity(x, kp)) return false;
      } else {
        return type_error(x, kp, "an Activity or an array of Activities");
      }
    }
    return true;
  }

  bool context_activity(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    const auto ot = v.find("objectType");
    if (ot != v.end()) {
      if (!is_string(*ot, p / "objectType")) return false;
      if (sv(*ot) != "Activity") return fail(p / "objectType", "must be \"Activity\"");
    }
    return activity(v, p);
  }

  // 2.0 (IEEE 9274.1.1 4.2.2.5): contextAgents / contextGroups.
  bool context_actors(const json& v, const Path& p, bool agents) {
    if (!v.is_array()) {
      return type_error(
          v, p, agents ? "an array of contextAgent objects" : "an array of contextGroup objects");
    }
    const string_view expected_type = agents ? "contextAgent" : "contextGroup";
    const string_view member_key = agents ? "agent" : "group";
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& c = v[i];
      const Path cp = p[i];
      if (!is_object(c, cp)) return false;
      bool has_type = false, has_member = false;
      for (auto it = c.begin(); it != c.end(); ++it) {
        const std::string& k = it.key();
        const json& x = it.value();
        if (k == "objectType") {
          if (!is_string(x, cp / k)) return false;
          if (sv(x) != expected_type) {
            std::string rule = "must be \"";
            rule.append(expected_type);
            rule += '"';
            return fail(cp / k, rule);
          }
          has_type = true;
        } else if (k == member_key) {
          const Path mp = cp / member_key;
          if (agents) {
            if (!actor(x, mp, ActorRole::kContextAgent)) return false;
          } else {
            if (!is_object(x, mp)) return false;
            const auto ot = x.find("objectType");
            if (ot == x.end()) return fail(mp / "objectType", "required (\"Group\")");
            if (!actor(x, mp, ActorRole::kTeam)) return false;
          }
          has_member = true;
        } else if (k == "relevantTypes") {
          if (!x.is_array()) return type_error(x, cp / k, "a non-empty array of IRIs");
          if (x.empty()) return fail(cp / k, "must not be empty");
          for (std::size_t j = 0; j < x.size(); ++j) {
            if (!iri(x[j], (cp / k)[j])) return false;
          }
        } else {
          return unknown(cp / k);
        }
      }
      if (!has_type) {
        std::string rule = "required (\"";
        rule.append(expected_type);
        rule += "\")";
        return fail(cp / "objectType", rule);
      }
      if (!has_member) return fail(cp / member_key, "required");
    }
    return true;
  }

  // ---- attachments (Data 2.4.11) -----------------------------------------------------

  bool attachments(const json& v, const Path& p) {
    if (!v.is_array()) return type_error(v, p, "an array of attachments");
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!attachment(v[i], p[i])) return false;
    }
    return true;
  }

  bool attachment(const json& v, const Path& p) {
    if (!is_object(v, p)) return false;
    bool usage = false, display = false, content_type = false, length = false, sha2 = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      const Path kp = p / k;
      if (k == "usageType") {
        if (!iri(x, kp)) return false;
        usage = true;
      } else if (k == "display") {
        if (!language_map(x, kp)) return false;
        display = true;
      } else if (k == "description") {
        if (!language_map(x, kp)) return false;
      } else if (k == "contentType") {
        if (!is_string(x, kp)) return false;
        if (!syntax::is_media_type(sv(x))) {
          return fail(kp, "must be an Internet Media Type such as \"text/plain\"");
        }
        content_type = true;
      } else if (k == "length") {
        if (!x.is_number_integer()) return type_error(x, kp, "an integer");
        if (!x.is_number_unsigned() && x.get<std::int64_t>() < 0) {
          return fail(kp, "must not be negative");
        }
        length = true;
      } else if (k == "sha2") {
        if (!is_string(x, kp)) return false;
        const string_view h = sv(x);
        if (!(syntax::is_hex(h, 56) || syntax::is_hex(h, 64) || syntax::is_hex(h, 96) ||
              syntax::is_hex(h, 128))) {
          return fail(kp, "must be a SHA-2 hash in hex (56, 64, 96 or 128 digits)");
        }
        sha2 = true;
      } else if (k == "fileUrl") {
        if (!irl(x, kp)) return false;
      } else {
        return unknown(kp);
      }
    }
    if (!usage) return fail(p / "usageType", "required");
    if (!display) return fail(p / "display", "required");
    if (!content_type) return fail(p / "contentType", "required");
    if (!length) return fail(p / "length", "required");
    if (!sha2) return fail(p / "sha2", "required");
    return true;
  }

  // ---- statement (Data 2.4) ----------------------------------------------------------

  bool version_string(const json& v, const Path& p) {
    if (!is_string(v, p)) return false;
    const string_view s = sv(v);
    // Data 2.4.10: "1.0" or "1.0.x"; a 2.0 LRS also takes "2.0" / "2.0.x".
    const auto starts = [&](string_view major) {
      if (s.substr(0, 3) != major) return false;
      if (s.size() == 3) return true;
      if (s.size() < 5 || s[3] != '.') return false;
      for (std::size_t i = 4; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
      }
      return true;
    };
    if (starts("1.0")) return true;
    if (version_ == XapiVersion::k2_0) {
      return starts("2.0") || fail(p, "must be \"1.0\", \"1.0.x\", \"2.0\" or \"2.0.x\"");
    }
    return fail(p, "must be \"1.0\" or \"1.0.x\"");
  }

  bool statement_body(const json& v, const Path& p, bool sub) {
    if (!is_object(v, p)) return false;
    const auto obj = v.find("object");
    const ObjectKind kind = obj == v.end() ? ObjectKind::kInvalid : object_kind(*obj);
    // When the object itself is broken, its own error is the useful one, so context
    // does not second-guess revision/platform against it.
    const bool object_broken =
        kind == ObjectKind::kInvalid || (sub && kind == ObjectKind::kSubStatement);
    const ObjectKind context_kind = object_broken ? ObjectKind::kActivity : kind;
    bool has_actor = false, has_verb = false, has_object = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      const Path kp = p / k;
      if (k == "actor") {
        if (!actor(x, kp, ActorRole::kActor)) return false;
        has_actor = true;
      } else if (k == "verb") {
        if (!verb(x, kp)) return false;
        has_verb = true;
      } else if (k == "object") {
        if (!object(x, kp, sub)) return false;
        has_object = true;
      } else if (k == "result") {
        if (!result(x, kp)) return false;
      } else if (k == "context") {
        if (!context(x, kp, context_kind)) return false;
      } else if (k == "timestamp") {
        if (!timestamp(x, kp)) return false;
      } else if (k == "attachments") {
        if (!attachments(x, kp)) return false;
      } else if (k == "objectType" && sub) {
        continue;  // "SubStatement", checked by object()
      } else if (k == "id" || k == "stored" || k == "version" || k == "authority") {
        // Data 2.4.4.3: a SubStatement MUST NOT have these.
        if (sub) return fail(kp, "not allowed in a SubStatement");
        if (k == "id") {
          if (!uuid(x, kp)) return false;
        } else if (k == "stored") {
          if (!timestamp(x, kp)) return false;
        } else if (k == "version") {
          if (!version_string(x, kp)) return false;
        } else if (!actor(x, kp, ActorRole::kAuthority)) {
          return false;
        }
      } else {
        return unknown(kp);
      }
    }
    if (!has_actor) return fail(p / "actor", "required");
    if (!has_verb) return fail(p / "verb", "required");
    if (!has_object) return fail(p / "object", "required");
    // Data 2.3.2: a voiding Statement's object MUST be a StatementRef (the statement
    // it voids). Only a top-level Statement voids anything.
    if (!sub && kind != ObjectKind::kStatementRef) {
      const json& verb_id = v.at("verb").at("id");
      if (sv(verb_id) == kVoidedVerb) {
        return fail(p / "object" / "objectType",
                    "must be \"StatementRef\" when the verb is " + std::string(kVoidedVerb));
      }
    }
    return true;
  }

  XapiVersion version_;
  std::string error_;
};

}  // namespace

Result<void> validate_statement(const nlohmann::json& statement, XapiVersion version) {
  Validator v(version);
  if (v.statement(statement, Path{})) return {};
  return fail(ErrorCode::kInvalid, v.error());
}

Result<void> validate_actor(const nlohmann::json& actor, XapiVersion version, const char* path) {
  Validator v(version);
  if (v.actor(actor, Path{nullptr, path == nullptr ? "agent" : path}, ActorRole::kActor)) {
    return {};
  }
  return fail(ErrorCode::kInvalid, v.error());
}

}  // namespace lrs

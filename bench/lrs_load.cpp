// lrs-load: a load generator for any xAPI 1.0.3 Learning Record Store.
//
// Deliberately small and dependency-free (POSIX sockets, std::thread): one blocking HTTP/1.1
// keep-alive connection per thread, no TLS, no Beast, so it builds in a couple of seconds and can
// be pointed at our server or at a peer LRS alike.
//
// Modes
//   post   N connections POST batches of B statements for D seconds (or until --count).
//   seed   like post, tuned to load --count statements as fast as possible (batches of 500).
//   get    N connections issue filtered GET /statements queries for D seconds.
//   mixed  80% statement POSTs, 20% filtered GETs (see --get-share); --state-share F turns a
//          share F of the requests into State document POSTs (JSON merge), as a course player does.
//   docs   N connections do State document traffic (GET, PUT with If-None-Match/If-Match, POST
//          merges) against <url>/activities/state over a pool of activities x agents x stateIds.
//
// Statements are SCORM-like (~700 bytes compact JSON) and drawn from deterministic pools (500
// actors, 1000 activities in 50 courses, 10 verbs, 200 registrations) built from --seed, so the
// GET workload queries values that the POST/seed workloads stored. Statement ids are random v4
// UUIDs, never seeded, so repeated runs against one database never collide.
//
// Output: human-readable lines, then one final JSON line for scripts.

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

void on_signal(int /*sig*/) { g_interrupted.store(true); }

//----------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string mode;
  std::string url = "http://127.0.0.1:8080/xapi";
  std::string user = "bench:benchsecret";
  std::string xapi_version;  // "": 2.0.0 in docs mode (its stricter State rules), else 1.0.3
  std::string label;
  int conns = 4;
  int batch = 0;           // 0: mode default (post/mixed 1, seed 500)
  double duration_s = -1;  // <0: mode default
  int64_t count = 0;       // 0: no count limit
  uint64_t seed = 42;
  double more_share = 0.2;  // chance of following a non-empty `more` link
  double get_share = 0.2;   // mixed mode: share of GETs
  double state_share = 0;   // mixed mode: share of State document POSTs
  int max_error_bodies = 3;
  double progress_s = 5;
};

void print_usage() {
  std::fprintf(stderr,
               "usage: lrs-load <post|seed|get|mixed|docs> [options]\n"
               "  --url URL            xAPI endpoint (default http://127.0.0.1:8080/xapi)\n"
               "  --user USER:PASS     Basic credentials (default bench:benchsecret)\n"
               "  --xapi-version V     X-Experience-API-Version header (docs 2.0.0, else 1.0.3)\n"
               "  --conns N            connections, one thread each (default 4)\n"
               "  --batch B            statements per POST (post/mixed 1, seed 500)\n"
               "  --duration S         seconds to run (post/get/mixed/docs 10; seed unlimited)\n"
               "  --count N            stop after N statements stored (seed: required)\n"
               "  --seed S             seed of the actor/activity/verb/registration pools (42)\n"
               "  --more-share F       get: chance of following a `more` link (0.2)\n"
               "  --get-share F        mixed: share of GET requests (0.2)\n"
               "  --state-share F      mixed: share of State document POSTs (0)\n"
               "  --label TEXT         copied into the JSON line\n"
               "  --progress S         progress line on stderr every S seconds, 0 = off (5)\n");
}

std::optional<Options> parse_options(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  Options o;
  o.mode = argv[1];
  if (o.mode != "post" && o.mode != "seed" && o.mode != "get" && o.mode != "mixed" &&
      o.mode != "docs") {
    return std::nullopt;
  }
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    std::string value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::fprintf(stderr, "lrs-load: %s needs a value\n", key.c_str());
      return std::nullopt;
    }
    try {
      if (key == "--url") {
        o.url = value;
      } else if (key == "--user") {
        o.user = value;
      } else if (key == "--xapi-version") {
        o.xapi_version = value;
      } else if (key == "--label") {
        o.label = value;
      } else if (key == "--conns") {
        o.conns = std::stoi(value);
      } else if (key == "--batch") {
        o.batch = std::stoi(value);
      } else if (key == "--duration") {
        o.duration_s = std::stod(value);
      } else if (key == "--count") {
        o.count = std::stoll(value);
      } else if (key == "--seed") {
        o.seed = std::stoull(value);
      } else if (key == "--more-share") {
        o.more_share = std::stod(value);
      } else if (key == "--get-share") {
        o.get_share = std::stod(value);
      } else if (key == "--state-share") {
        o.state_share = std::stod(value);
      } else if (key == "--progress") {
        o.progress_s = std::stod(value);
      } else {
        std::fprintf(stderr, "lrs-load: unknown option %s\n", key.c_str());
        return std::nullopt;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "lrs-load: bad value for %s: %s\n", key.c_str(), value.c_str());
      return std::nullopt;
    }
  }
  if (o.xapi_version.empty()) o.xapi_version = o.mode == "docs" ? "2.0.0" : "1.0.3";
  if (o.batch <= 0) o.batch = o.mode == "seed" ? 500 : 1;
  if (o.duration_s < 0) o.duration_s = (o.mode == "seed" || o.count > 0) ? 0 : 10;
  if (o.mode == "seed" && o.count <= 0) {
    std::fprintf(stderr, "lrs-load: seed needs --count\n");
    return std::nullopt;
  }
  if (o.get_share < 0 || o.state_share < 0 || o.get_share + o.state_share > 1) {
    std::fprintf(stderr, "lrs-load: --get-share and --state-share must be >= 0 and sum to <= 1\n");
    return std::nullopt;
  }
  if (o.conns < 1 || o.conns > 512) {
    std::fprintf(stderr, "lrs-load: --conns must be 1..512\n");
    return std::nullopt;
  }
  return o;
}

//----------------------------------------------------------------------------------------------
// Small helpers: RNG, UUIDs, encodings, time.

// splitmix64: tiny, fast, and identical on every platform (std distributions are not), so the
// pools built from --seed are the same wherever lrs-load runs.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  uint64_t state_;
};

std::string make_uuid_v4(Rng& rng) {
  uint64_t hi = rng.next();
  uint64_t lo = rng.next();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string url_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// ISO 8601 UTC with milliseconds, e.g. 2026-11-26T10:00:00.123Z.
std::string iso_timestamp(std::chrono::system_clock::time_point tp) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return out;
}

std::string fmt_fraction(uint64_t percent) {
  char out[16];
  std::snprintf(out, sizeof out, "%.2f", static_cast<double>(percent) / 100.0);
  return out;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

//----------------------------------------------------------------------------------------------
// Deterministic pools and the statement generator.

constexpr std::string_view kHomePage = "https://lms.example.com";

struct Actor {
  std::string json;        // statement actor
  std::string agent_json;  // value of the `agent` query parameter (IFI only)
};

struct Activity {
  std::string id;
  std::string object_json;   // statement object with definition
  std::string context_json;  // "contextActivities":{...}
  std::string course_id;     // parent; used by activity+related_activities queries
};

struct Verb {
  std::string id;
  std::string json;
};

struct Pools {
  std::vector<Actor> actors;
  std::vector<Activity> activities;
  std::vector<std::string> courses;
  std::vector<Verb> verbs;
  std::vector<std::string> registrations;
};

Pools make_pools(uint64_t seed) {
  static const std::vector<std::string> kFirst = {
      "Ada",   "Grace",   "Alan",  "Edsger", "Barbara", "Donald",   "Frances", "John",
      "Marie", "Niklaus", "Radia", "Ken",    "Dennis",  "Margaret", "Tim",     "Leslie"};
  static const std::vector<std::string> kLast = {
      "Lovelace", "Hopper", "Turing",  "Dijkstra", "Liskov",  "Knuth",    "Allen",   "McCarthy",
      "Curie",    "Wirth",  "Perlman", "Thompson", "Ritchie", "Hamilton", "Berners", "Lamport"};
  static const std::vector<std::string> kTopics = {
      "Workplace Safety",  "Data Protection", "Fire Evacuation", "Customer Service",
      "First Aid",         "Anti-Bribery",    "Cyber Awareness", "Manual Handling",
      "Leadership Basics", "Project Planning"};
  static const std::vector<std::string> kUnits = {
      "Introduction",    "Key Concepts", "Case Study",      "Practice Scenario",
      "Knowledge Check", "Summary",      "Final Assessment"};
  static const std::vector<std::string> kTypes = {"http://adlnet.gov/expapi/activities/lesson",
                                                  "http://adlnet.gov/expapi/activities/module",
                                                  "http://adlnet.gov/expapi/activities/assessment",
                                                  "http://adlnet.gov/expapi/activities/interaction",
                                                  "http://adlnet.gov/expapi/activities/media"};
  static const std::vector<std::string> kVerbs = {
      "launched", "initialized", "attempted", "experienced", "progressed",
      "answered", "completed",   "passed",    "failed",      "terminated"};
  constexpr int kActors = 500;
  constexpr int kActivities = 1000;
  constexpr int kCourses = 50;  // 20 SCOs per course
  constexpr int kPrograms = 10;
  constexpr int kRegistrations = 200;

  Rng rng(seed);
  Pools p;
  for (int i = 0; i < kActors; ++i) {
    char account[32];
    std::snprintf(account, sizeof account, "u%06llu",
                  static_cast<unsigned long long>(100000 + rng.below(900000)));
    std::string name = rng.pick(kFirst) + " " + rng.pick(kLast);
    std::string account_json = std::string(R"("account":{"homePage":")") + std::string(kHomePage) +
                               R"(","name":")" + account + "-" + std::to_string(i) + R"("})";
    p.actors.push_back({R"({"objectType":"Agent","name":")" + name + R"(",)" + account_json + "}",
                        R"({"objectType":"Agent",)" + account_json + "}"});
  }
  for (int c = 0; c < kCourses; ++c) {
    p.courses.push_back(std::string(kHomePage) + "/course-" + std::to_string(c));
  }
  for (int i = 0; i < kActivities; ++i) {
    int course = i % kCourses;
    int program = course % kPrograms;
    const std::string& topic = kTopics[course % kTopics.size()];
    std::string unit = rng.pick(kUnits);
    std::string id = p.courses[course] + "/sco-" + std::to_string(i);
    std::string name = topic + " " + std::to_string(course) + ": " + unit;
    std::string description = topic + ", SCO " + std::to_string(i) + " (" + unit + ")";
    Activity a;
    a.id = id;
    a.course_id = p.courses[course];
    a.object_json = R"({"id":")" + id + R"(","definition":{"name":{"en-US":")" + name +
                    R"("},"description":{"en-US":")" + description + R"("},"type":")" +
                    rng.pick(kTypes) + R"("}})";
    a.context_json = R"("contextActivities":{"parent":[{"id":")" + a.course_id +
                     R"("}],"grouping":[{"id":")" + std::string(kHomePage) + "/program-" +
                     std::to_string(program) +
                     R"("}],"category":[{"id":"https://w3id.org/xapi/scorm"}]})";
    p.activities.push_back(std::move(a));
  }
  for (const auto& v : kVerbs) {
    std::string id = "http://adlnet.gov/expapi/verbs/" + v;
    p.verbs.push_back({id, R"({"id":")" + id + R"(","display":{"en-US":")" + v + R"("}})"});
  }
  for (int i = 0; i < kRegistrations; ++i) p.registrations.push_back(make_uuid_v4(rng));
  return p;
}

// Appends one statement. `choice` picks pool members (seeded per connection); `ids` makes the
// statement id (never seeded: repeated runs must not collide).
void append_statement(std::string& out, const Pools& pools, Rng& choice, Rng& ids,
                      std::chrono::system_clock::time_point now) {
  const Actor& actor = choice.pick(pools.actors);
  const Verb& verb = choice.pick(pools.verbs);
  const Activity& activity = choice.pick(pools.activities);
  const std::string& registration = choice.pick(pools.registrations);
  int raw = static_cast<int>(choice.below(101));
  int minutes = static_cast<int>(choice.below(45));
  int seconds = static_cast<int>(choice.below(60));
  auto when = now - std::chrono::seconds(choice.below(3600));
  char result[192];
  std::snprintf(result, sizeof result,
                R"("result":{"score":{"scaled":%.2f,"raw":%d,"min":0,"max":100},)"
                R"("success":%s,"completion":%s,"duration":"PT%dM%dS"})",
                raw / 100.0, raw, raw >= 70 ? "true" : "false",
                choice.below(4) != 0 ? "true" : "false", minutes, seconds);
  out += R"({"id":")";
  out += make_uuid_v4(ids);
  out += R"(","actor":)";
  out += actor.json;
  out += R"(,"verb":)";
  out += verb.json;
  out += R"(,"object":)";
  out += activity.object_json;
  out += ',';
  out += result;
  out += R"(,"context":{"registration":")";
  out += registration;
  out += "\",";
  out += activity.context_json;
  out += R"(,"platform":"Example LMS","language":"en-US"},"timestamp":")";
  out += iso_timestamp(when);
  out += "\"}";
}

std::string make_batch(int n, const Pools& pools, Rng& choice, Rng& ids) {
  std::string body;
  body.reserve(static_cast<size_t>(n) * 1100 + 2);
  auto now = std::chrono::system_clock::now();
  if (n == 1) {
    append_statement(body, pools, choice, ids, now);
    return body;
  }
  body += '[';
  for (int i = 0; i < n; ++i) {
    if (i != 0) body += ',';
    append_statement(body, pools, choice, ids, now);
  }
  body += ']';
  return body;
}

//----------------------------------------------------------------------------------------------
// Filtered GET queries.

enum Kind : int {
  kPost,
  kAgent,
  kVerb,
  kActivity,
  kRegistration,
  kAgentVerb,
  kActivityRelated,
  kSince,
  kMore,
  kStateGet,
  kStatePut,
  kStatePost,
  kKindCount
};
constexpr std::array<const char*, kKindCount> kKindNames = {
    "post",  "agent", "verb",      "activity",  "registration", "agent+verb", "activity+related",
    "since", "more",  "state-get", "state-put", "state-post"};
constexpr bool is_statement_get(int k) { return k >= kAgent && k <= kMore; }
constexpr bool is_state(int k) { return k >= kStateGet && k <= kStatePost; }
constexpr int kFirstGetKind = kAgent;
constexpr int kLastGetKind = kSince;  // `more` is only ever a follow-up

std::string make_query(Kind kind, const Pools& pools, Rng& rng) {
  std::string q;
  switch (kind) {
    case kAgent:
      q = "agent=" + url_encode(rng.pick(pools.actors).agent_json);
      break;
    case kVerb:
      q = "verb=" + url_encode(rng.pick(pools.verbs).id);
      break;
    case kActivity:
      q = "activity=" + url_encode(rng.pick(pools.activities).id);
      break;
    case kRegistration:
      q = "registration=" + rng.pick(pools.registrations);
      break;
    case kAgentVerb:
      q = "agent=" + url_encode(rng.pick(pools.actors).agent_json) +
          "&verb=" + url_encode(rng.pick(pools.verbs).id);
      break;
    case kActivityRelated:
      q = "activity=" + url_encode(rng.pick(pools.courses)) + "&related_activities=true";
      break;
    case kSince: {
      static constexpr std::array<int64_t, 4> kBack = {60, 3600, 86400, 30 * 86400};
      auto since = std::chrono::system_clock::now() - std::chrono::seconds(kBack[rng.below(4)]);
      q = "since=" + url_encode(iso_timestamp(since));
      break;
    }
    default:
      break;
  }
  q += rng.below(2) == 0 ? "&limit=10" : "&limit=100";
  return q;
}

// The `more` value of a StatementResult, or "" when absent/empty. Undoes the JSON escapes a
// server may use in a URL ("\/", "\u0026").
std::string find_more(std::string_view body) {
  size_t pos = body.find("\"more\"");
  if (pos == std::string_view::npos) return {};
  pos = body.find(':', pos + 6);
  if (pos == std::string_view::npos) return {};
  pos = body.find('"', pos + 1);
  if (pos == std::string_view::npos) return {};
  std::string out;
  for (size_t i = pos + 1; i < body.size() && body[i] != '"'; ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      ++i;
      if (body[i] == 'u' && i + 4 < body.size() && body.substr(i + 1, 4) == "0026") {
        out += '&';
        i += 4;
      } else {
        out += body[i];
      }
    } else {
      out += body[i];
    }
  }
  return out;
}

bool has_empty_statements(std::string_view body) {
  size_t pos = body.find("\"statements\"");
  if (pos == std::string_view::npos) return false;
  pos = body.find('[', pos);
  if (pos == std::string_view::npos) return false;
  pos = body.find_first_not_of(" \t\r\n", pos + 1);
  return pos != std::string_view::npos && body[pos] == ']';
}

//----------------------------------------------------------------------------------------------
// State documents: a pool of activities x agents x stateIds, as a SCORM-like course player keeps
// them (the registration is fixed per agent). Key k maps to activity k % A, agent (k / A) % G and
// stateId k / (A * G); connection i only touches keys with k % conns == i, so the ETag each
// connection remembers stays right (no 412s from another connection's write).

constexpr int kStateActivities = 50;  // the first SCO of each course
constexpr int kStateAgents = 100;
const std::array<const char*, 4> kStateIds = {"suspend_data", "bookmark", "progress",
                                              "preferences"};
constexpr int kStateKeys = kStateActivities * kStateAgents * 4;

// The query string of key k (without the leading '?').
std::string state_query(const Pools& pools, int k) {
  int activity = k % kStateActivities;
  int agent = (k / kStateActivities) % kStateAgents;
  int state = k / (kStateActivities * kStateAgents);
  // Activity i is SCO i of course i % 50, so activities 0..49 are one SCO in each course.
  return "activityId=" + url_encode(pools.activities[activity].id) +
         "&agent=" + url_encode(pools.actors[agent].agent_json) +
         "&registration=" + pools.registrations[agent % pools.registrations.size()] +
         "&stateId=" + kStateIds[state];
}

// A full document (PUT): ~450 bytes of JSON, like a SCORM suspend_data blob plus a bookmark.
std::string state_document(Rng& rng) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string data;
  for (int i = 0; i < 320; ++i) data += kChars[rng.below(sizeof kChars - 1)];
  int page = static_cast<int>(rng.below(40));
  return R"({"suspend_data":")" + data + R"(","location":"page-)" + std::to_string(page) +
         R"(","completion_status":"incomplete","score":{"raw":)" + std::to_string(rng.below(101)) +
         R"(},"savedAt":")" + iso_timestamp(std::chrono::system_clock::now()) + "\"}";
}

// A partial update (POST, merged into the stored object).
std::string state_patch(Rng& rng) {
  return R"({"location":"page-)" + std::to_string(rng.below(40)) + R"(","progress":)" +
         fmt_fraction(rng.below(101)) + R"(,"savedAt":")" +
         iso_timestamp(std::chrono::system_clock::now()) + "\"}";
}

//----------------------------------------------------------------------------------------------
// A blocking HTTP/1.1 keep-alive client over one TCP socket.

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string host_header;  // host[:port]
  std::string base_path;    // e.g. /xapi (no trailing slash)
};

std::optional<Endpoint> resolve_endpoint(const std::string& url, std::string& error) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    error = "only http:// URLs are supported: " + url;
    return std::nullopt;
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Endpoint ep;
  ep.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  ep.host_header = authority;
  std::string host = authority;
  std::string port = "80";
  if (size_t colon = authority.rfind(':');
      colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return std::nullopt;
  }
  std::memcpy(&ep.addr, res->ai_addr, res->ai_addrlen);
  ep.addr_len = static_cast<socklen_t>(res->ai_addrlen);
  freeaddrinfo(res);
  return ep;
}

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string etag;  // the ETag header, "" when absent
};

class HttpConnection {
 public:
  HttpConnection(const Endpoint& ep, const Options& opt) : ep_(ep) {
    fixed_headers_ = "Host: " + ep.host_header + "\r\nAuthorization: Basic " + base64(opt.user) +
                     "\r\nX-Experience-API-Version: " + opt.xapi_version +
                     "\r\nUser-Agent: lrs-load\r\nConnection: keep-alive\r\n";
  }
  ~HttpConnection() { close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request and reads the whole response. False on a transport failure (`error` says
  // why). A request on a reused connection that the server had already closed is retried once.
  // `extra_headers` are complete header lines, each ending in \r\n.
  bool request(std::string_view method, std::string_view target, std::string_view body,
               HttpResponse& out, std::string& error, std::string_view extra_headers = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = fd_ >= 0;
      if (!reused && !connect(error)) return false;
      bool received_any = false;
      if (send_request(method, target, body, extra_headers, error) &&
          read_response(out, received_any, error)) {
        return true;
      }
      close();
      if (!reused || received_any) return false;
    }
    return false;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  bool connect(std::string& error) {
    fd_ = ::socket(ep_.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{};
    tv.tv_sec = 120;  // a 500-statement batch on a slow server can take a while
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&ep_.addr), ep_.addr_len) != 0) {
      error = std::string("connect: ") + std::strerror(errno);
      close();
      return false;
    }
    return true;
  }

  bool send_request(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view extra_headers, std::string& error) {
    std::string head;
    head.reserve(256 + body.size());
    head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n").append(fixed_headers_);
    head.append(extra_headers);
    if (method == "POST" || method == "PUT") {
      head.append("Content-Type: application/json\r\nContent-Length: ")
          .append(std::to_string(body.size()))
          .append("\r\n");
    }
    head.append("\r\n").append(body);
    size_t sent = 0;
    while (sent < head.size()) {
      ssize_t n = ::send(fd_, head.data() + sent, head.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = std::string("send: ") + std::strerror(errno);
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Appends more bytes to buf_; false on EOF or error.
  bool fill(std::string& error) {
    char chunk[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      error = n == 0 ? "connection closed by server" : std::string("recv: ") + std::strerror(errno);
      return false;
    }
  }

  bool read_response(HttpResponse& out, bool& received_any, std::string& error) {
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(error)) return false;
      received_any = true;
    }
    received_any = true;
    std::string_view head(buf_.data(), header_end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
      error = "malformed status line";
      return false;
    }
    out.status = std::atoi(std::string(head.substr(9, 3)).c_str());
    int64_t content_length = -1;
    bool chunked = false;
    out.etag.clear();
    bool keep_alive = head.substr(5, 3) == "1.1";
    size_t line = head.find("\r\n");
    while (line != std::string_view::npos && line < head.size()) {
      size_t next = head.find("\r\n", line + 2);
      std::string_view h =
          head.substr(line + 2, (next == std::string_view::npos ? head.size() : next) - line - 2);
      size_t colon = h.find(':');
      if (colon != std::string_view::npos) {
        std::string name(h.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value(h.substr(colon + 1));
        value.erase(0, value.find_first_not_of(" \t"));
        std::string lower = value;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "content-length") {
          content_length = std::atoll(value.c_str());
        } else if (name == "transfer-encoding" && lower.find("chunked") != std::string::npos) {
          chunked = true;
        } else if (name == "etag") {
          out.etag = value;
        } else if (name == "connection") {
          if (lower.find("close") != std::string::npos) keep_alive = false;
          if (lower.find("keep-alive") != std::string::npos) keep_alive = true;
        }
      }
      line = next;
    }
    buf_.erase(0, header_end + 4);
    out.body.clear();
    bool no_body = out.status == 204 || out.status == 304 || out.status / 100 == 1;
    if (no_body) {
      content_length = 0;
    }
    if (chunked && !no_body) {
      if (!read_chunked(out.body, error)) return false;
    } else if (content_length >= 0) {
      while (buf_.size() < static_cast<size_t>(content_length)) {
        if (!fill(error)) return false;
      }
      out.body.assign(buf_, 0, static_cast<size_t>(content_length));
      buf_.erase(0, static_cast<size_t>(content_length));
    } else {
      std::string ignored;
      while (fill(ignored)) {
      }
      out.body.swap(buf_);
      keep_alive = false;
    }
    if (!keep_alive) close();
    return true;
  }

  bool read_chunked(std::string& body, std::string& error) {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!fill(error)) return false;
      }
      size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
      buf_.erase(0, eol + 2);
      if (size == 0) {
        // Trailer section: zero or more header lines, then an empty line.
        for (;;) {
          while ((eol = buf_.find("\r\n")) == std::string::npos) {
            if (!fill(error)) return false;
          }
          buf_.erase(0, eol + 2);
          if (eol == 0) return true;
        }
      }
      while (buf_.size() < size + 2) {
        if (!fill(error)) return false;
      }
      body.append(buf_, 0, size);
      buf_.erase(0, size + 2);
    }
  }

  const Endpoint& ep_;
  std::string fixed_headers_;
  std::string buf_;
  int fd_ = -1;
};

//----------------------------------------------------------------------------------------------
// Workers and statistics.

struct KindStats {
  std::vector<double> latency_ms;
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t empty = 0;  // GETs whose statements array was empty; state GETs answered 404
};

struct Shared {
  Shared(const Options& o, const Pools& p, const Endpoint& e, Clock::time_point start)
      : opt(o),
        pools(p),
        ep(e),
        deadline(start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(o.duration_s))),
        has_deadline(o.duration_s > 0) {}

  const Options& opt;
  const Pools& pools;
  const Endpoint& ep;
  Clock::time_point deadline;
  bool has_deadline;
  std::atomic<int64_t> reserved{0};    // statements handed out (count mode)
  std::atomic<int64_t> statements{0};  // statements acknowledged with 2xx
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> errors{0};
  std::mutex error_mutex;
  std::vector<std::string> error_samples;

  void record_error(const std::string& what) {
    std::lock_guard lock(error_mutex);
    if (static_cast<int>(error_samples.size()) < opt.max_error_bodies) {
      error_samples.push_back(what.size() > 400 ? what.substr(0, 400) + "..." : what);
    }
  }
  bool should_stop() const {
    return g_interrupted.load(std::memory_order_relaxed) ||
           (has_deadline && Clock::now() >= deadline);
  }
};

class Worker {
 public:
  Worker(Shared& shared, int index)
      : shared_(shared),
        conn_(shared.ep, shared.opt),
        index_(index),
        choice_(shared.opt.seed * 1000003 + static_cast<uint64_t>(index) + 1),
        ids_(std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32) ^
             static_cast<uint64_t>(Clock::now().time_since_epoch().count()) ^
             (static_cast<uint64_t>(index) << 48)) {}

  void run() {
    const Options& opt = shared_.opt;
    bool post_only = opt.mode == "post" || opt.mode == "seed";
    bool get_only = opt.mode == "get";
    bool docs = opt.mode == "docs";
    while (!shared_.should_stop() && consecutive_failures_ < 5) {
      if (docs) {
        do_one_document_op();
        continue;
      }
      double r = post_only || get_only ? 0 : choice_.unit();
      if (!post_only && !get_only && r < opt.state_share) {
        state_post(pick_state_key());
      } else if (get_only || (!post_only && r < opt.state_share + opt.get_share)) {
        if (!do_one_get()) break;
      } else {
        if (!do_one_post()) break;
      }
    }
    if (consecutive_failures_ >= 5) {
      std::fprintf(stderr, "lrs-load: connection gave up after repeated transport failures\n");
    }
  }

  const std::array<KindStats, kKindCount>& stats() const { return stats_; }

 private:
  // Returns false when the count limit is reached.
  bool do_one_post() {
    int n = shared_.opt.batch;
    if (shared_.opt.count > 0) {
      int64_t start = shared_.reserved.fetch_add(n);
      if (start >= shared_.opt.count) return false;
      n = static_cast<int>(std::min<int64_t>(n, shared_.opt.count - start));
    }
    std::string body = make_batch(n, shared_.pools, choice_, ids_);
    HttpResponse resp;
    if (timed(kPost, "POST", shared_.ep.base_path + "/statements", body, resp)) {
      shared_.statements.fetch_add(n, std::memory_order_relaxed);
    }
    return true;
  }

  bool do_one_get() {
    auto kind = static_cast<Kind>(kFirstGetKind + choice_.below(kLastGetKind - kFirstGetKind + 1));
    std::string target =
        shared_.ep.base_path + "/statements?" + make_query(kind, shared_.pools, choice_);
    HttpResponse resp;
    if (!timed(kind, "GET", target, "", resp)) return true;
    std::string more = find_more(resp.body);
    if (!more.empty() && choice_.unit() < shared_.opt.more_share && !shared_.should_stop()) {
      timed(kMore, "GET", more_target(more), "", resp);
    }
    return true;
  }

  // State documents. What this connection knows of each of its keys.
  struct DocState {
    enum { kUnknown, kAbsent, kExists } kind = kUnknown;
    std::string etag;  // when kExists: "" if the last write's answer carried none
  };

  int pick_state_key() {
    int conns = shared_.opt.conns;
    int owned = (kStateKeys - index_ + conns - 1) / conns;
    if (owned <= 0) return static_cast<int>(choice_.below(kStateKeys));
    return index_ + conns * static_cast<int>(choice_.below(static_cast<uint64_t>(owned)));
  }

  std::string state_target(int k) const {
    return shared_.ep.base_path + "/activities/state?" + state_query(shared_.pools, k);
  }

  // docs mode: 30% GET, 30% PUT, 40% POST (merge) on one key of this connection's pool.
  void do_one_document_op() {
    int k = pick_state_key();
    double r = choice_.unit();
    if (r < 0.3) {
      state_get(k);
    } else if (r < 0.6) {
      state_put(k);
    } else {
      state_post(k);
    }
  }

  // GET one document; a 404 is a normal answer (a key never written), counted as `empty`.
  void state_get(int k) {
    HttpResponse resp;
    DocState& d = docs_[k];
    if (timed(kStateGet, "GET", state_target(k), "", resp, {}, true)) {
      d.kind = DocState::kExists;
      d.etag = resp.etag;
    } else if (resp.status == 404) {
      d.kind = DocState::kAbsent;
      d.etag.clear();
    }
  }

  // PUT the whole document with a precondition, as xAPI 2.0 requires for an existing State
  // document: If-None-Match: * when it is known to be absent, If-Match with the ETag of the last
  // read (or write, when the server returns one) otherwise. Without a known ETag, read first.
  void state_put(int k) {
    DocState& d = docs_[k];
    if (d.kind == DocState::kUnknown || (d.kind == DocState::kExists && d.etag.empty())) {
      state_get(k);
      if (d.kind == DocState::kUnknown || (d.kind == DocState::kExists && d.etag.empty())) return;
      if (shared_.should_stop()) return;
    }
    std::string header =
        d.kind == DocState::kAbsent ? "If-None-Match: *\r\n" : "If-Match: " + d.etag + "\r\n";
    HttpResponse resp;
    if (timed(kStatePut, "PUT", state_target(k), state_document(choice_), resp, header)) {
      d.kind = DocState::kExists;
      d.etag = resp.etag;
    } else {
      d.kind = DocState::kUnknown;
      d.etag.clear();
    }
  }

  // POST a partial JSON object, merged into the stored one; needs no precondition.
  void state_post(int k) {
    HttpResponse resp;
    bool ok = timed(kStatePost, "POST", state_target(k), state_patch(choice_), resp);
    auto it = docs_.find(k);
    if (it == docs_.end() && !ok) return;
    DocState& d = docs_[k];
    d.kind = ok ? DocState::kExists : DocState::kUnknown;
    d.etag = ok ? resp.etag : std::string();
  }

  std::string more_target(const std::string& more) const {
    if (more.rfind("http://", 0) == 0 || more.rfind("https://", 0) == 0) {
      size_t slash = more.find('/', more.find("//") + 2);
      return slash == std::string::npos ? "/" : more.substr(slash);
    }
    if (!more.empty() && more.front() == '/') return more;
    return shared_.ep.base_path + "/" + more;
  }

  // Issues one request and records it; true when the answer was 2xx.
  // With `allow_404`, a 404 is recorded as `empty`, not as an error (and false is returned).
  bool timed(Kind kind, std::string_view method, const std::string& target, std::string_view body,
             HttpResponse& resp, std::string_view extra_headers = {}, bool allow_404 = false) {
    KindStats& ks = stats_[kind];
    std::string error;
    resp.status = 0;
    auto t0 = Clock::now();
    bool ok = conn_.request(method, target, body, resp, error, extra_headers);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ++ks.requests;
    shared_.requests.fetch_add(1, std::memory_order_relaxed);
    if (!ok) {
      ++ks.errors;
      shared_.errors.fetch_add(1, std::memory_order_relaxed);
      shared_.record_error(std::string(method) + " " + target.substr(0, 120) +
                           " -> transport error: " + error);
      ++consecutive_failures_;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return false;
    }
    consecutive_failures_ = 0;
    ks.latency_ms.push_back(ms);
    if (allow_404 && resp.status == 404) {
      ++ks.empty;
      return false;
    }
    if (resp.status / 100 != 2) {
      ++ks.errors;
      shared_.errors.fetch_add(1, std::memory_order_relaxed);
      shared_.record_error(std::string(method) + " " + target.substr(0, 120) + " -> HTTP " +
                           std::to_string(resp.status) + ": " + resp.body);
      return false;
    }
    if (method == "GET" && is_statement_get(kind) && has_empty_statements(resp.body)) ++ks.empty;
    return true;
  }

  Shared& shared_;
  HttpConnection conn_;
  int index_;
  Rng choice_;
  Rng ids_;
  std::array<KindStats, kKindCount> stats_;
  std::unordered_map<int, DocState> docs_;
  int consecutive_failures_ = 0;
};

struct Summary {
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t empty = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles; sorts `v`.
Summary summarize(std::vector<double>& v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(i, 1, v.size()) - 1];
  };
  s.p50 = rank(0.50);
  s.p90 = rank(0.90);
  s.p99 = rank(0.99);
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

std::string json_escape(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out;
}

std::string fmt(const char* format, double v) {
  char out[64];
  std::snprintf(out, sizeof out, format, v);
  return out;
}

std::string latency_json(const Summary& s) {
  return "\"p50_ms\":" + fmt("%.3f", s.p50) + ",\"p90_ms\":" + fmt("%.3f", s.p90) +
         ",\"p99_ms\":" + fmt("%.3f", s.p99) + ",\"max_ms\":" + fmt("%.3f", s.max) +
         ",\"mean_ms\":" + fmt("%.3f", s.mean);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) {
    print_usage();
    return 2;
  }
  const Options& opt = *parsed;
  std::string error;
  auto ep = resolve_endpoint(opt.url, error);
  if (!ep) {
    std::fprintf(stderr, "lrs-load: %s\n", error.c_str());
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  Pools pools = make_pools(opt.seed);
  {
    Rng probe(1), probe_ids(2);
    std::string sample = make_batch(1, pools, probe, probe_ids);
    std::printf("lrs-load %s: url=%s conns=%d batch=%d duration=%s count=%lld (statement ~%zu B)\n",
                opt.mode.c_str(), opt.url.c_str(), opt.conns, opt.batch,
                opt.duration_s > 0 ? fmt("%.0fs", opt.duration_s).c_str() : "-",
                static_cast<long long>(opt.count), sample.size());
    std::fflush(stdout);
  }

  auto start = Clock::now();
  Shared shared(opt, pools, *ep, start);
  std::vector<std::unique_ptr<Worker>> workers;
  workers.reserve(static_cast<size_t>(opt.conns));
  for (int i = 0; i < opt.conns; ++i) workers.push_back(std::make_unique<Worker>(shared, i));
  std::vector<std::thread> threads;
  std::atomic<int> running{opt.conns};
  for (auto& w : workers) {
    threads.emplace_back([&w, &running] {
      w->run();
      running.fetch_sub(1);
    });
  }

  // Progress on stderr so stdout stays parseable.
  auto last_report = start;
  int64_t last_statements = 0, last_requests = 0;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (opt.progress_s > 0 && seconds_since(last_report) >= opt.progress_s) {
      double dt = seconds_since(last_report);
      last_report = Clock::now();
      int64_t st = shared.statements.load(), rq = shared.requests.load();
      std::fprintf(stderr,
                   "  [%6.1fs] statements=%lld (%.0f/s) requests=%lld (%.0f/s) errors=%lld\n",
                   seconds_since(start), static_cast<long long>(st),
                   static_cast<double>(st - last_statements) / dt, static_cast<long long>(rq),
                   static_cast<double>(rq - last_requests) / dt,
                   static_cast<long long>(shared.errors.load()));
      last_statements = st;
      last_requests = rq;
    }
  }
  for (auto& t : threads) t.join();
  double elapsed = seconds_since(start);

  // Merge per-worker statistics.
  std::array<std::vector<double>, kKindCount> lat;
  std::array<Summary, kKindCount> kinds{};
  std::vector<double> all, gets;
  for (const auto& w : workers) {
    for (int k = 0; k < kKindCount; ++k) {
      const KindStats& ks = w->stats()[k];
      lat[k].insert(lat[k].end(), ks.latency_ms.begin(), ks.latency_ms.end());
      kinds[k].requests += ks.requests;
      kinds[k].errors += ks.errors;
      kinds[k].empty += ks.empty;
    }
  }
  for (int k = 0; k < kKindCount; ++k) {
    all.insert(all.end(), lat[k].begin(), lat[k].end());
    if (is_statement_get(k)) gets.insert(gets.end(), lat[k].begin(), lat[k].end());
    Summary s = summarize(lat[k]);
    s.requests = kinds[k].requests;
    s.errors = kinds[k].errors;
    s.empty = kinds[k].empty;
    kinds[k] = s;
  }
  Summary overall = summarize(all);
  Summary get_overall = summarize(gets);

  int64_t statements = shared.statements.load();
  int64_t requests = shared.requests.load();
  int64_t errors = shared.errors.load();
  double st_rate = static_cast<double>(statements) / elapsed;
  double rq_rate = static_cast<double>(requests) / elapsed;

  std::printf("  elapsed %.2fs  statements %lld (%.1f/s)  requests %lld (%.1f/s)  errors %lld\n",
              elapsed, static_cast<long long>(statements), st_rate,
              static_cast<long long>(requests), rq_rate, static_cast<long long>(errors));
  std::printf("  %-18s %8s %8s %6s %6s %9s %9s %9s %9s\n", "kind", "requests", "req/s", "errors",
              "empty", "p50 ms", "p90 ms", "p99 ms", "max ms");
  auto row = [elapsed](const char* name, const Summary& s) {
    std::printf("  %-18s %8lld %8.1f %6lld %6lld %9.2f %9.2f %9.2f %9.2f\n", name,
                static_cast<long long>(s.requests), static_cast<double>(s.requests) / elapsed,
                static_cast<long long>(s.errors), static_cast<long long>(s.empty), s.p50, s.p90,
                s.p99, s.max);
  };
  for (int k = 0; k < kKindCount; ++k) {
    if (kinds[k].requests > 0) row(kKindNames[k], kinds[k]);
  }
  Summary total = overall;
  total.requests = requests;
  total.errors = errors;
  for (const auto& k : kinds) total.empty += k.empty;
  row("all", total);
  if (!shared.error_samples.empty()) {
    std::printf("  first errors:\n");
    for (const auto& e : shared.error_samples) std::printf("    %s\n", e.c_str());
  }

  std::string json =
      "{\"mode\":\"" + opt.mode + "\",\"label\":\"" + json_escape(opt.label) + "\",\"url\":\"" +
      json_escape(opt.url) + "\",\"conns\":" + std::to_string(opt.conns) +
      ",\"batch\":" + std::to_string(opt.batch) + ",\"elapsed_s\":" + fmt("%.3f", elapsed) +
      ",\"statements\":" + std::to_string(statements) +
      ",\"requests\":" + std::to_string(requests) + ",\"errors\":" + std::to_string(errors) +
      ",\"statements_per_s\":" + fmt("%.1f", st_rate) +
      ",\"requests_per_s\":" + fmt("%.1f", rq_rate) + "," + latency_json(overall);
  if (opt.mode == "docs") {
    // Per kind, like `get` in the statement modes: "get" is the document GETs here.
    json += ",\"get\":{" + latency_json(kinds[kStateGet]) + "},\"put\":{" +
            latency_json(kinds[kStatePut]) + "},\"post\":{" + latency_json(kinds[kStatePost]) + "}";
  }
  if (opt.mode == "get" || opt.mode == "mixed" || opt.mode == "docs") {
    if (opt.mode != "docs") json += ",\"get\":{" + latency_json(get_overall) + "}";
    json += ",\"kinds\":{";
    bool first = true;
    for (int k = 0; k < kKindCount; ++k) {
      if (kinds[k].requests == 0) continue;
      if (!first) json += ',';
      first = false;
      json += std::string("\"") + kKindNames[k] +
              "\":{\"requests\":" + std::to_string(kinds[k].requests) +
              ",\"errors\":" + std::to_string(kinds[k].errors) +
              ",\"empty\":" + std::to_string(kinds[k].empty) + ",\"requests_per_s\":" +
              fmt("%.1f", static_cast<double>(kinds[k].requests) / elapsed) + "," +
              latency_json(kinds[k]) + "}";
    }
    json += '}';
  }
  json += '}';
  std::printf("%s\n", json.c_str());
  if (requests == 0) return 1;
  return errors == 0 ? 0 : 1;
}

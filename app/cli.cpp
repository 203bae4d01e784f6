#include "cli.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/import_handler.h"
#include "connectors/import_job.h"
#include "connectors/url_pull.h"
#include "export_puller.h"
#include "http_server.h"
#include "lrs/admin_handler.h"
#include "lrs/auth.h"
#include "lrs/clock.h"
#include "lrs/document_service.h"
#include "lrs/person_admin_handler.h"
#include "lrs/person_service.h"
#include "lrs/postgres_database.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_service.h"
#include "lrs/timestamp.h"
#include "lrs/xapi_handler.h"
#include "player/packages.h"
#include "player/player_handler.h"
#include "player/relay_handler.h"
#include "player/wrap.h"
#include <unistd.h>

namespace app {
namespace {

constexpr const char* kDefaultDb = "sqlite:./var/lrsbridge.db";
constexpr const char* kDefaultDataDir = "./var/packages";
constexpr const char* kUsage = R"(usage: lrsbridge <command> [options]

commands:
  serve                     run the LRS over HTTP
      --listen HOST:PORT      address to listen on (default 127.0.0.1:8080; port 0 picks one)
      --db URL                database (default sqlite:./var/lrsbridge.db), or
                              postgresql://USER:PASSWORD@HOST:PORT/DB to share one
                              PostgreSQL among several lrsbridge processes
      --db-connections N      PostgreSQL connections per process (default: --workers)
      --public-url URL        base URL printed for clients (default http://HOST:PORT)
      --workers N             request worker threads (default 8)
      --body-limit BYTES      largest request body (default 16777216)
      --timeout SECONDS       drop a connection that takes longer to send a request or
                              read a response, or idles between requests (default 30)
      --no-access-log         do not log each request to stderr
      --default-xapi-version V  version answered to requests without a version header
                              (2.0.0 or 1.0.3; default 2.0.0)
      --data-dir DIR          extracted SCORM packages (default ./var/packages); with
                              PostgreSQL, a folder every process shares
      --web-dir DIR           browser assets; scorm-again is read from
                              DIR/node_modules/scorm-again/dist (default: the source tree's web/)
  package import COURSE.zip import a SCORM package and print it as JSON
      --db URL --data-dir DIR as for serve
  wrap COURSE.zip           make a SCORM zip for an LMS that also reports to this bridge
                            (imports the package like package import; prints a summary)
      --bridge-url URL        this bridge as the learners' browsers reach it (required)
      --lms-url URL           the LMS base URL: learners' account homePage, and the only
                              origin allowed to call the relay (required)
      -o OUT.zip              where to write the wrapped zip (required)
      --db URL --data-dir DIR as for serve
  credentials add           create a credential and print its key and secret
      --scopes "S1 S2"        xAPI scopes (default "all"): all, all/read, statements/write,
                              statements/read, statements/read/mine, state, define, profile
      --label TEXT            a note for people
      --key KEY --secret S    choose them instead of generating them
  credentials list          list credentials (never their secrets)
  credentials revoke KEY    revoke a credential
  persons link AGENT AGENT...  record that these Agents are one person, so GET /xapi/agents
                            lists all their identifiers; AGENT is Agent JSON like
                            '{"account":{"homePage":"https://lms.example.org","name":"42"}}'
                            or a mailto: IRI; prints the person
  persons list              list persons and their linked agents (JSON lines)
  persons show ID|AGENT     one person, by id or by one of its agents
  persons unlink ID [AGENT] dissolve a person, or take one agent out of it
      --db URL                as for serve
  import FILE               import an LMS export (CSV) as xAPI statements; prints a summary
      --lms-url URL           the LMS base URL, home page of the learners' accounts (required)
      --format NAME           auto (default), moodle-course-completion,
                              moodle-activity-completion, moodle-gradebook, canvas-gradebook,
                              openedx-grade-report, blackboard-grade-center, sakai-gradebook
      --mapping MAP.json      describe another LMS's columns (see examples/lms-exports/mappings)
      --tz ZONE               zone of the export's dates (Europe/Madrid, +02:00, UTC); Moodle
                              exports need it
      --course KEY            course key for the activity IRIs (default: from the file name)
      --course-name TEXT      the course's display name
      --date-format FMT       date pattern of a translated export (like %d.%m.%Y %H:%M)
      --export-time ISO       when the export was made, for rows without a date
      --use-email             identify learners by email (mbox) when the export has one
      --dry-run               read and check everything, store nothing
      --db URL                as for serve
  import jobs               list import jobs
  import quarantine JOB     list the rows of a job that could not be imported
      --csv                   as CSV (job, line, reason, row, resolved)
      --all                   include rows a retry imported since
  import retry JOB          import a job's quarantined rows again; --lms-url, --tz,
                            --date-format, --mapping, --course, --use-email replace the job's
  watch DIR                 import every complete file dropped in DIR, then move it to
                            DIR/processed/ (or DIR/failed/ with a .error.txt); import options
                            as above
      --interval SECONDS      how often to look (default 5)
      --settle SECONDS        a file is complete when unchanged this long (default 2)
      --once                  import what is there (pulling each URL once) and exit;
                              exit status 1 when a pull failed
      --pull URL              also fetch this HTTPS URL every period and import it when it
                              changed (repeat for several URLs); the download lands in DIR
                              as <name>.pulled-<fetch time>.<ext> once complete
      --every PERIOD          how often to pull (30s, 15m, 1h, 1h30m, 1d); needed with --pull
      --pull-header "N: V"    send this header (like Authorization) to the pulled URLs'
                              own host; repeatable
      --ca-file PEM           trust these CAs for the pulled URLs instead of the system's
      --allow-http            allow plain http:// URLs (exports then travel unencrypted)
      --pull-timeout SECONDS  give up a fetch that makes no progress this long (default 60)
  version                   print the version

environment:
  LRSBRIDGE_ADMIN=key:secret  `serve` makes sure this credential exists with scope all
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--name" -> last value ("" for flags)
  std::map<std::string, std::vector<std::string>> repeated;  // "--name" -> every value
};

const std::vector<std::string> kFlags = {"--no-access-log", "--dry-run", "--use-email", "--csv",
                                         "--all",           "--once",    "--allow-http"};

std::optional<Args> parse_args(int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0 || a == "-o") {  // -o OUT: the one short option (wrap)
      if (auto eq = a.find('='); eq != std::string::npos) {
        args.options[a.substr(0, eq)] = a.substr(eq + 1);
        args.repeated[a.substr(0, eq)].push_back(a.substr(eq + 1));
      } else if (std::find(kFlags.begin(), kFlags.end(), a) != kFlags.end()) {
        args.options[a] = "";
      } else if (i + 1 < argc) {
        args.options[a] = argv[++i];
        args.repeated[a].push_back(argv[i]);
      } else {
        std::fprintf(stderr, "lrsbridge: option %s needs a value\n", a.c_str());
        return std::nullopt;
      }
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

bool check_known(const Args& args, const std::vector<std::string>& known) {
  for (const auto& [name, value] : args.options) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::fprintf(stderr, "lrsbridge: unknown option %s (see lrsbridge --help)\n", name.c_str());
      return false;
    }
  }
  return true;
}

std::string option(const Args& args, const std::string& name, const std::string& fallback) {
  auto it = args.options.find(name);
  return it == args.options.end() ? fallback : it->second;
}

// How a command uses the database: the server keeps SQLite's big writer page cache (its
// writer touches index pages all over the file); a batch import trades a little speed
// for staying small (~30 MB less at 1M rows).
enum class DatabaseUse { kServer, kBatchImport };

// `pool_size`: PostgreSQL connections for reads and small writes (--db-connections).
lrs::Result<std::unique_ptr<lrs::Database>> open_database(const std::string& url, int pool_size = 8,
                                                          DatabaseUse use = DatabaseUse::kServer) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.empty()) return lrs::fail(lrs::ErrorCode::kInvalid, "--db sqlite: needs a file path");
    if (path != ":memory:") {
      std::filesystem::path parent = std::filesystem::path(path).parent_path();
      std::error_code ec;
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      if (ec) {
        return lrs::fail(lrs::ErrorCode::kInternal,
                         "cannot create directory " + parent.string() + ": " + ec.message());
      }
    }
    lrs::SqliteOptions options;
    options.path = path;
    if (use == DatabaseUse::kBatchImport) options.writer_cache_mb = 32;
    return lrs::open_sqlite_database(options);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    lrs::PostgresOptions options;
    options.url = url;
    options.connections = pool_size;
    return lrs::open_postgres_database(options);
  }
  return lrs::fail(
      lrs::ErrorCode::kInvalid,
      "--db " + url + ": unknown database URL (expected sqlite:PATH or postgresql://USER@HOST/DB)");
}

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> scopes;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == ',') {
      if (!current.empty()) scopes.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) scopes.push_back(current);
  return scopes;
}

int report(const lrs::Error& e) {
  std::fprintf(stderr, "lrsbridge: %s\n", e.message.c_str());
  return 1;
}

// LRSBRIDGE_ADMIN=key:secret: scripted set-ups get a known admin credential.
lrs::Result<void> ensure_admin(lrs::CredentialStore& credentials) {
  const char* env = std::getenv("LRSBRIDGE_ADMIN");
  if (env == nullptr || *env == '\0') return {};
  std::string value = env;
  auto colon = value.find(':');
  if (colon == std::string::npos) {
    return lrs::fail(lrs::ErrorCode::kInvalid, "LRSBRIDGE_ADMIN must be key:secret");
  }
  std::string key = value.substr(0, colon);
  std::string secret = value.substr(colon + 1);
  // Processes sharing a database may start together: when another one adds the
  // credential first, the second pass checks the one it added.
  for (int pass = 0;; ++pass) {
    auto found = credentials.find(key);
    if (!found) return tl::unexpected(found.error());
    if (*found) {
      if ((*found)->revoked) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "LRSBRIDGE_ADMIN: credential " + key + " is revoked");
      }
      if (!lrs::verify_secret(secret, (*found)->secret_hash)) {
        return lrs::fail(lrs::ErrorCode::kInvalid,
                         "LRSBRIDGE_ADMIN: credential " + key +
                             " exists with another secret; revoke it or choose another key");
      }
      return {};
    }
    auto credential = lrs::make_credential(key, secret, {"all"}, "admin (LRSBRIDGE_ADMIN)");
    if (!credential) return tl::unexpected(credential.error());
    auto added = credentials.add(*credential);
    if (added || added.error().code != lrs::ErrorCode::kConflict || pass > 0) return added;
  }
}

int cmd_serve(const Args& args) {
  if (!check_known(args, {"--listen", "--db", "--public-url", "--workers", "--body-limit",
                          "--no-access-log", "--default-xapi-version", "--timeout", "--data-dir",
                          "--web-dir", "--db-connections"})) {
    return 2;
  }
  HttpServerOptions options;
  int db_connections = 8;
  std::string listen = option(args, "--listen", "127.0.0.1:8080");
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "lrsbridge: --listen must be HOST:PORT, got %s\n", listen.c_str());
    return 2;
  }
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<std::uint16_t>(port);
    options.worker_threads = std::stoi(option(args, "--workers", "8"));
    db_connections =
        std::stoi(option(args, "--db-connections", std::to_string(options.worker_threads)));
    if (db_connections < 1) throw std::out_of_range("db-connections");
    options.body_limit =
        std::stoull(option(args, "--body-limit", std::to_string(options.body_limit)));
    options.idle_timeout = std::chrono::seconds(std::stoi(option(args, "--timeout", "30")));
    if (options.idle_timeout.count() < 1) throw std::out_of_range("timeout");
  } catch (const std::exception&) {
    std::fprintf(stderr,
                 "lrsbridge: bad number in --listen, --workers, --db-connections, --body-limit "
                 "or --timeout\n");
    return 2;
  }
  options.access_log = args.options.count("--no-access-log") == 0;

  auto db = open_database(option(args, "--db", kDefaultDb), db_connections);
  if (!db) return report(db.error());
  if (auto ok = ensure_admin((*db)->credentials()); !ok) return report(ok.error());

  lrs::Authenticator auth((*db)->credentials());
  lrs::StatementService statements((*db)->statements(), lrs::StatementServiceOptions{});
  lrs::XapiHandlerOptions xapi_options;
  xapi_options.default_version = option(args, "--default-xapi-version", "2.0.0");
  if (xapi_options.default_version != "2.0.0" && xapi_options.default_version != "1.0.3") {
    std::fprintf(stderr, "lrsbridge: --default-xapi-version must be 2.0.0 or 1.0.3\n");
    return 2;
  }
  lrs::DocumentService documents((*db)->documents(), (*db)->statements(), (*db)->persons());
  lrs::XapiHandler xapi(statements, auth, xapi_options, &documents);
  lrs::AdminHandler admin((*db)->credentials(), auth);
  lrs::PersonService persons((*db)->persons(), (*db)->statements());
  lrs::PersonAdminHandler person_admin(persons, auth);
  connectors::ImportHandler imports((*db)->statements(), (*db)->imports(), auth, &(*db)->persons());
  player::PlayerOptions player_options;
  player_options.data_dir = option(args, "--data-dir", kDefaultDataDir);
  player_options.web_dir = option(args, "--web-dir", LRS_DEFAULT_WEB_DIR);
  player_options.public_url = option(args, "--public-url", "");
  std::unique_ptr<player::PlayerHandler> scorm_player;
  std::unique_ptr<player::RelayHandler> relay;
  try {
    scorm_player = std::make_unique<player::PlayerHandler>((*db)->player(), auth, player_options);
    relay = std::make_unique<player::RelayHandler>((*db)->player(), auth,
                                                   player::RelayOptions{player_options.public_url},
                                                   &(*db)->documents());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lrsbridge: %s\n", e.what());
    return 1;
  }
  auto handler = [&](const lrs::HttpRequest& request) -> lrs::HttpResponse {
    if (xapi.handles(request.path)) return xapi.handle(request);
    if (relay->handles(request.path)) return relay->handle(request);
    if (scorm_player->handles(request.path)) return scorm_player->handle(request);
    if (admin.handles(request.path)) return admin.handle(request);
    if (person_admin.handles(request.path)) return person_admin.handle(request);
    if (imports.handles(request.path)) return imports.handle(request);
    if (request.path == "/health") {
      lrs::HttpResponse r;
      r.body = "{\"status\":\"ok\"}";
      r.set_header("Content-Type", "application/json");
      return r;
    }
    return lrs::error_response({lrs::ErrorCode::kNotFound, "nothing at " + request.path});
  };

  std::unique_ptr<HttpServer> server;
  try {
    server = std::make_unique<HttpServer>(options, handler);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lrsbridge: %s\n", e.what());
    return 1;
  }
  std::string base =
      option(args, "--public-url", "http://" + options.host + ":" + std::to_string(server->port()));
  // Tests and scripts read this line to learn the port.
  std::printf("lrsbridge listening on %s:%u\n", options.host.c_str(), server->port());
  std::printf("xAPI endpoint: %s/xapi\n", base.c_str());
  std::fflush(stdout);
  server->run();
  std::printf("lrsbridge stopped\n");
  return 0;
}

int cmd_credentials(const Args& args) {
  if (args.positional.size() < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string& action = args.positional[1];
  if (!check_known(args, {"--db", "--scopes", "--label", "--key", "--secret"})) return 2;
  auto db = open_database(option(args, "--db", kDefaultDb));
  if (!db) return report(db.error());
  lrs::CredentialStore& store = (*db)->credentials();
  if (action == "add") {
    std::string key = option(args, "--key", "");
    if (key.empty()) key = lrs::generate_secret().substr(0, 20);
    std::string secret = option(args, "--secret", "");
    if (secret.empty()) secret = lrs::generate_secret();
    auto credential = lrs::make_credential(
        key, secret, split_scopes(option(args, "--scopes", "all")), option(args, "--label", ""));
    if (!credential) return report(credential.error());
    if (auto ok = store.add(*credential); !ok) return report(ok.error());
    std::printf("key:    %s\nsecret: %s\nscopes: %s\n", key.c_str(), secret.c_str(),
                option(args, "--scopes", "all").c_str());
    return 0;
  }
  if (action == "list") {
    auto all = store.list();
    if (!all) return report(all.error());
    std::printf("%-24s %-8s %-24s %-40s %s\n", "KEY", "STATE", "CREATED", "SCOPES", "LABEL");
    for (const auto& c : *all) {
      std::string scopes;
      for (const auto& s : c.scopes) scopes += (scopes.empty() ? "" : " ") + s;
      std::printf("%-24s %-8s %-24s %-40s %s\n", c.key.c_str(), c.revoked ? "revoked" : "active",
                  lrs::format_timestamp_us(c.created_us).substr(0, 19).c_str(), scopes.c_str(),
                  c.label.c_str());
    }
    return 0;
  }
  if (action == "revoke") {
    if (args.positional.size() != 3) {
      std::fprintf(stderr, "lrsbridge: usage: lrsbridge credentials revoke KEY\n");
      return 2;
    }
    if (auto ok = store.revoke(args.positional[2]); !ok) return report(ok.error());
    std::printf("revoked %s\n", args.positional[2].c_str());
    return 0;
  }
  std::fprintf(stderr, "lrsbridge: unknown credentials action \"%s\" (add, list, revoke)\n",
               action.c_str());
  return 2;
}

// A CLI agent argument: Agent JSON, or a mailto: IRI for the common case.
nlohmann::json agent_argument(const std::string& text) {
  if (text.rfind("mailto:", 0) == 0) return {{"mbox", text}};
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

int cmd_persons(const Args& args) {
  if (args.positional.size() < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string& action = args.positional[1];
  if (!check_known(args, {"--db"})) return 2;
  auto db = open_database(option(args, "--db", kDefaultDb));
  if (!db) return report(db.error());
  lrs::PersonService service((*db)->persons(), (*db)->statements());
  lrs::PersonStore& store = (*db)->persons();
  if (action == "link") {
    nlohmann::json agents = nlohmann::json::array();
    for (std::size_t i = 2; i < args.positional.size(); ++i) {
      agents.push_back(agent_argument(args.positional[i]));
    }
    auto person = service.link(agents, "cli");
    if (!person) return report(person.error());
    std::printf("%s\n", lrs::describe_person(*person).c_str());
    return 0;
  }
  if (action == "list") {
    auto all = store.list();
    if (!all) return report(all.error());
    for (const auto& p : *all) std::printf("%s\n", lrs::describe_person(p).c_str());
    return 0;
  }
  if (action == "show" && args.positional.size() == 3) {
    const std::string& which = args.positional[2];
    std::optional<lrs::PersonRecord> person;
    if (auto by_id = store.find(which); !by_id) {
      return report(by_id.error());
    } else if (*by_id) {
      person = std::move(*by_id);
    } else {
      auto agent = lrs::linkable_agent(agent_argument(which), "agent", "");
      if (!agent) return report(agent.error());
      auto found = store.find_by_agent(agent->key);
      if (!found) return report(found.error());
      person = std::move(*found);
    }
    if (!person) return report({lrs::ErrorCode::kNotFound, "no person " + which});
    std::printf("%s\n", lrs::describe_person(*person).c_str());
    return 0;
  }
  if (action == "unlink" && (args.positional.size() == 3 || args.positional.size() == 4)) {
    const std::string& id = args.positional[2];
    if (args.positional.size() == 3) {
      if (auto ok = store.remove(id); !ok) return report(ok.error());
      std::printf("dissolved person %s\n", id.c_str());
      return 0;
    }
    auto agent = lrs::linkable_agent(agent_argument(args.positional[3]), "agent", "");
    if (!agent) return report(agent.error());
    if (auto ok = store.unlink(id, agent->key); !ok) return report(ok.error());
    std::printf("unlinked %s from person %s\n", agent->key.c_str(), id.c_str());
    return 0;
  }
  std::fprintf(stderr,
               "lrsbridge: usage: lrsbridge persons link AGENT AGENT... | list | show ID|AGENT | "
               "unlink ID [AGENT]\n");
  return 2;
}

int cmd_package(const Args& args) {
  if (args.positional.size() != 3 || args.positional[1] != "import") {
    std::fprintf(stderr,
                 "lrsbridge: usage: lrsbridge package import COURSE.zip [--db URL] "
                 "[--data-dir DIR]\n");
    return 2;
  }
  if (!check_known(args, {"--db", "--data-dir"})) return 2;
  std::ifstream in(args.positional[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "lrsbridge: cannot read %s\n", args.positional[2].c_str());
    return 1;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto db = open_database(option(args, "--db", kDefaultDb));
  if (!db) return report(db.error());
  std::string problems;
  auto outcome = player::import_package(
      (*db)->player(), option(args, "--data-dir", kDefaultDataDir), std::move(bytes), &problems);
  if (!outcome) {
    std::fprintf(stderr, "lrsbridge: %s: %s\n", args.positional[2].c_str(),
                 outcome.error().message.c_str());
    if (!problems.empty() && problems != "[]")
      std::fprintf(stderr, "problems: %s\n", problems.c_str());
    return 1;
  }
  std::printf("%s\n", player::package_json(outcome->record).c_str());
  return 0;
}

int cmd_wrap(const Args& args) {
  if (args.positional.size() != 2) {
    std::fprintf(stderr,
                 "lrsbridge: usage: lrsbridge wrap COURSE.zip --bridge-url URL --lms-url URL "
                 "-o OUT.zip [--db URL] [--data-dir DIR]\n");
    return 2;
  }
  if (!check_known(args, {"--db", "--data-dir", "--bridge-url", "--lms-url", "-o"})) return 2;
  const std::string out = option(args, "-o", "");
  player::WrapOptions options{option(args, "--bridge-url", ""), option(args, "--lms-url", "")};
  for (const auto& [name, value] : {std::pair{"--bridge-url", options.bridge_url},
                                    {"--lms-url", options.lms_url},
                                    {"-o", out}}) {
    if (value.empty()) {
      std::fprintf(stderr, "lrsbridge: wrap needs %s\n", name);
      return 2;
    }
  }
  std::ifstream in(args.positional[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "lrsbridge: cannot read %s\n", args.positional[1].c_str());
    return 1;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto db = open_database(option(args, "--db", kDefaultDb));
  if (!db) return report(db.error());
  auto wrapped = player::wrap_package((*db)->player(), option(args, "--data-dir", kDefaultDataDir),
                                      bytes, options);
  if (!wrapped) {
    std::fprintf(stderr, "lrsbridge: %s: %s\n", args.positional[1].c_str(),
                 wrapped.error().message.c_str());
    return 1;
  }
  const std::string part = out + ".part";
  {
    std::ofstream file(part, std::ios::binary | std::ios::trunc);
    file.write(wrapped->zip.data(), static_cast<std::streamsize>(wrapped->zip.size()));
    if (!file.flush()) {
      std::fprintf(stderr, "lrsbridge: cannot write %s\n", part.c_str());
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(part, out, ec);
  if (ec) {
    std::fprintf(stderr, "lrsbridge: cannot write %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }
  nlohmann::json scos = nlohmann::json::array();
  for (const auto& s : wrapped->manifest.scos) {
    scos.push_back({{"item", s.item}, {"resource", s.resource}, {"launch", s.new_href}});
  }
  nlohmann::json summary = {
      {"package", nlohmann::json::parse(player::package_json(wrapped->imported.record))},
      {"wrapped", out},
      {"scos", scos},
      {"notes", wrapped->manifest.notes}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

const std::vector<std::string> kImportOptions = {
    "--db",          "--lms-url",     "--format",      "--mapping",   "--tz",     "--course",
    "--course-name", "--date-format", "--export-time", "--use-email", "--dry-run"};

// Import options from the command line; false after printing what is wrong.
bool import_options(const Args& args, connectors::ImportOptions& o) {
  o.lms_url = option(args, "--lms-url", "");
  o.format = option(args, "--format", "auto");
  o.time_zone = option(args, "--tz", "");
  o.course = option(args, "--course", "");
  o.course_name = option(args, "--course-name", "");
  o.date_format = option(args, "--date-format", "");
  o.use_email = args.options.count("--use-email") != 0;
  o.dry_run = args.options.count("--dry-run") != 0;
  if (auto mapping = option(args, "--mapping", ""); !mapping.empty()) {
    std::ifstream in(mapping, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "lrsbridge: cannot read mapping file %s\n", mapping.c_str());
      return false;
    }
    o.mapping_json.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (auto when = option(args, "--export-time", ""); !when.empty()) {
    auto us = lrs::parse_timestamp_us(when);
    if (!us) {
      std::fprintf(stderr,
                   "lrsbridge: --export-time %s is not an ISO 8601 time with a zone (like "
                   "2024-03-16T09:30:00Z)\n",
                   when.c_str());
      return false;
    }
    o.export_time_s = *us / 1'000'000;
  }
  return true;
}

void print_summary(const connectors::ImportSummary& s) {
  std::printf("%s: %s, %s, delimiter %s\n", s.file_name.c_str(), s.format.c_str(),
              s.encoding.c_str(),
              s.delimiter == '\t' ? "tab" : std::string(1, s.delimiter).c_str());
  if (!s.job_id.empty()) std::printf("job:                   %s\n", s.job_id.c_str());
  std::printf("rows read:             %lld\n", static_cast<long long>(s.rows_read));
  std::printf("rows without evidence: %lld\n", static_cast<long long>(s.rows_without_evidence));
  std::printf("rows quarantined:      %lld\n", static_cast<long long>(s.rows_quarantined));
  if (s.job_id.empty()) {
    std::printf("statements checked:    %lld (dry run: nothing stored)\n",
                static_cast<long long>(s.statements_built));
  } else {
    std::printf("statements stored:     %lld\n", static_cast<long long>(s.statements_stored));
    std::printf("already present:       %lld\n", static_cast<long long>(s.statements_present));
  }
  for (const auto& note : s.notes) std::printf("note: %s\n", note.c_str());
  if (s.rows_quarantined > 0 && !s.job_id.empty()) {
    std::printf("see them with: lrsbridge import quarantine %s\n", s.job_id.c_str());
  }
}

// A one-line progress bar on stderr, only when it is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::uint64_t total) : total_(total), enabled_(isatty(2) != 0) {}
  ~ProgressBar() {
    if (enabled_ && drawn_) std::fputs("\n", stderr);
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(std::uint64_t bytes, std::int64_t rows) {
    if (!enabled_ || total_ == 0) return;
    constexpr int kWidth = 30;
    double share = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    int filled = static_cast<int>(share * kWidth);
    std::fprintf(stderr, "\r[%s%s] %3d%%  %lld rows", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<int>(share * 100),
                 static_cast<long long>(rows));
    drawn_ = true;
  }

 private:
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
};

std::optional<std::int64_t> file_mtime_s(const std::filesystem::path& path) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

lrs::Result<connectors::ImportSummary> import_file(lrs::Database& db, const std::string& path,
                                                   connectors::ImportOptions options,
                                                   bool show_progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return lrs::fail(lrs::ErrorCode::kInvalid, "cannot read " + path);
  options.file_time_s = file_mtime_s(path);
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  ProgressBar bar(show_progress && !ec ? size : 0);
  return connectors::run_import(
      in, path, options, db.statements(), db.imports(),
      [&bar](std::uint64_t bytes, std::int64_t rows) { bar.update(bytes, rows); }, &db.persons());
}

int cmd_import_jobs(lrs::Database& db) {
  auto jobs = db.imports().list_jobs();
  if (!jobs) return report(jobs.error());
  std::printf("%-36s %-9s %-20s %8s %8s %8s %8s  %s\n", "JOB", "STATE", "STARTED", "ROWS", "STORED",
              "PRESENT", "QUAR.", "FILE");
  for (const auto& j : *jobs) {
    std::printf("%-36s %-9s %-20s %8lld %8lld %8lld %8lld  %s\n", j.id.c_str(), j.state.c_str(),
                lrs::format_timestamp_us(j.started_us).substr(0, 19).c_str(),
                static_cast<long long>(j.rows_read), static_cast<long long>(j.statements_stored),
                static_cast<long long>(j.statements_present),
                static_cast<long long>(j.rows_quarantined), j.file_name.c_str());
  }
  return 0;
}

int cmd_import_quarantine(lrs::Database& db, const Args& args) {
  if (args.positional.size() != 3) {
    std::fprintf(stderr, "lrsbridge: usage: lrsbridge import quarantine JOB [--csv] [--all]\n");
    return 2;
  }
  const std::string& id = args.positional[2];
  auto job = db.imports().find_job(id);
  if (!job) return report(job.error());
  if (!*job) return report({lrs::ErrorCode::kNotFound, "no import job " + id});
  auto rows = db.imports().quarantined(id, args.options.count("--all") != 0);
  if (!rows) return report(rows.error());
  if (args.options.count("--csv") != 0) {
    std::fputs(connectors::quarantine_csv(*rows).c_str(), stdout);
    return 0;
  }
  std::printf("%s: %zu rows in quarantine\n", (*job)->file_name.c_str(), rows->size());
  for (const auto& q : *rows) {
    std::printf("line %lld%s: %s\n    %s\n", static_cast<long long>(q.line),
                q.resolved ? " (imported since)" : "", q.reason.c_str(), q.raw.c_str());
  }
  return 0;
}

int cmd_import(const Args& args) {
  if (args.positional.size() < 2) {
    std::fprintf(stderr, "lrsbridge: usage: lrsbridge import FILE --lms-url URL [options]\n");
    return 2;
  }
  std::vector<std::string> known = kImportOptions;
  known.insert(known.end(), {"--csv", "--all"});
  if (!check_known(args, known)) return 2;
  const std::string& what = args.positional[1];
  connectors::ImportOptions options;
  if (!import_options(args, options)) return 2;
  auto db = open_database(option(args, "--db", kDefaultDb), 8, DatabaseUse::kBatchImport);
  if (!db) return report(db.error());
  if (what == "jobs" && args.positional.size() == 2) return cmd_import_jobs(**db);
  if (what == "quarantine") return cmd_import_quarantine(**db, args);
  if (what == "retry") {
    if (args.positional.size() != 3) {
      std::fprintf(stderr, "lrsbridge: usage: lrsbridge import retry JOB [fixes]\n");
      return 2;
    }
    if (options.format != "auto") {
      std::fprintf(stderr, "lrsbridge: --format cannot change in a retry; use --mapping\n");
      return 2;
    }
    auto summary = connectors::retry_import(args.positional[2], options, (*db)->statements(),
                                            (*db)->imports(), &(*db)->persons());
    if (!summary) return report(summary.error());
    print_summary(*summary);
    return 0;
  }
  if (args.positional.size() != 2) {
    std::fprintf(stderr, "lrsbridge: import takes one FILE\n");
    return 2;
  }
  auto summary = import_file(**db, what, options, true);
  if (!summary) return report(summary.error());
  print_summary(*summary);
  return 0;
}

std::atomic<bool> g_stop_watching{false};

extern "C" void stop_watching(int) { g_stop_watching = true; }

// Moves `file` into `dir`, under a new name when one is taken (each file is kept).
std::filesystem::path move_into(const std::filesystem::path& file,
                                const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::path target = dir / file.filename();
  for (int n = 1; std::filesystem::exists(target); ++n) {
    target = dir / (file.stem().string() + "." + std::to_string(n) + file.extension().string());
  }
  std::filesystem::rename(file, target);
  return target;
}

// --pull and its companions; nullopt after printing what is wrong.
std::optional<PullOptions> pull_options(const Args& args) {
  PullOptions pull;
  auto all = [&](const std::string& name) {
    auto it = args.repeated.find(name);
    return it == args.repeated.end() ? std::vector<std::string>{} : it->second;
  };
  pull.allow_http = args.options.count("--allow-http") != 0;
  for (const auto& text : all("--pull")) {
    auto url = connectors::parse_pull_url(text, pull.allow_http);
    if (!url) {
      std::fprintf(stderr, "lrsbridge: %s\n", url.error().message.c_str());
      return std::nullopt;
    }
    for (const auto& earlier : pull.urls) {
      if (earlier.text() == url->text()) {
        std::fprintf(stderr, "lrsbridge: --pull %s is given twice\n", text.c_str());
        return std::nullopt;
      }
    }
    pull.urls.push_back(*url);
  }
  for (const auto& text : all("--pull-header")) {
    auto header = connectors::parse_header_line(text);
    if (!header) {
      std::fprintf(stderr, "lrsbridge: %s\n", header.error().message.c_str());
      return std::nullopt;
    }
    pull.headers.push_back(*header);
  }
  pull.ca_file = option(args, "--ca-file", "");
  bool has_every = args.options.count("--every") != 0;
  if (pull.urls.empty()) {
    for (const char* name :
         {"--every", "--pull-header", "--ca-file", "--allow-http", "--pull-timeout"}) {
      if (args.options.count(name) != 0) {
        std::fprintf(stderr, "lrsbridge: %s is for --pull URL, and no --pull was given\n", name);
        return std::nullopt;
      }
    }
    return pull;
  }
  if (!has_every) {
    std::fprintf(stderr, "lrsbridge: --pull needs --every PERIOD (like 15m or 1h)\n");
    return std::nullopt;
  }
  auto every = connectors::parse_period(option(args, "--every", ""));
  if (!every) {
    std::fprintf(stderr, "lrsbridge: %s\n", every.error().message.c_str());
    return std::nullopt;
  }
  pull.every = *every;
  try {
    std::size_t used = 0;
    std::string text = option(args, "--pull-timeout", "60");
    long long seconds = std::stoll(text, &used);
    if (used != text.size() || seconds < 1) throw std::out_of_range("timeout");
    pull.timeout = std::chrono::seconds(seconds);
  } catch (const std::exception&) {
    std::fprintf(stderr, "lrsbridge: --pull-timeout takes a whole number of seconds, 1 or more\n");
    return std::nullopt;
  }
  if (!pull.ca_file.empty() && !std::filesystem::is_regular_file(pull.ca_file)) {
    std::fprintf(stderr, "lrsbridge: --ca-file %s: no such file\n", pull.ca_file.c_str());
    return std::nullopt;
  }
  return pull;
}

int cmd_watch(const Args& args) {
  if (args.positional.size() != 2) {
    std::fprintf(stderr, "lrsbridge: usage: lrsbridge watch DIR --lms-url URL [options]\n");
    return 2;
  }
  std::vector<std::string> known = kImportOptions;
  known.insert(known.end(), {"--interval", "--settle", "--once", "--pull", "--every",
                             "--pull-header", "--ca-file", "--allow-http", "--pull-timeout"});
  if (!check_known(args, known)) return 2;
  connectors::ImportOptions options;
  if (!import_options(args, options)) return 2;
  auto pull = pull_options(args);
  if (!pull) return 2;
  if (options.dry_run) {
    std::fprintf(stderr, "lrsbridge: watch moves files it imports; --dry-run is not for it\n");
    return 2;
  }
  double interval = 5, settle = 2;
  try {
    interval = std::stod(option(args, "--interval", "5"));
    settle = std::stod(option(args, "--settle", "2"));
  } catch (const std::exception&) {
    std::fprintf(stderr, "lrsbridge: --interval and --settle take seconds\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path dir = args.positional[1];
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "lrsbridge: %s is not a directory\n", dir.c_str());
    return 1;
  }
  auto db = open_database(option(args, "--db", kDefaultDb), 8, DatabaseUse::kBatchImport);
  if (!db) return report(db.error());
  bool once = args.options.count("--once") != 0;
  std::signal(SIGINT, stop_watching);
  std::signal(SIGTERM, stop_watching);
  std::printf("watching %s\n", dir.c_str());
  for (const auto& url : pull->urls) {
    std::printf("pulling %s every %llds\n", url.text().c_str(),
                static_cast<long long>(pull->every.count()));
  }
  std::fflush(stdout);
  std::optional<ExportPuller> puller;
  int pull_failures = 0;  // with --once, a failed fetch makes the exit status 1
  if (!pull->urls.empty()) puller.emplace(dir, *pull);
  // A file is complete when its size and modification time stay the same for `settle`
  // seconds: writers that copy slowly or upload in parts are still changing it.
  struct Seen {
    std::uintmax_t size;
    fs::file_time_type mtime;
    std::chrono::steady_clock::time_point since;
  };
  std::map<fs::path, Seen> seen;
  auto settle_time = std::chrono::duration<double>(settle);
  while (!g_stop_watching) {
    bool waiting = false;
    if (puller) {
      auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
      auto round = puller->pull_due(now_s);
      pull_failures += round.failed;
      // A new download still has to settle and be imported before --once may end.
      if (round.placed > 0) waiting = true;
    }
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.empty() || name[0] == '.' || name.ends_with(".part") ||
          name.ends_with(".tmp") || name.ends_with(".crdownload")) {
        continue;
      }
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    auto now = std::chrono::steady_clock::now();
    for (const fs::path& file : files) {
      std::uintmax_t size = fs::file_size(file, ec);
      auto mtime = fs::last_write_time(file, ec);
      if (ec) continue;
      auto it = seen.find(file);
      if (it == seen.end() || it->second.size != size || it->second.mtime != mtime) {
        seen[file] = {size, mtime, now};
        waiting = true;
        continue;
      }
      if (now - it->second.since < settle_time) {
        waiting = true;
        continue;
      }
      seen.erase(it);
      auto summary = import_file(**db, file.string(), options, false);
      if (summary) {
        fs::path moved = move_into(file, dir / "processed");
        std::printf("imported %s -> %s\n", file.c_str(), moved.c_str());
        print_summary(*summary);
      } else {
        fs::path moved = move_into(file, dir / "failed");
        std::ofstream(moved.string() + ".error.txt") << summary.error().message << "\n";
        std::printf("failed %s -> %s: %s\n", file.c_str(), moved.c_str(),
                    summary.error().message.c_str());
      }
      std::fflush(stdout);
    }
    if (once && !waiting) break;
    double look = puller ? std::min(interval, static_cast<double>(pull->every.count())) : interval;
    auto nap = std::chrono::duration<double>(waiting ? std::min(look, settle / 2 + 0.05) : look);
    for (auto until = std::chrono::steady_clock::now() + nap;
         !g_stop_watching && std::chrono::steady_clock::now() < until;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::printf("watch stopped\n");
  return once && pull_failures > 0 ? 1 : 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::printf("lrsbridge 0.1.0 (xAPI 1.0.3, 2.0.0)\n");
    return 0;
  }
  auto args = parse_args(argc, argv, 1);
  if (!args) return 2;
  if (command == "serve") return cmd_serve(*args);
  if (command == "credentials") return cmd_credentials(*args);
  if (command == "persons") return cmd_persons(*args);
  if (command == "package") return cmd_package(*args);
  if (command == "wrap") return cmd_wrap(*args);
  if (command == "import") return cmd_import(*args);
  if (command == "watch") return cmd_watch(*args);
  std::fprintf(stderr, "lrsbridge: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace app

#include "cli.h"

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
#include <vector>

#include <nlohmann/json.hpp>

#include "http_server.h"
#include "lrs/admin_handler.h"
#include "lrs/auth.h"
#include "lrs/clock.h"
#include "lrs/document_service.h"
#include "lrs/postgres_database.h"
#include "lrs/sqlite_database.h"
#include "lrs/statement_service.h"
#include "lrs/timestamp.h"
#include "lrs/xapi_handler.h"
#include "player/packages.h"
#include "player/player_handler.h"

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
  credentials add           create a credential and print its key and secret
      --scopes "S1 S2"        xAPI scopes (default "all"): all, all/read, statements/write,
                              statements/read, statements/read/mine, state, define, profile
      --label TEXT            a note for people
      --key KEY --secret S    choose them instead of generating them
  credentials list          list credentials (never their secrets)
  credentials revoke KEY    revoke a credential
  version                   print the version

environment:
  LRSBRIDGE_ADMIN=key:secret  `serve` makes sure this credential exists with scope all
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--name" -> value ("" for flags)
};

const std::vector<std::string> kFlags = {"--no-access-log"};

std::optional<Args> parse_args(int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      if (auto eq = a.find('='); eq != std::string::npos) {
        args.options[a.substr(0, eq)] = a.substr(eq + 1);
      } else if (std::find(kFlags.begin(), kFlags.end(), a) != kFlags.end()) {
        args.options[a] = "";
      } else if (i + 1 < argc) {
        args.options[a] = argv[++i];
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

// `pool_size`: PostgreSQL connections for reads and small writes (--db-connections).
lrs::Result<std::unique_ptr<lrs::Database>> open_database(const std::string& url,
                                                          int pool_size = 8) {
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
  lrs::DocumentService documents((*db)->documents(), (*db)->statements());
  lrs::XapiHandler xapi(statements, auth, xapi_options, &documents);
  lrs::AdminHandler admin((*db)->credentials(), auth);
  player::PlayerOptions player_options;
  player_options.data_dir = option(args, "--data-dir", kDefaultDataDir);
  player_options.web_dir = option(args, "--web-dir", LRS_DEFAULT_WEB_DIR);
  player_options.public_url = option(args, "--public-url", "");
  std::unique_ptr<player::PlayerHandler> scorm_player;
  try {
    scorm_player = std::make_unique<player::PlayerHandler>((*db)->player(), auth, player_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lrsbridge: %s\n", e.what());
    return 1;
  }
  auto handler = [&](const lrs::HttpRequest& request) -> lrs::HttpResponse {
    if (xapi.handles(request.path)) return xapi.handle(request);
    if (scorm_player->handles(request.path)) return scorm_player->handle(request);
    if (admin.handles(request.path)) return admin.handle(request);
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
  if (command == "package") return cmd_package(*args);
  std::fprintf(stderr, "lrsbridge: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace app

// `lrsbridge watch DIR --pull URL --every PERIOD`: fetches exports on a schedule and drops
// each new one, complete, into the watched folder, where the watcher imports it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "connectors/url_pull.h"

namespace app {

struct PullOptions {
  std::vector<connectors::PullUrl> urls;
  std::chrono::seconds every{3600};
  std::vector<std::pair<std::string, std::string>> headers;  // --pull-header
  std::string ca_file;
  bool allow_http = false;
  std::chrono::seconds timeout{60};  // longest wait for any one network step
};

class ExportPuller {
 public:
  // Reads what earlier runs fetched from DIR/.lrsbridge-pull.json (a hidden file, which the
  // watcher leaves alone), so a restart does not import an unchanged export again.
  ExportPuller(std::filesystem::path dir, PullOptions options);

  struct Round {
    int placed = 0;  // new files in the folder
    int failed = 0;  // fetches that failed; each is retried at the next period
  };
  // Fetches every source that is due, logging each outcome on stdout.
  Round pull_due(std::int64_t now_s);

 private:
  enum class Result { kPlaced, kNothingNew, kFailed };
  Result pull(connectors::PullSource& source, std::int64_t now_s);
  void save_states();

  std::filesystem::path dir_;
  PullOptions options_;
  std::vector<connectors::PullSource> sources_;
  std::map<std::string, connectors::PullState> states_;  // by configured URL
};

}  // namespace app

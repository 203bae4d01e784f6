#include "export_puller.h"

#include <cstdio>
#include <fstream>
#include <iterator>

#include "url_fetch.h"

namespace app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStateFile = ".lrsbridge-pull.json";

std::string period_text(std::chrono::seconds period) {
  auto s = period.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

void log_line(const std::string& text) {
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace

ExportPuller::ExportPuller(fs::path dir, PullOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  for (const auto& url : options_.urls) sources_.push_back({url, {}, std::nullopt});
  std::ifstream in(dir_ / kStateFile, std::ios::binary);
  if (!in) return;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto states = connectors::parse_pull_states(text);
  if (!states) {
    // Only a cache of validators: without it the next fetch is unconditional and the
    // import's statement ids still keep the store free of duplicates.
    log_line("pull: ignoring " + (dir_ / kStateFile).string() + ": " + states.error().message);
    return;
  }
  states_ = std::move(*states);
  for (auto& source : sources_) {
    if (auto it = states_.find(source.url.text()); it != states_.end()) source.state = it->second;
  }
}

ExportPuller::Round ExportPuller::pull_due(std::int64_t now_s) {
  Round round;
  for (auto& source : sources_) {
    if (!connectors::pull_due(source, now_s)) continue;
    Result result = pull(source, now_s);
    round.placed += result == Result::kPlaced ? 1 : 0;
    round.failed += result == Result::kFailed ? 1 : 0;
    connectors::schedule_next(source, now_s, options_.every);
  }
  return round;
}

ExportPuller::Result ExportPuller::pull(connectors::PullSource& source, std::int64_t now_s) {
  const std::string url = source.url.text();
  const std::string next = "; next try in " + period_text(options_.every);
  FetchRequest request;
  request.url = source.url;
  request.headers = options_.headers;
  request.conditional = connectors::conditional_headers(source.state);
  request.ca_file = options_.ca_file;
  request.allow_http = options_.allow_http;
  request.timeout = options_.timeout;
  // Hidden and ".part": the watcher never sees a download in progress.
  request.body_path = dir_ / ("." + connectors::pulled_file_name(source.url, now_s) + ".part");
  auto fetched = fetch_export(request);
  if (!fetched) {
    log_line("pull " + url + " failed: " + fetched.error().message + next);
    return Result::kFailed;
  }
  std::error_code ec;
  auto decision = connectors::decide_pull(source.state, fetched->response);
  switch (decision.outcome) {
    case connectors::PullOutcome::kFailed:
      log_line("pull " + url + " failed: the server answered " + fetched->status_text +
               (fetched->final_url.text() != url ? " for " + fetched->final_url.text() : "") +
               next);
      return Result::kFailed;
    case connectors::PullOutcome::kNotModified:
    case connectors::PullOutcome::kSameContent:
      fs::remove(request.body_path, ec);
      log_line("pull " + url + ": " + decision.reason + ", nothing to import");
      break;
    case connectors::PullOutcome::kNew: {
      std::string name =
          connectors::pulled_file_name(fetched->final_url, now_s, fetched->suggested_name);
      fs::path target = dir_ / name;
      for (int n = 1; fs::exists(target); ++n) {
        target = dir_ / (fs::path(name).stem().string() + "." + std::to_string(n) +
                         fs::path(name).extension().string());
      }
      fs::rename(request.body_path, target, ec);
      if (ec) {
        fs::remove(request.body_path, ec);
        log_line("pull " + url + " failed: cannot move the download to " + target.string() + ": " +
                 ec.message() + next);
        return Result::kFailed;
      }
      log_line("pulled " + url + " -> " + target.string());
      break;
    }
  }
  connectors::remember_pull(source.state, fetched->response);
  states_[url] = source.state;
  save_states();
  return decision.outcome == connectors::PullOutcome::kNew ? Result::kPlaced : Result::kNothingNew;
}

void ExportPuller::save_states() {
  fs::path path = dir_ / kStateFile;
  fs::path partial = dir_ / (std::string(kStateFile) + ".part");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << connectors::pull_states_json(states_);
    if (!out) {
      log_line("pull: cannot write " + partial.string() +
               "; after a restart unchanged exports are fetched in full once");
      return;
    }
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) log_line("pull: cannot replace " + path.string() + ": " + ec.message());
}

}  // namespace app

// import-bench: throughput and memory of LMS export imports (bench/README.md, "Imports").
//
//   import-bench generate FILE [--rows N]      a Moodle course completion export, N rows
//   import-bench read-map FILE                 read + map to statements, nothing stored
//   import-bench end-to-end FILE --db PATH [--batch N] [--cache-mb MB (32, as lrsbridge import)]
//                                              the whole `lrsbridge import` job on SQLite,
//                                              N statements per transaction (default 500)
//
// Each run prints one line: mode, rows, statements, seconds, rows/s, peak RSS (MB).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/csv_reader.h"
#include "connectors/export_format.h"
#include "connectors/import_job.h"
#include "connectors/statement_builder.h"
#include "lrs/clock.h"
#include "lrs/sqlite_database.h"
#include <sys/resource.h>

namespace {

constexpr const char* kLmsUrl = "https://moodle.example.org";
constexpr const char* kZone = "Europe/Madrid";

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void print(const char* mode, std::int64_t rows, std::int64_t statements, double seconds) {
  std::printf("%-10s rows=%lld statements=%lld seconds=%.2f rows_per_s=%.0f peak_rss_mb=%.1f\n",
              mode, static_cast<long long>(rows), static_cast<long long>(statements), seconds,
              static_cast<double>(rows) / seconds, peak_rss_mb());
}

// Rows like a real course: ~70% passed or failed the quiz with a date, ~60% completed the
// course, ~20% did nothing (no statements).
int generate(const std::string& path, std::int64_t rows) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "import-bench: cannot write %s\n", path.c_str());
    return 1;
  }
  out << "ID,Name,Email address,Safety quiz,Safety quiz - Completion date,Course complete\n";
  char date[32];
  for (std::int64_t i = 0; i < rows; ++i) {
    int day = static_cast<int>(i % 28) + 1, month = static_cast<int>(i / 28 % 12) + 1;
    int hour = static_cast<int>(i % 12) + 8, minute = static_cast<int>(i % 60);
    std::snprintf(date, sizeof date, "\"%02d/%02d/23, %02d:%02d\"", day, month, hour, minute);
    out << (100000 + i) << ",Learner " << i << ",learner" << i << "@example.org,";
    switch (i % 10) {
      case 0:
      case 1:
        out << "Not completed,,\n";
        break;
      case 2:
      case 3:
        out << "Completed (did not achieve pass grade)," << date << ",\n";
        break;
      case 4:
        out << "Completed (achieved pass grade)," << date << ",\n";
        break;
      default:
        out << "Completed (achieved pass grade)," << date << "," << date << "\n";
        break;
    }
  }
  return 0;
}

int read_map(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  auto csv = connectors::CsvReader::open(in);
  if (!csv) {
    std::fprintf(stderr, "import-bench: %s\n", csv.error().message.c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  connectors::CsvRow row;
  (*csv)->next(row);
  auto format = connectors::make_format(*connectors::detect_format(row.cells));
  if (!format || !(*format)->start(row.cells)) return 1;
  connectors::StatementContext context;
  context.lms_url = kLmsUrl;
  context.platform = "Moodle";
  context.format = (*format)->name();
  context.course_key = "bench";
  context.zone = *connectors::TimeZone::load(kZone);
  context.now_s = lrs::current_time_us() / 1'000'000;
  context.export_time_s = context.now_s;
  std::int64_t rows = 0, statements = 0, bytes = 0, sampled = 0;
  connectors::RowReading reading;
  while ((*csv)->next(row)) {
    ++rows;
    reading = {};
    (*format)->read(row.cells, reading);
    auto built = connectors::build_statements(reading, context);
    if (!built) continue;
    // The size of a sample only: serialising is the store's work, not the mapping's.
    if (statements < 1000) {
      for (const auto& s : *built) bytes += static_cast<std::int64_t>(s.dump().size());
      sampled += static_cast<std::int64_t>(built->size());
    }
    statements += static_cast<std::int64_t>(built->size());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print("read-map", rows, statements, seconds);
  std::printf("           mean statement %.0f bytes\n",
              sampled ? static_cast<double>(bytes) / static_cast<double>(sampled) : 0.0);
  return 0;
}

int end_to_end(const std::string& path, const std::string& db_path, std::size_t batch,
               int cache_mb) {
  lrs::SqliteOptions options;
  options.path = db_path;
  options.writer_cache_mb = cache_mb;
  auto db = lrs::open_sqlite_database(options);
  if (!db) {
    std::fprintf(stderr, "import-bench: %s\n", db.error().message.c_str());
    return 1;
  }
  connectors::ImportOptions import;
  import.lms_url = kLmsUrl;
  import.time_zone = kZone;
  import.course = "bench";
  import.batch_statements = batch;
  std::ifstream in(path, std::ios::binary);
  auto start = std::chrono::steady_clock::now();
  auto summary = connectors::run_import(in, path, import, (*db)->statements(), (*db)->imports());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!summary) {
    std::fprintf(stderr, "import-bench: %s\n", summary.error().message.c_str());
    return 1;
  }
  print("end-to-end", summary->rows_read, summary->statements_stored, seconds);
  std::printf("           quarantined %lld, already present %lld\n",
              static_cast<long long>(summary->rows_quarantined),
              static_cast<long long>(summary->statements_present));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto value = [&](const std::string& name, const std::string& fallback) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == name) return args[i + 1];
    }
    return fallback;
  };
  if (args.size() >= 2 && args[0] == "generate") {
    return generate(args[1], std::atoll(value("--rows", "1000000").c_str()));
  }
  if (args.size() >= 2 && args[0] == "read-map") return read_map(args[1]);
  if (args.size() >= 2 && args[0] == "end-to-end") {
    return end_to_end(args[1], value("--db", "import-bench.db"),
                      std::strtoull(value("--batch", "500").c_str(), nullptr, 10),
                      std::atoi(value("--cache-mb", "32").c_str()));
  }
  std::fprintf(stderr,
               "usage: import-bench generate FILE [--rows N] | read-map FILE | end-to-end FILE "
               "--db PATH [--batch N] [--cache-mb MB]\n");
  return 2;
}

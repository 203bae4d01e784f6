// SCORM packages as zip files: safe extraction and the checks that make an extracted
// folder a usable package.
//
// `ZipPackage` owns an open archive (a file or bytes in memory). Opening it validates
// every entry before a single byte is written: names must be valid UTF-8 relative paths
// without ".." segments, backslashes or drive letters; no symlinks, devices or encrypted
// entries; no duplicates, including names that differ only in ASCII letter case (they
// would overwrite each other on Windows and macOS file systems, and two spellings of one
// launch file is never what an author meant); no file that is also a folder; declared
// sizes within `ExtractLimits`. Header sizes are only a first filter: extraction counts
// the bytes actually inflated and stops at the same limits.
//
// `extract_package` is the import: it unpacks into a temporary folder beside the
// destination, finds and parses imsmanifest.xml, checks that the launch files and listed
// files exist, and only then renames the folder into place. A failed import leaves
// nothing behind. Every error names the entry and the rule it breaks, e.g.
//   entry "../../etc/passwd": path escapes the package
//
// A ZipPackage is not thread-safe (libzip archives are not); use one per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scorm/error.h"
#include "scorm/manifest.h"

namespace scorm {

struct ExtractLimits {
  uint64_t max_total_bytes = uint64_t{2} << 30;  // sum of uncompressed sizes
  uint64_t max_entries = 20'000;
  // Per-entry uncompressed:compressed ratio, checked only once an entry has inflated past
  // ratio_min_bytes: small files (and every empty one) compress absurdly well legitimately.
  uint64_t max_ratio = 200;
  uint64_t ratio_min_bytes = uint64_t{1} << 20;
};

struct ZipEntry {
  std::string name;   // normalised: '/'-separated, no trailing '/'
  uint64_t size = 0;  // uncompressed, as declared by the central directory
  uint64_t compressed_size = 0;
  bool is_directory = false;
};

class ZipPackage {
 public:
  // Opens and validates an archive. kNotFound when the file does not exist, kInvalid for
  // a file that is not a zip or an entry that breaks a rule, kTooLarge for a limit.
  static Result<ZipPackage> open(const std::filesystem::path& zip_path,
                                 const ExtractLimits& limits = {});
  static Result<ZipPackage> open_bytes(std::string bytes, const ExtractLimits& limits = {});
  // As open_bytes, without a copy: `bytes` must stay alive and unchanged for as long as the
  // ZipPackage.
  static Result<ZipPackage> open_view(std::string_view bytes, const ExtractLimits& limits = {});

  ZipPackage(ZipPackage&& other) noexcept;
  ZipPackage& operator=(ZipPackage&& other) noexcept;
  ZipPackage(const ZipPackage&) = delete;
  ZipPackage& operator=(const ZipPackage&) = delete;
  ~ZipPackage();

  // Entries in archive order.
  const std::vector<ZipEntry>& entries() const;
  bool contains(std::string_view name) const;

  // The content of one file entry, inflated with the same counting as extract_to.
  // kNotFound for an unknown name, kTooLarge past `max_bytes` or a limit.
  Result<std::string> read(std::string_view name, uint64_t max_bytes) const;

  // Writes every entry below `dir`, which must exist and should be empty; files are
  // created exclusively (never through an existing file or symlink). On failure `dir`
  // may hold a partial tree; extract_package cleans that up, direct callers must.
  Result<void> extract_to(const std::filesystem::path& dir) const;

 private:
  struct Impl;
  explicit ZipPackage(std::unique_ptr<Impl> impl);
  static Result<ZipPackage> open_memory(std::unique_ptr<Impl> impl, std::string_view bytes,
                                        const ExtractLimits& limits);
  std::unique_ptr<Impl> impl_;
};

// An extracted package: its folder and its manifest. The manifest's problems include
// the package-level ones (a launch file or a listed file missing from the folder).
struct Package {
  std::filesystem::path root;
  Manifest manifest;
};

// Imports a zip into `dest_dir`, which must not exist yet (kConflict otherwise); its
// parent is created if needed. Fails, leaving nothing behind, when the archive breaks a
// rule or limit, when there is no imsmanifest.xml at the root, when the manifest cannot
// be parsed, or when it has error-severity problems (then Error::problems lists them all).
Result<Package> extract_package(const std::filesystem::path& zip_path,
                                const std::filesystem::path& dest_dir,
                                const ExtractLimits& limits = {});
// The same from the zip's bytes, read in place (not copied) during the call.
Result<Package> extract_package_bytes(std::string_view zip_bytes,
                                      const std::filesystem::path& dest_dir,
                                      const ExtractLimits& limits = {});

// Reads an already extracted package (e.g. on restart): finds imsmanifest.xml at `root`,
// parses it and appends the file checks to its problems. Fails with kInvalid when there
// is no manifest at the root or it cannot be parsed; problems do not make it fail.
Result<Package> open_extracted_package(const std::filesystem::path& root);

}  // namespace scorm

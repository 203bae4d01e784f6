// Helpers for the scorm_package tests: temporary folders, fixture files, and zips built
// with libzip at test time (so each hostile archive is visible in the test that uses it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace scorm::test {

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
std::string data_file(const std::string& name);  // tests/scorm/package/data/<name>

// Names of everything directly in `dir` (to prove a failed import left nothing).
std::vector<std::string> list_dir(const std::filesystem::path& dir);

class ZipBuilder {
 public:
  ZipBuilder& file(std::string name, std::string content);
  ZipBuilder& folder(std::string name);  // name ends with '/'
  ZipBuilder& symlink(std::string name, std::string target);
  ZipBuilder& encrypted(std::string name, std::string content);
  // An entry whose Unix mode type is `mode_type` (e.g. S_IFIFO).
  ZipBuilder& special(std::string name, uint32_t mode_type);

  // Writes the zip; returns its bytes too.
  std::string write(const std::filesystem::path& path) const;
  std::string bytes() const;

 private:
  struct Entry {
    std::string name;
    std::string content;
    enum class Kind { kFile, kFolder, kSymlink, kEncrypted, kSpecial } kind = Kind::kFile;
    uint32_t mode_type = 0;
  };
  std::vector<Entry> entries_;
};

// True when this libzip can write encrypted entries.
bool can_encrypt();

// Replaces every occurrence of `from` by `to` (same length) in zip bytes: entry names
// appear in the local and central headers, outside any checksum.
std::string patch(std::string bytes, const std::string& from, const std::string& to);

// Rewrites the declared uncompressed size of every entry named `name` (local and central
// headers), to simulate a lying header.
std::string patch_declared_size(std::string bytes, const std::string& name, uint32_t size);

// A minimal valid SCORM 1.2 manifest with one SCO launching `launch`.
std::string minimal_manifest(const std::string& launch = "index.html");

}  // namespace scorm::test

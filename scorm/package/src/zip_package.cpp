#include "scorm/zip_package.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <system_error>

#include <zip.h>

#include "paths.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scorm {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBufferBytes = 64 * 1024;
constexpr uint64_t kMaxManifestBytes = 16 * 1024 * 1024;
constexpr std::string_view kManifestName = "imsmanifest.xml";

// Names go into error messages and logs: show bytes that are not printable as \xNN.
std::string display_name(std::string_view raw) {
  const bool utf8 = detail::is_valid_utf8(raw);
  std::string out;
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || (u >= 0x80 && !utf8)) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", u);
      out += hex;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

tl::unexpected<Error> entry_error(ErrorCode code, std::string_view raw_name,
                                  std::string_view rule) {
  std::string message = "entry \"";
  message += display_name(raw_name);
  message += "\": ";
  message += rule;
  return fail(code, std::move(message));
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

bool has_dotdot_segment(std::string_view name) {
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

struct ZipCloser {
  void operator()(zip_t* za) const { zip_discard(za); }  // read-only: nothing to write back
};
struct ZipFileCloser {
  void operator()(zip_file_t* zf) const { zip_fclose(zf); }
};

// Closes a descriptor on every path out of a scope.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

struct ZipPackage::Impl {
  std::string bytes;  // backing store for open_bytes (empty for open_view); read in place
  std::unique_ptr<zip_t, ZipCloser> archive;
  ExtractLimits limits;
  std::vector<ZipEntry> entries;
  std::vector<zip_uint64_t> indexes;  // libzip index of entries[i]
  std::vector<std::string> raw_names;
  std::map<std::string, size_t, std::less<>> by_name;  // files only

  Result<void> validate();
  Result<void> validate_entry(zip_uint64_t index, std::set<std::string>& folded,
                              std::set<std::string>& folders);
  // Inflates entry `i`, handing each chunk to `sink`, and enforces every byte limit on
  // the bytes actually produced. `total` accumulates across entries of one extraction.
  template <class Sink>
  Result<void> inflate(size_t i, uint64_t& total, uint64_t max_bytes, Sink&& sink) const;
};

Result<void> ZipPackage::Impl::validate() {
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0) return fail(ErrorCode::kInvalid, "cannot read the zip's central directory");
  if (static_cast<uint64_t>(count) > limits.max_entries) {
    return fail(ErrorCode::kTooLarge, "the package has " + std::to_string(count) +
                                          " entries; the limit is " +
                                          std::to_string(limits.max_entries));
  }
  std::set<std::string> folded;   // lower-cased names of every file and folder entry
  std::set<std::string> folders;  // every folder, explicit or implied by a file's path
  uint64_t declared_total = 0;
  for (zip_uint64_t index = 0; index < static_cast<zip_uint64_t>(count); ++index) {
    if (auto ok = validate_entry(index, folded, folders); !ok) return ok;
    declared_total += entries.back().size;
    if (declared_total > limits.max_total_bytes) {
      return fail(ErrorCode::kTooLarge, "the package declares more than " +
                                            std::to_string(limits.max_total_bytes) +
                                            " bytes uncompressed (the limit)");
    }
  }
  // A file whose name is also a folder ("a" and "a/b") cannot be extracted faithfully;
  // checked after the loop because the entries may come in either order.
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_directory && folders.contains(entries[i].name)) {
      return entry_error(ErrorCode::kInvalid, raw_names[i], "is both a file and a folder");
    }
  }
  return {};
}

Result<void> ZipPackage::Impl::validate_entry(zip_uint64_t index, std::set<std::string>& folded,
                                              std::set<std::string>& folders) {
  zip_t* za = archive.get();
  const char* raw_c = zip_get_name(za, index, ZIP_FL_ENC_RAW);
  if (raw_c == nullptr) {
    return fail(ErrorCode::kInvalid, "entry #" + std::to_string(index) + ": unreadable name");
  }
  const std::string raw = raw_c;
  if (!detail::is_valid_utf8(raw)) {
    return entry_error(ErrorCode::kInvalid, raw, "name is not valid UTF-8");
  }
  const bool trailing_slash = !raw.empty() && raw.back() == '/';
  const detail::NormalisedPath n = detail::normalise_relative(
      trailing_slash ? std::string_view(raw).substr(0, raw.size() - 1) : std::string_view(raw));
  if (n.issue != detail::PathIssue::kNone) {
    return entry_error(ErrorCode::kInvalid, raw, detail::path_issue_text(n.issue));
  }
  if (has_dotdot_segment(raw)) {
    return entry_error(ErrorCode::kInvalid, raw, "path contains a \"..\" segment");
  }

  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, index, 0, &st) != 0) {
    return entry_error(ErrorCode::kInvalid, raw, "unreadable entry header");
  }
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
    return entry_error(ErrorCode::kInvalid, raw, "encrypted entries are not supported");
  }

  bool is_directory = trailing_slash;
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(za, index, 0, &opsys, &attributes) == 0 &&
      opsys == ZIP_OPSYS_UNIX) {
    // Unix zips keep st_mode in the high 16 bits of the external attributes.
    const mode_t type = (attributes >> 16) & S_IFMT;
    if (type == S_IFLNK) {
      return entry_error(ErrorCode::kInvalid, raw, "symbolic links are not allowed");
    }
    if (type == S_IFDIR) {
      is_directory = true;
    } else if (type != 0 && type != S_IFREG) {
      return entry_error(ErrorCode::kInvalid, raw, "not a regular file or folder");
    }
  }
  if (!is_directory && (st.valid & ZIP_STAT_COMP_METHOD) &&
      !zip_compression_method_supported(st.comp_method, 0)) {
    return entry_error(ErrorCode::kInvalid, raw,
                       "unsupported compression method " + std::to_string(st.comp_method));
  }

  ZipEntry entry;
  entry.name = n.path;
  entry.is_directory = is_directory;
  entry.size = is_directory ? 0 : st.size;
  entry.compressed_size = is_directory ? 0 : st.comp_size;
  if (entry.size > limits.ratio_min_bytes &&
      entry.size / std::max<uint64_t>(entry.compressed_size, 1) > limits.max_ratio) {
    return entry_error(
        ErrorCode::kTooLarge, raw,
        "compression ratio " +
            std::to_string(entry.size / std::max<uint64_t>(entry.compressed_size, 1)) +
            ":1 exceeds the limit of " + std::to_string(limits.max_ratio) + ":1");
  }

  const std::string lower = detail::ascii_lower(entry.name);
  if (is_directory) {
    folded.insert(lower);  // "a/" twice is harmless
    folders.insert(entry.name);
  } else {
    if (by_name.contains(entry.name)) {
      return entry_error(ErrorCode::kInvalid, raw, "duplicate entry name");
    }
    if (!folded.insert(lower).second) {
      return entry_error(ErrorCode::kInvalid, raw,
                         "another entry has the same name in a different letter case");
    }
    by_name.emplace(entry.name, entries.size());
  }
  for (size_t slash = entry.name.find('/'); slash != std::string::npos;
       slash = entry.name.find('/', slash + 1)) {
    folders.insert(entry.name.substr(0, slash));
  }
  entries.push_back(std::move(entry));
  indexes.push_back(index);
  raw_names.push_back(raw);
  return {};
}

template <class Sink>
Result<void> ZipPackage::Impl::inflate(size_t i, uint64_t& total, uint64_t max_bytes,
                                       Sink&& sink) const {
  const ZipEntry& entry = entries[i];
  const std::string& raw = raw_names[i];
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), indexes[i], 0));
  if (!file) {
    return entry_error(ErrorCode::kInvalid, raw,
                       std::string("cannot open: ") + zip_strerror(archive.get()));
  }
  std::vector<char> buffer(kBufferBytes);
  uint64_t written = 0;
  for (;;) {
    const zip_int64_t got = zip_fread(file.get(), buffer.data(), buffer.size());
    if (got < 0) {
      return entry_error(ErrorCode::kInvalid, raw,
                         std::string("corrupt data: ") + zip_file_strerror(file.get()));
    }
    if (got == 0) break;
    written += static_cast<uint64_t>(got);
    total += static_cast<uint64_t>(got);
    // Never trust the header: a crafted entry can declare 1 KB and inflate to 1 TB.
    if (written > entry.size) {
      return entry_error(ErrorCode::kInvalid, raw, "inflates to more than its declared size");
    }
    if (written > max_bytes) {
      return entry_error(ErrorCode::kTooLarge, raw,
                         "larger than " + std::to_string(max_bytes) + " bytes");
    }
    if (total > limits.max_total_bytes) {
      return entry_error(ErrorCode::kTooLarge, raw,
                         "the package unpacks to more than " +
                             std::to_string(limits.max_total_bytes) + " bytes (the limit)");
    }
    if (written > limits.ratio_min_bytes &&
        written / std::max<uint64_t>(entry.compressed_size, 1) > limits.max_ratio) {
      return entry_error(
          ErrorCode::kTooLarge, raw,
          "compression ratio exceeds the limit of " + std::to_string(limits.max_ratio) + ":1");
    }
    if (auto ok = sink(buffer.data(), static_cast<size_t>(got)); !ok) return ok;
  }
  if (written != entry.size) {
    return entry_error(ErrorCode::kInvalid, raw, "inflates to less than its declared size");
  }
  return {};
}

ZipPackage::ZipPackage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZipPackage::ZipPackage(ZipPackage&& other) noexcept = default;
ZipPackage& ZipPackage::operator=(ZipPackage&& other) noexcept = default;
ZipPackage::~ZipPackage() = default;

const std::vector<ZipEntry>& ZipPackage::entries() const { return impl_->entries; }

bool ZipPackage::contains(std::string_view name) const {
  return impl_->by_name.find(name) != impl_->by_name.end();
}

namespace {

std::string open_error_text(int code) {
  if (code == ZIP_ER_NOZIP) return "not a zip archive";
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

}  // namespace

Result<ZipPackage> ZipPackage::open(const fs::path& zip_path, const ExtractLimits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(zip_path, ec)) {
    return fail(ErrorCode::kNotFound, zip_path.string() + ": no such file");
  }
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  int code = 0;
  impl->archive.reset(zip_open(zip_path.c_str(), ZIP_RDONLY, &code));
  if (!impl->archive) {
    return fail(ErrorCode::kInvalid, zip_path.filename().string() + ": " + open_error_text(code));
  }
  if (auto ok = impl->validate(); !ok) return tl::unexpected(ok.error());
  return ZipPackage(std::move(impl));
}

Result<ZipPackage> ZipPackage::open_bytes(std::string bytes, const ExtractLimits& limits) {
  auto impl = std::make_unique<Impl>();
  impl->bytes = std::move(bytes);
  const std::string_view view = impl->bytes;
  return open_memory(std::move(impl), view, limits);
}

Result<ZipPackage> ZipPackage::open_view(std::string_view bytes, const ExtractLimits& limits) {
  return open_memory(std::make_unique<Impl>(), bytes, limits);
}

Result<ZipPackage> ZipPackage::open_memory(std::unique_ptr<Impl> impl, std::string_view bytes,
                                           const ExtractLimits& limits) {
  impl->limits = limits;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return fail(ErrorCode::kIo, "cannot read the zip from memory");
  }
  impl->archive.reset(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (!impl->archive) {
    const int code = zip_error_code_zip(&error);
    zip_source_free(source);  // not taken over when the open fails
    zip_error_fini(&error);
    return fail(ErrorCode::kInvalid, "zip: " + open_error_text(code));
  }
  zip_error_fini(&error);
  if (auto ok = impl->validate(); !ok) return tl::unexpected(ok.error());
  return ZipPackage(std::move(impl));
}

Result<std::string> ZipPackage::read(std::string_view name, uint64_t max_bytes) const {
  const auto found = impl_->by_name.find(name);
  if (found == impl_->by_name.end()) {
    return fail(ErrorCode::kNotFound, "no entry \"" + std::string(name) + "\" in the package");
  }
  std::string content;
  uint64_t total = 0;
  auto ok = impl_->inflate(found->second, total, max_bytes,
                           [&](const char* data, size_t size) -> Result<void> {
                             content.append(data, size);
                             return {};
                           });
  if (!ok) return tl::unexpected(ok.error());
  return content;
}

Result<void> ZipPackage::extract_to(const fs::path& dir) const {
  uint64_t total = 0;
  for (size_t i = 0; i < impl_->entries.size(); ++i) {
    const ZipEntry& entry = impl_->entries[i];
    const std::string& raw = impl_->raw_names[i];
    const fs::path target = dir / entry.name;
    // Only folders this loop created exist under `dir`, and it never creates a symlink,
    // so no path component can lead outside.
    std::error_code ec;
    fs::create_directories(entry.is_directory ? target : target.parent_path(), ec);
    if (ec) return entry_error(ErrorCode::kIo, raw, "cannot create folder: " + ec.message());
    if (entry.is_directory) continue;
    FdGuard fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      return entry_error(ErrorCode::kIo, raw, "cannot create file: " + errno_text(errno));
    }
    auto ok =
        impl_->inflate(i, total, UINT64_MAX, [&](const char* data, size_t size) -> Result<void> {
          while (size > 0) {
            const ssize_t n = ::write(fd.get(), data, size);
            if (n < 0) {
              if (errno == EINTR) continue;
              return entry_error(ErrorCode::kIo, raw, "write failed: " + errno_text(errno));
            }
            data += n;
            size -= static_cast<size_t>(n);
          }
          return {};
        });
    if (!ok) return ok;
    if (::close(fd.release()) != 0) {
      return entry_error(ErrorCode::kIo, raw, "write failed: " + errno_text(errno));
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Package level: manifest discovery and file checks.

namespace {

bool file_exists(const fs::path& root, const std::string& url_path) {
  const std::optional<std::string> decoded =
      detail::percent_decode(detail::strip_query_and_fragment(url_path));
  if (!decoded) return false;
  const detail::NormalisedPath n = detail::normalise_relative(*decoded);
  if (n.issue != detail::PathIssue::kNone) return false;
  std::error_code ec;
  return fs::is_regular_file(root / n.path, ec);
}

// Explains the common mistake of zipping the course folder instead of its contents.
std::string missing_manifest_message(const fs::path& root) {
  std::string message = "no imsmanifest.xml at the package root";
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 2) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename().string();
    if (detail::ascii_lower(name) != kManifestName) continue;
    const std::string relative = fs::relative(it->path(), root, ec).generic_string();
    if (it.depth() == 0) {
      message += " (found \"" + relative + "\"; the name is case-sensitive)";
    } else {
      message += " (found \"" + relative + "\"; zip the course folder's contents, not the folder)";
    }
    break;
  }
  return message;
}

void check_files(const fs::path& root, Manifest& manifest) {
  std::set<std::string> launched;
  for (const Organization& org : manifest.organizations) {
    for_each_item(org.items, [&](const Item& item) { launched.insert(item.identifierref); });
  }
  std::vector<Problem> found;
  for (const Resource& res : manifest.resources) {
    const std::string where = "resource " + res.identifier;
    if (!res.launch_path.empty() && !res.external && !file_exists(root, res.launch_path)) {
      const bool needed = res.scorm_type == ScormType::kSco || launched.contains(res.identifier);
      found.push_back(Problem{needed ? Severity::kError : Severity::kWarning, where,
                              "launch file \"" + res.launch_path + "\" is not in the package"});
    }
    for (const std::string& file : res.files) {
      if (!file_exists(root, file)) {
        found.push_back(Problem{Severity::kWarning, where,
                                "listed file \"" + file + "\" is not in the package"});
      }
    }
  }
  manifest.problems.insert(manifest.problems.end(), found.begin(), found.end());
}

// A temporary folder beside the destination, removed unless committed: on the same file
// system, so the final rename is atomic and a crash never leaves a half package at `dest`.
class StagingDir {
 public:
  StagingDir() = default;
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }

  Result<void> create(const fs::path& dest) {
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) {
      return fail(ErrorCode::kIo,
                  "cannot create " + dest.parent_path().string() + ": " + ec.message());
    }
    std::string pattern =
        (dest.parent_path() / ("." + dest.filename().string() + ".partial-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fail(ErrorCode::kIo, "cannot create a staging folder: " + errno_text(errno));
    }
    path_ = pattern;
    return {};
  }

  Result<void> commit(const fs::path& dest) {
    // RENAME_NOREPLACE: two imports racing for one name must not replace each other.
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
      const int err = errno;
      if (err == EEXIST) {
        return fail(ErrorCode::kConflict, dest.string() + " already exists");
      }
      return fail(ErrorCode::kIo, "cannot move the package into place: " + errno_text(err));
    }
    path_.clear();
    return {};
  }

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string summarise(const std::vector<Problem>& problems) {
  size_t errors = 0;
  std::string first;
  for (const Problem& p : problems) {
    if (p.severity != Severity::kError) continue;
    if (errors++ == 0) first = p.where + ": " + p.message;
  }
  std::string message = "imsmanifest.xml has " + std::to_string(errors) +
                        (errors == 1 ? " problem: " : " problems, the first: ");
  return message + first;
}

Result<Package> import(const ZipPackage& zip, const fs::path& dest) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dest, ec))) {
    return fail(ErrorCode::kConflict, dest.string() + " already exists");
  }
  StagingDir staging;
  if (auto ok = staging.create(dest); !ok) return tl::unexpected(ok.error());
  if (auto ok = zip.extract_to(staging.path()); !ok) return tl::unexpected(ok.error());
  Result<Package> package = open_extracted_package(staging.path());
  if (!package) return package;
  if (package->manifest.has_errors()) {
    Error error{ErrorCode::kInvalid, summarise(package->manifest.problems),
                std::move(package->manifest.problems)};
    return tl::unexpected(std::move(error));
  }
  if (auto ok = staging.commit(dest); !ok) return tl::unexpected(ok.error());
  package->root = dest;
  return package;
}

}  // namespace

Result<Package> open_extracted_package(const fs::path& root) {
  const fs::path manifest_path = root / kManifestName;
  std::error_code ec;
  if (!fs::is_regular_file(manifest_path, ec)) {
    return fail(ErrorCode::kInvalid, missing_manifest_message(root));
  }
  const uint64_t size = fs::file_size(manifest_path, ec);
  if (ec) return fail(ErrorCode::kIo, "imsmanifest.xml: " + ec.message());
  if (size > kMaxManifestBytes) {
    return fail(ErrorCode::kTooLarge, "imsmanifest.xml is larger than 16 MiB");
  }
  std::ifstream in(manifest_path, std::ios::binary);
  std::string xml(size, '\0');
  if (!in.read(xml.data(), static_cast<std::streamsize>(size))) {
    return fail(ErrorCode::kIo, "imsmanifest.xml: read failed");
  }
  Result<Manifest> manifest = parse_manifest(xml);
  if (!manifest) return tl::unexpected(manifest.error());
  check_files(root, *manifest);
  return Package{root, std::move(*manifest)};
}

Result<Package> extract_package(const fs::path& zip_path, const fs::path& dest_dir,
                                const ExtractLimits& limits) {
  Result<ZipPackage> zip = ZipPackage::open(zip_path, limits);
  if (!zip) return tl::unexpected(zip.error());
  return import(*zip, dest_dir);
}

Result<Package> extract_package_bytes(std::string_view zip_bytes, const fs::path& dest_dir,
                                      const ExtractLimits& limits) {
  // The package lives only for this call: read the caller's bytes in place (an upload can
  // be hundreds of megabytes; a copy would double the peak memory).
  Result<ZipPackage> zip = ZipPackage::open_view(zip_bytes, limits);
  if (!zip) return tl::unexpected(zip.error());
  return import(*zip, dest_dir);
}

}  // namespace scorm

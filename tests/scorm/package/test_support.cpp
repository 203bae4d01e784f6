#include "test_support.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <zip.h>

#include <sys/stat.h>

namespace scorm::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "scorm_pkg_test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string data_file(const std::string& name) {
  return read_file(fs::path(SCORM_TEST_DATA_DIR) / name);
}

std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

ZipBuilder& ZipBuilder::file(std::string name, std::string content) {
  entries_.push_back({std::move(name), std::move(content), Entry::Kind::kFile, 0});
  return *this;
}
ZipBuilder& ZipBuilder::folder(std::string name) {
  entries_.push_back({std::move(name), {}, Entry::Kind::kFolder, 0});
  return *this;
}
ZipBuilder& ZipBuilder::symlink(std::string name, std::string target) {
  entries_.push_back({std::move(name), std::move(target), Entry::Kind::kSymlink, 0});
  return *this;
}
ZipBuilder& ZipBuilder::encrypted(std::string name, std::string content) {
  entries_.push_back({std::move(name), std::move(content), Entry::Kind::kEncrypted, 0});
  return *this;
}
ZipBuilder& ZipBuilder::special(std::string name, uint32_t mode_type) {
  entries_.push_back({std::move(name), {}, Entry::Kind::kSpecial, mode_type});
  return *this;
}

namespace {

zip_uint16_t encryption_method() {
  if (zip_encryption_method_supported(ZIP_EM_AES_256, 1)) return ZIP_EM_AES_256;
  if (zip_encryption_method_supported(ZIP_EM_TRAD_PKWARE, 1)) return ZIP_EM_TRAD_PKWARE;
  return ZIP_EM_NONE;
}

}  // namespace

bool can_encrypt() { return encryption_method() != ZIP_EM_NONE; }

std::string ZipBuilder::write(const fs::path& path) const {
  int error = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (za == nullptr) throw std::runtime_error("zip_open failed");
  for (const Entry& e : entries_) {
    zip_int64_t index = 0;
    if (e.kind == Entry::Kind::kFolder) {
      index = zip_dir_add(za, e.name.c_str(), ZIP_FL_ENC_RAW);
    } else {
      // libzip reads the buffer at zip_close; entries_ outlives that.
      zip_source_t* src = zip_source_buffer(za, e.content.data(), e.content.size(), 0);
      index = zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_RAW);
      if (index < 0) zip_source_free(src);
    }
    if (index < 0) throw std::runtime_error("cannot add " + e.name + ": " + zip_strerror(za));
    const auto i = static_cast<zip_uint64_t>(index);
    if (e.kind == Entry::Kind::kSymlink) {
      zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777u) << 16);
    } else if (e.kind == Entry::Kind::kSpecial) {
      zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX, (e.mode_type | 0644u) << 16);
    } else if (e.kind == Entry::Kind::kEncrypted) {
      if (zip_file_set_encryption(za, i, encryption_method(), "secret") != 0) {
        throw std::runtime_error("cannot encrypt");
      }
    }
  }
  if (zip_close(za) != 0) {
    const std::string message = zip_strerror(za);
    zip_discard(za);
    throw std::runtime_error("zip_close failed: " + message);
  }
  return read_file(path);
}

std::string ZipBuilder::bytes() const {
  const fs::path path = fs::temp_directory_path() /
                        ("scorm_pkg_zip-" + std::to_string(std::random_device{}()) + ".zip");
  std::string data = write(path);
  fs::remove(path);
  return data;
}

std::string patch(std::string bytes, const std::string& from, const std::string& to) {
  if (from.size() != to.size()) throw std::logic_error("patch: sizes differ");
  for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + 1)) {
    bytes.replace(at, from.size(), to);
  }
  return bytes;
}

std::string patch_declared_size(std::string bytes, const std::string& name, uint32_t size) {
  const auto put32 = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<char>((v >> (8 * k)) & 0xFF);
  };
  const auto get16 = [&](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(bytes[at])) |
           (static_cast<size_t>(static_cast<unsigned char>(bytes[at + 1])) << 8);
  };
  const std::string local_sig("PK\x03\x04", 4);
  const std::string central_sig("PK\x01\x02", 4);
  for (size_t at = bytes.find(local_sig); at != std::string::npos;
       at = bytes.find(local_sig, at + 1)) {
    if (at + 30 <= bytes.size() && get16(at + 26) == name.size() &&
        bytes.compare(at + 30, name.size(), name) == 0) {
      put32(at + 22, size);
    }
  }
  for (size_t at = bytes.find(central_sig); at != std::string::npos;
       at = bytes.find(central_sig, at + 1)) {
    if (at + 46 <= bytes.size() && get16(at + 28) == name.size() &&
        bytes.compare(at + 46, name.size(), name) == 0) {
      put32(at + 24, size);
    }
  }
  return bytes;
}

std::string minimal_manifest(const std::string& launch) {
  return R"(<?xml version="1.0"?>
<manifest identifier="M" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>Lesson</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="R" type="webcontent" adlcp:scormtype="sco" href=")" +
         launch + R"("><file href=")" + launch + R"("/></resource>
  </resources>
</manifest>)";
}

}  // namespace scorm::test

#include "player/wrap.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/hmac.h>
#include <pugixml.hpp>
#include <zip.h>

#include "lrs/auth.h"
#include "player_page.h"
#include "scorm/manifest.h"

namespace player {

const char* shim_script();  // web/wrap/shim.js, generated into shim_script.cpp

namespace {

using nlohmann::json;

// Shared with launch tokens (player_handler.cpp): one server key per database.
constexpr const char* kServerKeyName = "player-launch-token-key";

std::string_view local_name(std::string_view qualified) {
  auto colon = qualified.find(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

std::string dirname_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
}

std::string basename_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string path_part(std::string_view href) {
  return std::string(href.substr(0, href.find_first_of("?#")));
}

// File-name safe: letters, digits, '-', '_' and '.'; anything else becomes '_'.
std::string safe_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

std::string shim_page(const std::string& title, const json& config) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         escape_html(title) +
         "</title>\n<style>html,body{margin:0;height:100%;overflow:hidden}"
         "iframe{display:block;border:0;width:100%;height:100%}</style>\n</head>\n<body>\n"
         "<iframe id=\"sco\" title=\"" +
         escape_html(title) +
         "\" allow=\"fullscreen\"></iframe>\n<script>window.LRSBRIDGE_RELAY = " +
         escape_script(config.dump()) + ";</script>\n<script>\n" + shim_script() +
         "</script>\n</body>\n</html>\n";
}

// The item that launches `resource`: the default organization's first, then any other's.
const scorm::Item* launching_item(const scorm::Manifest& m, const std::string& resource) {
  const scorm::Item* found = nullptr;
  auto look = [&](const scorm::Organization& org) {
    scorm::for_each_item(org.items, [&](const scorm::Item& item) {
      if (found == nullptr && item.is_leaf() && item.identifierref == resource) found = &item;
    });
  };
  if (const scorm::Organization* first = m.default_or_first_organization()) look(*first);
  for (const auto& org : m.organizations) {
    if (found == nullptr) look(org);
  }
  return found;
}

struct Writer final : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

lrs::Error zip_error(const std::string& what, zip_error_t* error) {
  return {lrs::ErrorCode::kInternal, what + ": " + zip_error_strerror(error)};
}

// Owns a libzip archive: discarded unless closed.
struct ArchiveCloser {
  void operator()(zip_t* z) const {
    if (z != nullptr) zip_discard(z);
  }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

// Builds the wrapped zip in memory from the package as extracted at import (import
// checked every entry, and the files are the zip's bytes): every file but the manifest as
// it is, then the new manifest and the shim pages.
lrs::Result<std::string> build_zip(const std::filesystem::path& root,
                                   const RewrittenManifest& rewritten) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out_source = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (out_source == nullptr) return tl::unexpected(zip_error("writing the zip", &error));
  zip_source_keep(out_source);  // read back after zip_close
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> out_holder(out_source, zip_source_free);
  Archive out(zip_open_from_source(out_source, ZIP_TRUNCATE, &error));
  if (!out) return tl::unexpected(zip_error("writing the zip", &error));

  auto add = [&](const std::string& name, zip_source_t* source) -> lrs::Result<void> {
    if (source == nullptr ||
        zip_file_add(out.get(), name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
      if (source != nullptr) zip_source_free(source);
      return lrs::fail(lrs::ErrorCode::kInternal,
                       "adding " + name + ": " + zip_strerror(out.get()));
    }
    return {};
  };
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    files.push_back(it->path());
  }
  if (ec) return lrs::fail(lrs::ErrorCode::kInternal, "reading the package: " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string name = path.lexically_relative(root).generic_string();
    if (std::filesystem::is_directory(path, ec)) {
      if (zip_dir_add(out.get(), name.c_str(), ZIP_FL_ENC_UTF_8) < 0) {
        return lrs::fail(lrs::ErrorCode::kInternal,
                         "adding " + name + ": " + zip_strerror(out.get()));
      }
      continue;
    }
    if (name == "imsmanifest.xml") continue;
    if (auto ok = add(name, zip_source_file(out.get(), path.c_str(), 0, -1)); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // The buffers must live until zip_close, which reads them.
  auto add_text = [&](const std::string& name, const std::string& text) {
    return add(name, zip_source_buffer(out.get(), text.data(), text.size(), 0));
  };
  if (auto ok = add_text("imsmanifest.xml", rewritten.xml); !ok) return tl::unexpected(ok.error());
  for (const auto& [path, html] : rewritten.shim_pages) {
    if (auto ok = add_text(path, html); !ok) return tl::unexpected(ok.error());
  }
  if (zip_close(out.get()) < 0) {
    return lrs::fail(lrs::ErrorCode::kInternal,
                     std::string("writing the zip: ") + zip_strerror(out.get()));
  }
  (void)out.release();  // closed and freed by zip_close

  std::string bytes;
  if (zip_source_open(out_source) < 0) {
    return lrs::fail(lrs::ErrorCode::kInternal, "reading the written zip back");
  }
  char buffer[65536];
  for (;;) {
    zip_int64_t got = zip_source_read(out_source, buffer, sizeof buffer);
    if (got < 0) {
      zip_source_close(out_source);
      return lrs::fail(lrs::ErrorCode::kInternal, "reading the written zip back");
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  zip_source_close(out_source);
  return bytes;
}

bool http_url(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

}  // namespace

std::string url_origin(std::string_view url) {
  // Browsers send Origin lower-cased (scheme and host), so the comparison is on that form.
  std::string lower(url);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!http_url(lower)) return "";
  auto host_start = lower.find("://") + 3;
  auto end = lower.find_first_of("/?#", host_start);
  if (end == host_start || host_start == lower.size()) return "";
  return lower.substr(0, end);
}

std::string relay_key(std::string_view server_key, std::string_view package_id,
                      std::string_view lms_url) {
  const std::string message = "relay|" + std::string(package_id) + "|" + std::string(lms_url);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), server_key.data(), static_cast<int>(server_key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

lrs::Result<std::string> server_key(lrs::PlayerStore& store) {
  return store.secret(kServerKeyName, [] { return lrs::generate_secret(); });
}

lrs::Result<RewrittenManifest> rewrite_manifest(
    std::string_view manifest_xml, const RelayTarget& target,
    const std::function<bool(const std::string&)>& exists) {
  auto parsed = scorm::parse_manifest(manifest_xml);
  if (!parsed) {
    return lrs::fail(lrs::ErrorCode::kInvalid, "imsmanifest.xml: " + parsed.error().message);
  }
  const scorm::Manifest& m = *parsed;
  pugi::xml_document doc;
  const unsigned flags = pugi::parse_full | pugi::parse_ws_pcdata;
  pugi::xml_parse_result xml = doc.load_buffer(manifest_xml.data(), manifest_xml.size(), flags);
  if (!xml) {
    return lrs::fail(lrs::ErrorCode::kInvalid,
                     std::string("imsmanifest.xml: ") + xml.description());
  }
  RewrittenManifest out;
  std::set<std::string> taken;
  const bool v2004 = m.scorm_version == scorm::ScormVersion::kScorm2004;
  // Resource elements by identifier, wherever <resources> sits and whatever its prefix.
  std::map<std::string, pugi::xml_node> nodes;
  for (pugi::xml_node node : doc.document_element().children()) {
    if (node.type() != pugi::node_element || local_name(node.name()) != "resources") continue;
    for (pugi::xml_node r : node.children()) {
      if (r.type() == pugi::node_element && local_name(r.name()) == "resource") {
        nodes.emplace(r.attribute("identifier").value(), r);
      }
    }
  }
  for (const scorm::Resource& r : m.resources) {
    if (r.scorm_type != scorm::ScormType::kSco) continue;
    if (r.href.empty()) continue;
    if (r.external) {
      out.notes.push_back("resource " + r.identifier + " launches an external URL (" + r.href +
                          "); not wrapped");
      continue;
    }
    const scorm::Item* item = launching_item(m, r.identifier);
    if (item == nullptr) {
      out.notes.push_back("resource " + r.identifier + " is launched by no item; not wrapped");
      continue;
    }
    auto node = nodes.find(r.identifier);
    if (node == nodes.end()) continue;
    const std::string href_path = path_part(r.href);
    const std::string href_rest = r.href.substr(href_path.size());
    const std::string launch_file = path_part(r.launch_path);
    std::string stem = basename_of(href_path);
    if (auto dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
    const std::string base_name = safe_name(stem) + ".lrsbridge-" + safe_name(r.identifier);
    std::string shim_name = base_name + ".html";
    for (int n = 2; exists(dirname_of(launch_file) + shim_name) ||
                    taken.contains(dirname_of(launch_file) + shim_name);
         ++n) {
      shim_name = base_name + "-" + std::to_string(n) + ".html";
    }
    WrappedSco sco;
    sco.resource = r.identifier;
    sco.item = item->identifier;
    sco.shim_path = dirname_of(launch_file) + shim_name;
    sco.old_href = r.href;
    sco.new_href = dirname_of(href_path);
    sco.new_href += shim_name;
    sco.new_href += href_rest;
    taken.insert(sco.shim_path);

    pugi::xml_node element = node->second;
    element.attribute("href").set_value(sco.new_href.c_str());
    // The shim is one of the resource's files (CAM: every file a resource uses is listed).
    std::string prefix(element.name());
    prefix.resize(prefix.size() - local_name(prefix).size());
    pugi::xml_node last_file;
    for (pugi::xml_node child : element.children()) {
      if (child.type() == pugi::node_element && local_name(child.name()) == "file") {
        last_file = child;
      }
    }
    pugi::xml_node file = last_file ? element.insert_child_after(pugi::node_element, last_file)
                                    : element.prepend_child(pugi::node_element);
    file.set_name((prefix + "file").c_str());
    file.append_attribute("href").set_value((dirname_of(href_path) + shim_name).c_str());
    if (last_file) {
      // Same indentation as the file entry before it.
      pugi::xml_node space = last_file.previous_sibling();
      if (space.type() == pugi::node_pcdata) {
        element.insert_copy_after(space, last_file);
      }
    }

    json config = {{"bridge", target.bridge_url},
                   {"package", target.package_id},
                   {"key", target.key},
                   {"lms", target.lms_url},
                   {"sco", sco.item},
                   {"cmi", v2004 ? "2004" : "1.2"},
                   {"content", basename_of(href_path)}};
    out.shim_pages.emplace_back(sco.shim_path, shim_page(item->title, config));
    out.scos.push_back(std::move(sco));
  }
  if (out.scos.empty()) {
    std::string why = "the package has no SCO to wrap";
    for (const auto& note : out.notes) why += "; " + note;
    return lrs::fail(lrs::ErrorCode::kInvalid, why);
  }
  // The declaration is a child node with parse_full, so it is written back as it was,
  // except its encoding: the text is written as UTF-8 whatever it was read as.
  for (pugi::xml_node node : doc.children()) {
    if (node.type() == pugi::node_declaration && node.attribute("encoding")) {
      node.attribute("encoding").set_value("UTF-8");
    }
  }
  Writer writer;
  doc.save(writer, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  out.xml = std::move(writer.out);
  // Whitespace between the declaration and the root is not a node; keep its line break.
  const auto original_end = manifest_xml.find("?>");
  const auto written_end = out.xml.find("?>");
  if (manifest_xml.starts_with("<?xml") && out.xml.starts_with("<?xml") &&
      original_end != std::string_view::npos && written_end != std::string::npos) {
    std::string_view after = manifest_xml.substr(original_end + 2);
    const std::size_t breaks = after.find_first_not_of("\r\n");
    out.xml.insert(written_end + 2, after.substr(0, breaks == std::string_view::npos ? 0 : breaks));
  }
  return out;
}

lrs::Result<WrapOutcome> wrap_stored_package(lrs::PlayerStore& store, const std::string& package_id,
                                             const WrapOptions& options) {
  if (url_origin(options.bridge_url).empty()) {
    return lrs::fail(
        lrs::ErrorCode::kInvalid,
        "bridge URL: must be an http:// or https:// URL, got \"" + options.bridge_url + "\"");
  }
  if (url_origin(options.lms_url).empty()) {
    return lrs::fail(
        lrs::ErrorCode::kInvalid,
        "LMS URL: must be an http:// or https:// URL, got \"" + options.lms_url + "\"");
  }
  auto found = store.find_package(package_id);
  if (!found) return tl::unexpected(found.error());
  if (!*found) return lrs::fail(lrs::ErrorCode::kNotFound, "no package " + package_id);
  const std::filesystem::path root = (*found)->directory;
  std::string manifest;
  {
    std::FILE* f = std::fopen((root / "imsmanifest.xml").c_str(), "rb");
    if (f == nullptr) {
      return lrs::fail(lrs::ErrorCode::kInternal,
                       "package " + package_id + ": its imsmanifest.xml is gone");
    }
    char buffer[65536];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) manifest.append(buffer, got);
    std::fclose(f);
  }
  auto key = server_key(store);
  if (!key) return tl::unexpected(key.error());
  std::string bridge = options.bridge_url;
  while (!bridge.empty() && bridge.back() == '/') bridge.pop_back();
  RelayTarget target{bridge, options.lms_url, package_id,
                     relay_key(*key, package_id, options.lms_url)};
  auto rewritten = rewrite_manifest(manifest, target, [&](const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(root / path, ec);
  });
  if (!rewritten) return tl::unexpected(rewritten.error());
  auto zip = build_zip(root, *rewritten);
  if (!zip) return tl::unexpected(zip.error());
  return WrapOutcome{{**found, false}, std::move(*zip), std::move(*rewritten)};
}

lrs::Result<WrapOutcome> wrap_package(lrs::PlayerStore& store,
                                      const std::filesystem::path& data_dir,
                                      std::string_view zip_bytes, const WrapOptions& options) {
  if (url_origin(options.bridge_url).empty() || url_origin(options.lms_url).empty()) {
    return wrap_stored_package(store, "", options);  // names the bad option
  }
  std::string problems;
  auto imported = import_package(store, data_dir, zip_bytes, &problems);
  if (!imported) {
    lrs::Error e = imported.error();
    if (!problems.empty() && problems != "[]") e.message += "; problems: " + problems;
    return tl::unexpected(e);
  }
  auto wrapped = wrap_stored_package(store, imported->record.id, options);
  if (wrapped) wrapped->imported.created = imported->created;
  return wrapped;
}

}  // namespace player

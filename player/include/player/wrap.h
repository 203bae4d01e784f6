// The LMS plugin bridge's package side: `wrap` turns a SCORM 1.2 / 2004 zip into one an
// LMS imports as before. Every file of the original stays byte for byte; each SCO
// resource's launch goes through a shim page (web/wrap/shim.js, embedded at build time)
// that forwards the SCO's API calls to the LMS's own API and mirrors the values the LMS
// accepted to the bridge's relay (relay_handler.h).
//
// The relay key embedded in a wrapped zip is HMAC-SHA256(server key, package|lms_url):
// it lets anyone holding the zip report for that package and that LMS, nothing else.
// Pure functions apart from wrap_package, which also imports the original into the store.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lrs/error.h"
#include "lrs/player_store.h"
#include "player/packages.h"

namespace player {

struct RelayTarget {
  std::string bridge_url;  // base URL of the bridge as the learner's browser reaches it
  std::string lms_url;     // the LMS base URL: learners' account homePage, and its origin
  std::string package_id;  // the package as imported into the bridge
  std::string key;         // relay_key(server key, package_id, lms_url)
};

// One SCO resource whose launch now goes through a shim page.
struct WrappedSco {
  std::string resource;   // resource identifier
  std::string item;       // the item that launches it (the bridge's SCO identifier)
  std::string shim_path;  // the shim page's path in the zip
  std::string old_href;
  std::string new_href;  // as now written in the manifest (relative to the resource's base)
};

struct RewrittenManifest {
  std::string xml;  // the manifest with the SCO resources' href changed and the shim listed
  std::vector<WrappedSco> scos;
  // Shim pages to add: zip path -> HTML.
  std::vector<std::pair<std::string, std::string>> shim_pages;
  std::vector<std::string> notes;  // resources left as they were, and why
};

// Rewrites `manifest_xml` (an imsmanifest.xml that scorm::parse_manifest accepts): for each
// SCO resource with a local href that an item launches, href points to a shim page next
// to the original launch file and a <file> entry lists it; everything else (metadata,
// sequencing, prerequisites, xml:base, comments) is kept as written. `exists` says
// whether a path is taken in the zip (shim names avoid them). kInvalid when the manifest
// does not parse or has no SCO to wrap.
lrs::Result<RewrittenManifest> rewrite_manifest(
    std::string_view manifest_xml, const RelayTarget& target,
    const std::function<bool(const std::string&)>& exists);

// The bridge's relay key for a package and LMS: hex HMAC-SHA256(server_key,
// "relay|" + package_id + "|" + lms_url).
std::string relay_key(std::string_view server_key, std::string_view package_id,
                      std::string_view lms_url);

// The server key (shared with launch tokens), made on first use.
lrs::Result<std::string> server_key(lrs::PlayerStore& store);

// "scheme://host[:port]" of an absolute http(s) URL; "" when it is not one.
std::string url_origin(std::string_view url);

struct WrapOptions {
  std::string bridge_url;  // required, http(s)://...
  std::string lms_url;     // required, http(s)://...
};

struct WrapOutcome {
  ImportOutcome imported;
  std::string zip;  // the wrapped package
  RewrittenManifest manifest;
};

// Builds the wrapped zip of an imported package from its extracted files: every file
// unchanged, imsmanifest.xml rewritten, the shim pages added. kInvalid for a bad URL
// (naming it) or a package without SCOs to wrap; kNotFound for an unknown package.
lrs::Result<WrapOutcome> wrap_stored_package(lrs::PlayerStore& store, const std::string& package_id,
                                             const WrapOptions& options);

// Imports `zip_bytes` like import_package (same id, so `package import` and `wrap` of one
// zip are one package), then wrap_stored_package. Also kInvalid for a bad zip.
lrs::Result<WrapOutcome> wrap_package(lrs::PlayerStore& store,
                                      const std::filesystem::path& data_dir,
                                      std::string_view zip_bytes, const WrapOptions& options);

}  // namespace player

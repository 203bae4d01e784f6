// Package import for the SCORM bridge: a zip becomes files under the data directory and
// a PackageRecord whose summary JSON carries everything the player needs later (SCOs
// with launch URLs, the organization tree, control mode, the CMI version), so the
// runtime never re-reads the manifest.
//
// Package ids are content addresses (the first 128 bits of the zip's SHA-256 in hex):
// importing the same zip twice finds the package already there, which makes scripted
// imports idempotent.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "lrs/player_store.h"

namespace player {

struct ImportOutcome {
  lrs::PackageRecord record;
  bool created = false;  // false: the same zip was imported before
};

// Extracts `zip_bytes` (read in place, not copied) to `data_dir`/{id} and stores the
// record. On a bad zip or manifest: kInvalid (kTooLarge for limits) naming the entry and
// rule, and when `problems_json` is given it receives the manifest's problems as a JSON
// array text. Nothing is left behind on failure.
lrs::Result<ImportOutcome> import_package(lrs::PlayerStore& store,
                                          const std::filesystem::path& data_dir,
                                          std::string_view zip_bytes,
                                          std::string* problems_json = nullptr);

// Deletes the record (with its registrations and attempts) and then its files.
lrs::Result<void> delete_package(lrs::PlayerStore& store, const std::string& id);

// The API view: {"id","title","version","created","scos":[{identifier,title,launch}],
// "problems":[{severity,where,message}]}.
std::string package_json(const lrs::PackageRecord& record);

}  // namespace player

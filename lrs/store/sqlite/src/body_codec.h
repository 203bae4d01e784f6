// Compression of stored statement bodies with zstd dictionaries. Private to lrs_sqlite.
//
// A statement body is ~1 KB of JSON that shares most of its text (property names,
// verb and activity IRIs, the authority) with the other statements of the same
// database, which a general compressor cannot see in one small body; a zstd
// dictionary trained on the database's own statements can (~1,100 -> ~130 bytes for
// the bench statements). Bodies stay TEXT until a dictionary exists and are BLOB zstd
// frames after; each frame names its dictionary, so dictionaries are never replaced,
// only added (table `dictionaries`).
//
// Thread-safe: compress() and decompress() may run on any thread at once; add() and
// use() publish a dictionary to them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lrs/error.h"

namespace lrs::sqlite {

class BodyCodec {
 public:
  BodyCodec();
  ~BodyCodec();
  BodyCodec(const BodyCodec&) = delete;
  BodyCodec& operator=(const BodyCodec&) = delete;

  // A dictionary trained on `samples` (bodies as stored); nullopt when zstd finds
  // too little to learn from them.
  static std::optional<std::string> train(const std::vector<std::string>& samples);
  // The id a dictionary's frames carry (0 for a malformed dictionary).
  static std::uint32_t dictionary_id(std::string_view dictionary);

  // Makes `dictionary` known for decompression. kInvalid when it is malformed.
  Result<void> add(std::string_view dictionary);
  // Compresses new bodies with the dictionary `id` (added before).
  void use(std::uint32_t id);
  bool compressing() const;

  // The zstd frame of `body` with the current dictionary, or an empty string when no
  // dictionary is in use or the frame would not be smaller.
  std::string compress(std::string_view body) const;

  struct Unknown {
    std::uint32_t dictionary;
  };
  // The body in `frame`. Unknown when the frame names a dictionary not added yet
  // (written by another process: load it and retry); kInternal for a corrupt frame.
  Result<std::string> decompress(std::string_view frame, Unknown* unknown = nullptr) const;

 private:
  struct Dictionary;
  mutable std::mutex mu_;
  std::unordered_map<std::uint32_t, std::shared_ptr<const Dictionary>> dictionaries_;
  std::shared_ptr<const Dictionary> current_;
};

}  // namespace lrs::sqlite

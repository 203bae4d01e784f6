#include "body_codec.h"

#include <zdict.h>
#include <zstd.h>

namespace lrs::sqlite {
namespace {

// Level 1: with a dictionary, higher levels gained no size on statements and cost time
// on the request threads, which compress.
constexpr int kLevel = 1;
constexpr std::size_t kDictionaryCapacity = 32 * 1024;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread: creating one per body costs more than compressing it.
ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  return cctx.get();
}
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

struct BodyCodec::Dictionary {
  std::uint32_t id = 0;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
  Dictionary() = default;
  ~Dictionary() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
};

BodyCodec::BodyCodec() = default;
BodyCodec::~BodyCodec() = default;

std::optional<std::string> BodyCodec::train(const std::vector<std::string>& samples) {
  std::string joined;
  std::vector<std::size_t> sizes;
  sizes.reserve(samples.size());
  for (const std::string& s : samples) {
    joined += s;
    sizes.push_back(s.size());
  }
  std::string dictionary(kDictionaryCapacity, '\0');
  std::size_t n = ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), joined.data(),
                                        sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return std::nullopt;
  dictionary.resize(n);
  return dictionary;
}

std::uint32_t BodyCodec::dictionary_id(std::string_view dictionary) {
  return ZSTD_getDictID_fromDict(dictionary.data(), dictionary.size());
}

Result<void> BodyCodec::add(std::string_view dictionary) {
  std::uint32_t id = dictionary_id(dictionary);
  if (id == 0) return fail(ErrorCode::kInvalid, "malformed zstd dictionary");
  auto d = std::make_shared<Dictionary>();
  d->id = id;
  d->cdict = ZSTD_createCDict(dictionary.data(), dictionary.size(), kLevel);
  d->ddict = ZSTD_createDDict(dictionary.data(), dictionary.size());
  if (d->cdict == nullptr || d->ddict == nullptr) {
    return fail(ErrorCode::kInternal, "cannot load zstd dictionary " + std::to_string(id));
  }
  std::lock_guard<std::mutex> lock(mu_);
  dictionaries_.emplace(id, std::move(d));
  return {};
}

void BodyCodec::use(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = dictionaries_.find(id); it != dictionaries_.end()) current_ = it->second;
}

bool BodyCodec::compressing() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ != nullptr;
}

std::string BodyCodec::compress(std::string_view body) const {
  std::shared_ptr<const Dictionary> d;
  {
    std::lock_guard<std::mutex> lock(mu_);
    d = current_;
  }
  if (!d) return {};
  std::string frame(ZSTD_compressBound(body.size()), '\0');
  std::size_t n = ZSTD_compress_usingCDict(thread_cctx(), frame.data(), frame.size(), body.data(),
                                           body.size(), d->cdict);
  if (ZSTD_isError(n) || n >= body.size()) return {};
  frame.resize(n);
  return frame;
}

Result<std::string> BodyCodec::decompress(std::string_view frame, Unknown* unknown) const {
  std::uint32_t id = ZSTD_getDictID_fromFrame(frame.data(), frame.size());
  std::shared_ptr<const Dictionary> d;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = dictionaries_.find(id); it != dictionaries_.end()) d = it->second;
  }
  if (!d) {
    if (unknown != nullptr) unknown->dictionary = id;
    return fail(ErrorCode::kInternal,
                "stored statement compressed with unknown dictionary " + std::to_string(id));
  }
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1u << 30)) {
    return fail(ErrorCode::kInternal, "corrupt compressed statement body");
  }
  std::string body(static_cast<std::size_t>(size), '\0');
  std::size_t n = ZSTD_decompress_usingDDict(thread_dctx(), body.data(), body.size(), frame.data(),
                                             frame.size(), d->ddict);
  if (ZSTD_isError(n) || n != body.size()) {
    return fail(ErrorCode::kInternal, "corrupt compressed statement body");
  }
  return body;
}

}  // namespace lrs::sqlite

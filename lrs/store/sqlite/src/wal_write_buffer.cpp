#include "wal_write_buffer.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sqlite3.h>

namespace lrs::sqlite {
namespace {

constexpr const char* kVfsName = "lrs-wal-write-buffer";
// A transaction bigger than this (a sorted pass, a large ingest group) is written in
// pieces of at most this size: the unix VFS writes at most 128 KiB - 1 per call (it masks
// the length to 17 bits; SQLite itself never asks for more than a 64 KiB page).
constexpr std::size_t kMaxBufferedBytes = std::size_t{64} * 1024;
constexpr int kFrameHeaderBytes = 24;

std::atomic<std::uint64_t> writes_issued{0};
std::atomic<std::uint64_t> writes_received{0};

// Plain data only: SQLite allocates it (szOsFile bytes), we construct it in place.
struct WalFile {
  sqlite3_file base;   // pMethods = kWalMethods
  sqlite3_file* real;  // the wrapped file, in the same allocation after this struct
  char* data;          // the gathered writes, `size` bytes from file offset `offset`
  std::size_t size;
  std::size_t capacity;
  sqlite3_int64 offset;
  sqlite3_int64 next_append;  // where the last write handed to us ended
  bool commit_header_seen;    // the last write was the header of a commit frame
};

constexpr std::size_t kRealOffset = (sizeof(WalFile) + 15) & ~std::size_t{15};

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return wal(f)->real; }

int flush(WalFile* w) {
  if (w->size == 0) return SQLITE_OK;
  writes_issued.fetch_add(1, std::memory_order_relaxed);
  const int rc = w->real->pMethods->xWrite(w->real, w->data, static_cast<int>(w->size), w->offset);
  w->size = 0;
  return rc;
}

// Hands `amt` bytes at `off` to the wrapped file now, after what is gathered.
int write_through(WalFile* w, const void* buf, int amt, sqlite3_int64 off) {
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  writes_issued.fetch_add(1, std::memory_order_relaxed);
  return w->real->pMethods->xWrite(w->real, buf, amt, off);
}

int wal_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  WalFile* w = wal(f);
  writes_received.fetch_add(1, std::memory_order_relaxed);
  const auto n = static_cast<std::size_t>(amt);
  // A frame header's bytes 4-7 hold the database size in pages after a commit, 0 in the
  // other frames: the page after a commit frame's header completes the transaction.
  const bool completes_commit = w->commit_header_seen;
  const auto* bytes = static_cast<const unsigned char*>(buf);
  w->commit_header_seen =
      amt == kFrameHeaderBytes && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  const bool appends = off == w->next_append;
  w->next_append = off + amt;
  // Only frames appended one after the other are gathered. A write anywhere else rewrites
  // frames in place (a page changed again after its frame was written, the checksums
  // SQLite fixes after such a change, the WAL header at a restart) or follows another
  // connection's frames: it goes out at once, so that no header waits in memory for a
  // page that will not follow it and its error reaches the call that made it.
  if (!appends) return write_through(w, buf, amt, off);
  if (w->size != 0 && w->size + n > kMaxBufferedBytes) {
    if (int rc = flush(w); rc != SQLITE_OK) return rc;
  }
  if (w->size + n > w->capacity) {
    const std::size_t capacity =
        std::max(w->size + n, std::min(2 * w->capacity + 8192, kMaxBufferedBytes));
    auto* grown = static_cast<char*>(std::realloc(w->data, capacity));
    if (grown == nullptr) return write_through(w, buf, amt, off);  // no memory to gather in
    w->data = grown;
    w->capacity = capacity;
  }
  if (w->size == 0) w->offset = off;
  std::memcpy(w->data + w->size, buf, n);
  w->size += n;
  return completes_commit ? flush(w) : SQLITE_OK;
}

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  const int flushed = flush(w);
  const int rc = w->real->pMethods->xClose(w->real);
  std::free(w->data);
  w->data = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

// Every other operation sees the file with the gathered writes in it.
#define LRS_FLUSH_THEN(call)                              \
  if (int rc = flush(wal(f)); rc != SQLITE_OK) return rc; \
  return real(f)->pMethods->call

int wal_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  LRS_FLUSH_THEN(xRead(real(f), buf, amt, off));
}
int wal_truncate(sqlite3_file* f, sqlite3_int64 size) { LRS_FLUSH_THEN(xTruncate(real(f), size)); }
int wal_sync(sqlite3_file* f, int flags) { LRS_FLUSH_THEN(xSync(real(f), flags)); }
int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  LRS_FLUSH_THEN(xFileSize(real(f), size));
}
int wal_lock(sqlite3_file* f, int level) { LRS_FLUSH_THEN(xLock(real(f), level)); }
int wal_unlock(sqlite3_file* f, int level) { LRS_FLUSH_THEN(xUnlock(real(f), level)); }
int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  LRS_FLUSH_THEN(xCheckReservedLock(real(f), out));
}
int wal_file_control(sqlite3_file* f, int op, void* arg) {
  LRS_FLUSH_THEN(xFileControl(real(f), op, arg));
}
int wal_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int wal_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int wal_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  LRS_FLUSH_THEN(xShmMap(real(f), region, size, extend, out));
}
int wal_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  LRS_FLUSH_THEN(xShmLock(real(f), offset, n, flags));
}
void wal_shm_barrier(sqlite3_file* f) {
  (void)flush(wal(f));
  real(f)->pMethods->xShmBarrier(real(f));
}
int wal_shm_unmap(sqlite3_file* f, int delete_flag) {
  LRS_FLUSH_THEN(xShmUnmap(real(f), delete_flag));
}
int wal_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  LRS_FLUSH_THEN(xFetch(real(f), off, amt, out));
}
int wal_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  LRS_FLUSH_THEN(xUnfetch(real(f), off, p));
}

#undef LRS_FLUSH_THEN

constexpr sqlite3_io_methods kWalMethods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* underlying = static_cast<sqlite3_vfs*>(vfs->pAppData);
  if ((flags & SQLITE_OPEN_WAL) == 0 || underlying->iVersion < 3) {
    return underlying->xOpen(underlying, name, file, flags, out_flags);
  }
  auto* w = new (file) WalFile{};
  w->base.pMethods = nullptr;  // until the wrapped file is open: no xClose on failure
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  const int rc = underlying->xOpen(underlying, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
    return rc;
  }
  if (w->real->pMethods == nullptr || w->real->pMethods->iVersion < 3) {
    // Not a file this wrapper knows how to forward to: use it as it is.
    if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
    return underlying->xOpen(underlying, name, file, flags, out_flags);
  }
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

sqlite3_vfs* make_vfs() {
  sqlite3_vfs* underlying = sqlite3_vfs_find(nullptr);
  if (underlying == nullptr) return nullptr;
  // Everything but xOpen is the default VFS's own (they do not depend on the vfs argument
  // beyond what is copied here).
  static sqlite3_vfs vfs = *underlying;
  vfs.szOsFile = static_cast<int>(kRealOffset) + underlying->szOsFile;
  vfs.zName = kVfsName;
  vfs.pAppData = underlying;
  vfs.xOpen = vfs_open;
  vfs.pNext = nullptr;
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* wal_write_buffer_vfs() {
  static sqlite3_vfs* vfs = make_vfs();
  return vfs != nullptr ? kVfsName : nullptr;
}

WalWriteCounts wal_write_counts() {
  return {writes_issued.load(std::memory_order_relaxed),
          writes_received.load(std::memory_order_relaxed)};
}

}  // namespace lrs::sqlite

// A SQLite VFS that writes each commit's WAL frames with one write() call. Private to
// lrs_sqlite.
//
// SQLite writes a WAL frame as two calls, its 24-byte header and then its page, each at an
// offset that straddles the file's 4 KiB pages; in the kernel that is two system calls and
// three page-cache pages looked up and partly written per database page, a tenth of a
// small commit's CPU. This VFS wraps the default one and, for WAL files only, gathers
// frames appended one after the other in memory and hands them to the file as one write:
// once the commit frame's page is in (the frame whose header records the database size),
// before any other operation on the file (read, sync, truncate, size, lock, close), and
// past kMaxBufferedBytes. A write anywhere else (a frame or checksum rewritten in place,
// the WAL header at a restart) goes out at once, after what is gathered. Other connections learn
// about new frames only from the WAL index, which SQLite updates after the commit frame's write
// returns, so they never look for frames still in memory; a crash loses only frames of a
// transaction that had not committed. Every other file passes straight through.
//
// For connections with PRAGMA synchronous = NORMAL (or OFF): with FULL, SQLite may pad a
// commit to a sector boundary and split the last frame's page around an fsync, and the
// piece after it would stay in memory.
#pragma once

#include <cstdint>

namespace lrs::sqlite {

// Registers the VFS on first use (thread-safe) and returns its name, for
// sqlite3_open_v2; nullptr when it could not be registered (connections then use the
// default VFS, which is slower but the same).
const char* wal_write_buffer_vfs();

// Writes this process's buffering WAL files handed to the underlying files so far, and
// the writes they were handed (for tests).
struct WalWriteCounts {
  std::uint64_t writes_issued = 0;
  std::uint64_t writes_received = 0;
};
WalWriteCounts wal_write_counts();

}  // namespace lrs::sqlite

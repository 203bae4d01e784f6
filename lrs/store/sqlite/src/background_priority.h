// Scheduling priority of the store's background threads. Private to lrs_sqlite.
//
// On a machine with few cores, a WAL checkpoint or the one-time dictionary training
// running at normal priority takes a core from the request threads and the writer, and
// every commit waiting for the CPU meanwhile is late. These threads lower their own
// priority so that the scheduler always prefers request work.
#pragma once

namespace lrs::sqlite {

enum class BackgroundPriority {
  // SCHED_IDLE: runs only on a core nothing else wants. For work that may wait for as long
  // as the machine is busy (training the compression dictionary).
  kWhenIdle,
  // nice 19: still makes progress on a busy machine. For work that bounds a resource (WAL
  // checkpoints keep the WAL from growing until the writer must checkpoint itself).
  kLowest,
};

// Applies to the calling thread only. Best effort: a refusal (a sandbox forbidding the
// call) leaves the thread at its priority, which is slower but correct.
void lower_this_thread_priority(BackgroundPriority priority);

}  // namespace lrs::sqlite

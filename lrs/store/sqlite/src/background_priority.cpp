#include "background_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace lrs::sqlite {

void lower_this_thread_priority(BackgroundPriority priority) {
  // On Linux the nice value is per thread: PRIO_PROCESS with a thread id sets that thread's.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  if (priority == BackgroundPriority::kWhenIdle) {
    sched_param param{};
    param.sched_priority = 0;
    (void)sched_setscheduler(0, SCHED_IDLE, &param);  // 0: the calling thread
  }
}

}  // namespace lrs::sqlite

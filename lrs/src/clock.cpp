#include "lrs/clock.h"

#include <chrono>

namespace lrs {

std::int64_t current_time_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lrs

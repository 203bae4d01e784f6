// The wall clock in the LRS's resolution (microseconds since the Unix epoch, UTC).
#pragma once

#include <cstdint>

namespace lrs {

std::int64_t current_time_us();

}  // namespace lrs

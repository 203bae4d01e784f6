// The store's background threads (WAL checkpoints, dictionary training) run below the
// request threads' priority, and lowering one thread leaves the others as they were.
#include "background_priority.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "sqlite_test_support.h"
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

int this_thread_nice() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

// The nice value of the thread named `name`, from /proc (field 19 of stat); -100 if none.
int nice_of_thread(const std::string& name) {
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string n;
    std::getline(comm, n);
    if (n != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 19; ++i) fields >> field;
    return std::stoi(field);
  }
  return -100;
}

}  // namespace

TEST_CASE("a lowered background thread runs at nice 19, idle policy when asked",
          "[sqlite][priority]") {
  using lrs::sqlite::BackgroundPriority;
  const int caller_nice = this_thread_nice();
  int lowest_nice = 0;
  int lowest_policy = -1;
  int idle_policy = -1;
  std::thread([&] {
    lrs::sqlite::lower_this_thread_priority(BackgroundPriority::kLowest);
    lowest_nice = this_thread_nice();
    lowest_policy = sched_getscheduler(0);
  }).join();
  std::thread([&] {
    lrs::sqlite::lower_this_thread_priority(BackgroundPriority::kWhenIdle);
    idle_policy = sched_getscheduler(0);
  }).join();
  CHECK(lowest_nice == 19);
  CHECK(lowest_policy == SCHED_OTHER);
  CHECK(idle_policy == SCHED_IDLE);
  CHECK(this_thread_nice() == caller_nice);
  CHECK(sched_getscheduler(0) == SCHED_OTHER);
}

TEST_CASE("the WAL checkpointer of an open database runs at nice 19", "[sqlite][priority]") {
  const fs::path dir =
      fs::temp_directory_path() / ("priority-test-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  {
    auto db = lrs::test::open_db((dir / "lrs.db").string());
    // The thread lowers itself as it starts: give it the moment it needs.
    int nice = -100;
    for (int i = 0; i < 200 && nice != 19; ++i) {
      nice = nice_of_thread("lrs-checkpoint");
      if (nice != 19) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(nice == 19);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Runs the lrsbridge command line the way a user's shell would, for end-to-end tests.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <sys/wait.h>

namespace lrs::test {

struct CliRun {
  int status = -1;     // the exit status; -1 when the process did not exit normally
  std::string output;  // standard output and standard error, interleaved
};

// `binary args...`, each argument quoted for /bin/sh.
inline CliRun run_cli(const std::string& binary, const std::vector<std::string>& args) {
  auto quoted = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string command = quoted(binary);
  for (const std::string& a : args) command += " " + quoted(a);
  command += " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  CliRun r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe))
    r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace lrs::test

// Runs a command (or the built `atn-node`, ATN_NODE_BINARY, with arguments) and collects its output
// and exit code.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace atn::test {

struct node_run {
  int exit_code = -1;  ///< -1 when it did not exit normally
  std::string out;     ///< stdout and stderr together
};

/// A shell command line, stderr merged into stdout.
inline node_run run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  node_run r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#ifdef ATN_NODE_BINARY
/// `atn-node <args>` through the shell, stderr merged into stdout.
inline node_run run_node(const std::string& args) { return run_shell(std::string(ATN_NODE_BINARY) + " " + args); }
#endif

}  // namespace atn::test

#include "runtime/util/file_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

struct scratch_dir {
  scratch_dir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("atn-file-util-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

void write_plain(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("write_file_atomic creates and replaces a file, leaving no temp file", "[file_util]") {
  scratch_dir dir;
  const fs::path target = dir.path / "state.txt";
  CHECK_FALSE(atn::read_file(target).has_value());
  atn::write_file_atomic(target, "first");
  CHECK(atn::read_file(target) == std::optional<std::string>("first"));
  atn::write_file_atomic(target, std::string(100000, 'x'));
  CHECK(atn::read_file(target) == std::optional<std::string>(std::string(100000, 'x')));
  atn::write_file_atomic(target, "");
  CHECK(atn::read_file(target) == std::optional<std::string>(""));
  CHECK(count_files(dir.path) == 1);
}

TEST_CASE("write_file_atomic reports a missing directory", "[file_util]") {
  scratch_dir dir;
  CHECK_THROWS_AS(atn::write_file_atomic(dir.path / "missing" / "x", "data"), std::system_error);
  CHECK_THROWS_AS(atn::fsync_directory(dir.path / "missing"), std::system_error);
  CHECK(count_files(dir.path) == 0);
}

TEST_CASE("temp file names are recognised", "[file_util]") {
  CHECK(atn::is_atomic_temp_name(".state.txt.tmp-1234-0"));
  CHECK(atn::is_atomic_temp_name(".a.tmp-1-17"));
  CHECK_FALSE(atn::is_atomic_temp_name("state.txt"));
  CHECK_FALSE(atn::is_atomic_temp_name("state.txt.tmp-1234-0"));
  CHECK_FALSE(atn::is_atomic_temp_name(".state.tmp-12a4-0"));
  CHECK_FALSE(atn::is_atomic_temp_name(".state.tmp-1234-"));
  CHECK_FALSE(atn::is_atomic_temp_name(".state.tmp--1"));
  CHECK_FALSE(atn::is_atomic_temp_name(".tmp-1-1"));
}

TEST_CASE("a crash before the rename leaves the old file, and the temp file is cleaned", "[file_util]") {
  scratch_dir dir;
  const fs::path target = dir.path / "cursor.pos";
  atn::write_file_atomic(target, "old");
  // A write interrupted between fsync and rename by a process that no longer exists (no pid is
  // this large), and one by this process, which may still be writing.
  const fs::path dead = dir.path / ".cursor.pos.tmp-99999999-3";
  const fs::path live = dir.path / (".cursor.pos.tmp-" + std::to_string(::getpid()) + "-999");
  write_plain(dead, "new but never renamed");
  write_plain(live, "in progress");
  CHECK(atn::read_file(target) == std::optional<std::string>("old"));
  CHECK(atn::remove_stale_temp_files(dir.path) == 1);
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(live));
  CHECK(fs::exists(target));
  CHECK(atn::remove_stale_temp_files(dir.path / "missing") == 0);
}

TEST_CASE("write_file_atomic leaves the old or the new file when killed at any moment", "[file_util][crash]") {
  scratch_dir dir;
  const fs::path target = dir.path / "blob";
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  atn::write_file_atomic(target, a);
  std::mt19937 rng(7);
  int saw_b = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        for (int i = 0; i < 100000; ++i) atn::write_file_atomic(target, (i % 2) ? a : b);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    const auto text = atn::read_file(target);
    REQUIRE(text.has_value());
    const bool whole = *text == a || *text == b;
    CHECK(whole);
    saw_b += *text == b;
    // The killed child's temp file, if any, belongs to a dead process now.
    atn::remove_stale_temp_files(dir.path);
    CHECK(count_files(dir.path) == 1);
  }
  INFO("rounds that ended on the second version: " << saw_b);
  SUCCEED();
}

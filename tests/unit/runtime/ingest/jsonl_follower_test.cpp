#include "runtime/ingest/jsonl_follower.hpp"

#include "data/input_report.hpp"
#include "runtime/ingest/follower_state.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace atn;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

void append(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << text;
}

// Polls until `n` lines have come (or 5 s passed).
std::vector<followed_line> take(jsonl_follower& f, std::size_t n) {
  std::vector<followed_line> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto got = f.poll(milliseconds(200));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

// Polls until `done()` holds (or 5 s passed); returns what came meanwhile.
template <class F>
std::vector<followed_line> poll_until(jsonl_follower& f, F done) {
  std::vector<followed_line> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    auto got = f.poll(milliseconds(100));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

std::vector<std::string> texts(const std::vector<followed_line>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  std::sort(out.begin(), out.end());
  return out;
}

jsonl_follower_options options_for(const test::temp_dir& dir) {
  jsonl_follower_options o;
  o.atn_dir = dir.path / "atn";
  o.state_file = dir.path / "state" / "follower.state";
  o.rescan_interval = milliseconds(200);
  return o;
}

std::uint64_t peak_memory_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

}  // namespace

TEST_CASE("follower reads existing files from the start, then growth; a line waits for its newline",
          "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path atn = dir.path / "atn";
  append(atn / "conversations" / "a.jsonl", "one\n\n  \ntwo\r\nthr");
  append(atn / "agents" / "a1" / "execution.jsonl", "exec1\n");
  append(atn / "agents" / "a1" / "notes.jsonl", "not followed\n");
  append(atn / "conversations" / "readme.txt", "not followed\n");
  input_report report;
  jsonl_follower follower(options_for(dir), report);

  auto first = take(follower, 3);
  REQUIRE(texts(first) == std::vector<std::string>{"exec1", "one", "two"});
  CHECK(follower.file_count() == 2);
  CHECK(follower.watch_count() == 4);  // atn, conversations, agents, agents/a1
  for (const auto& l : first) {
    if (l.text == "two") {
      CHECK(l.origin == "conversations/a.jsonl");
      CHECK(l.file == (atn / "conversations" / "a.jsonl").string());
      CHECK(l.line_number == 4);
      CHECK(l.end_offset == 13);  // "one\n\n  \ntwo\r\n"
    }
    if (l.text == "exec1") CHECK(l.origin == "agents/a1/execution.jsonl");
  }
  CHECK(follower.poll(milliseconds(50)).empty());  // "thr" has no newline yet

  append(atn / "conversations" / "a.jsonl", "ee\nfour\n");
  auto more = take(follower, 2);
  REQUIRE(texts(more) == std::vector<std::string>{"four", "three"});
  CHECK(more[0].line_number == 5);
  CHECK(more[1].line_number == 6);
  CHECK(report.total() == 0);
}

TEST_CASE("follower picks up new agent directories and conversation subdirectories", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path atn = dir.path / "atn";
  fs::create_directories(atn);
  input_report report;
  jsonl_follower follower(options_for(dir), report);
  CHECK(follower.poll(milliseconds(10)).empty());
  CHECK(follower.watch_count() == 1);

  append(atn / "agents" / "a2" / "execution.jsonl", "from a2\n");
  append(atn / "conversations" / "2026" / "03" / "c.jsonl", "deep turn\n");
  auto lines = take(follower, 2);
  REQUIRE(texts(lines) == std::vector<std::string>{"deep turn", "from a2"});
  for (const auto& l : lines)
    if (l.text == "deep turn") CHECK(l.origin == "conversations/2026/03/c.jsonl");

  append(atn / "agents" / "a3" / "execution.jsonl", "from a3\n");
  CHECK(texts(take(follower, 1)) == std::vector<std::string>{"from a3"});
  CHECK(report.total() == 0);
}

TEST_CASE("rotation: the renamed file is finished, the new active.jsonl starts from 0", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path conv = dir.path / "atn" / "conversations";
  append(conv / "active.jsonl", "old 1\n");
  input_report report;
  jsonl_follower follower(options_for(dir), report);
  REQUIRE(texts(take(follower, 1)) == std::vector<std::string>{"old 1"});

  // The writer appends, rotates (rename, even to a name not ending in .jsonl), appends its last
  // line to the renamed file, and starts a new active.jsonl.
  append(conv / "active.jsonl", "old 2\n");
  fs::rename(conv / "active.jsonl", conv / "active.jsonl.1");
  append(conv / "active.jsonl.1", "old 3\n");
  append(conv / "active.jsonl", "new 1\n");
  auto lines = take(follower, 3);
  REQUIRE(texts(lines) == std::vector<std::string>{"new 1", "old 2", "old 3"});
  for (const auto& l : lines) {
    CHECK(l.origin == "conversations/active.jsonl");
    if (l.text == "new 1") {
      CHECK(l.line_number == 1);
      CHECK(l.file == (conv / "active.jsonl").string());
    } else {
      CHECK(l.line_number == (l.text == "old 2" ? 2u : 3u));
      CHECK(l.file == (conv / "active.jsonl.1").string());
    }
  }
  CHECK(follower.file_count() == 2);
  CHECK(follower.poll(milliseconds(50)).empty());
}

TEST_CASE("truncation is counted and the file read again from 0; deleted files are forgotten", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "agents" / "a1" / "execution.jsonl";
  append(file, "first record\nsecond record\n");
  input_report report;
  jsonl_follower follower(options_for(dir), report);
  REQUIRE(take(follower, 2).size() == 2);

  { std::ofstream(file, std::ios::binary | std::ios::trunc) << "new\n"; }
  auto again = take(follower, 1);
  REQUIRE(again.size() == 1);
  CHECK(again[0].text == "new");
  CHECK(again[0].line_number == 1);
  CHECK(again[0].end_offset == 4);
  CHECK(report.count("file_truncated") == 1);

  fs::remove(file);
  poll_until(follower, [&] { return follower.file_count() == 0; });
  CHECK(follower.file_count() == 0);
}

TEST_CASE("committed positions survive a restart: nothing lost, nothing repeated", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path conv = dir.path / "atn" / "conversations";
  append(conv / "a.jsonl", "a1\na2\na3\n");
  input_report report;
  {
    jsonl_follower follower(options_for(dir), report);
    auto lines = take(follower, 3);
    REQUIRE(lines.size() == 3);
    std::sort(lines.begin(), lines.end(), [](auto& x, auto& y) { return x.line_number < y.line_number; });
    follower.commit({lines[0], lines[1]});  // a3 handed out but never acknowledged
  }
  append(conv / "a.jsonl", "a4\n");
  {
    jsonl_follower follower(options_for(dir), report);
    auto lines = take(follower, 2);
    REQUIRE(texts(lines) == std::vector<std::string>{"a3", "a4"});
    CHECK(follower.poll(milliseconds(50)).empty());
    follower.commit(lines);
  }
  // While stopped: the file is rotated and grows, a new one appears; a blank line and an over-long
  // line at the end are committed without being handed out.
  fs::rename(conv / "a.jsonl", conv / "a-archive.jsonl");
  append(conv / "a-archive.jsonl", "a5\n");
  append(conv / "b.jsonl", "b1\n");
  {
    auto o = options_for(dir);
    o.max_line_bytes = 8;
    jsonl_follower follower(o, report);
    auto lines = take(follower, 2);
    REQUIRE(texts(lines) == std::vector<std::string>{"a5", "b1"});
    for (const auto& l : lines)
      if (l.text == "a5") {
        CHECK(l.origin == "conversations/a.jsonl");  // the session name stays with the file
        CHECK(l.line_number == 5);
      }
    follower.commit(lines);
    append(conv / "b.jsonl", "\nthis line is too long\n");
    CHECK(poll_until(follower, [&] { return report.count("line_too_long") == 1; }).empty());
    CHECK(report.count("line_too_long") == 1);
    follower.commit({});
  }
  {
    jsonl_follower follower(options_for(dir), report);
    CHECK(follower.poll(milliseconds(100)).empty());
    CHECK(report.count("line_too_long") == 1);  // not read again
    append(conv / "b.jsonl", "b4\n");
    auto lines = take(follower, 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].text == "b4");
    CHECK(lines[0].line_number == 4);
  }
  const auto state = load_follower_state(options_for(dir).state_file, report);
  CHECK(state.size() == 2);
  CHECK(report.count("corrupt_state") == 0);
}

TEST_CASE("a reused inode or a corrupt state file means reading from the start", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "conversations" / "a.jsonl";
  append(file, "x1\nx2\n");
  input_report report;
  const auto o = options_for(dir);
  {
    jsonl_follower follower(o, report);
    follower.commit(take(follower, 2));
  }
  // Same inode, other contents of the same length and more (e.g. rewritten in place).
  { std::ofstream(file, std::ios::binary | std::ios::in) << "y1\ny2\ny3\n"; }
  {
    jsonl_follower follower(o, report);
    CHECK(texts(take(follower, 3)) == std::vector<std::string>{"y1", "y2", "y3"});
  }
  write_file_atomic(o.state_file, "garbage\n");
  {
    jsonl_follower follower(o, report);
    CHECK(take(follower, 3).size() == 3);
    CHECK(report.count("corrupt_state") == 1);
  }
}

TEST_CASE("a 100 MB line is skipped with a counter, without being held in memory", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "conversations" / "big.jsonl";
  append(file, "before\n");
  auto o = options_for(dir);
  o.max_line_bytes = 1 << 20;
  input_report report;
  jsonl_follower follower(o, report);
  REQUIRE(texts(take(follower, 1)) == std::vector<std::string>{"before"});
  const std::uint64_t peak_before = peak_memory_kib();
  const std::string chunk(1 << 20, 'x');
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    for (int i = 0; i < 50; ++i) out << chunk;
  }
  CHECK(follower.poll(milliseconds(100)).empty());  // half of it, no newline yet
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    for (int i = 0; i < 50; ++i) out << chunk;
    out << "\nafter\n";
  }
  auto lines = take(follower, 1);
  REQUIRE(texts(lines) == std::vector<std::string>{"after"});
  CHECK(lines[0].line_number == 3);
  CHECK(report.count("line_too_long") == 1);
  CHECK(peak_memory_kib() - peak_before < 32 * 1024);
}

TEST_CASE("unreadable and missing directories are reported once; the rest is followed", "[jsonl_follower]") {
  test::temp_dir dir;
  const fs::path atn = dir.path / "atn";
  input_report report;
  auto o = options_for(dir);
  jsonl_follower follower(o, report);
  CHECK(follower.poll(milliseconds(10)).empty());
  CHECK(report.count("missing_directory") == 1);

  // The directory appears later: found by the periodic rescan.
  fs::create_directories(atn);
  fs::create_directory_symlink("conversations", atn / "conversations");  // a loop: ELOOP for anyone
  append(atn / "agents" / "a1" / "execution.jsonl", "ok\n");
  CHECK(texts(take(follower, 1)) == std::vector<std::string>{"ok"});
  CHECK(report.count("unreadable_directory") == 1);
  if (::geteuid() != 0) {  // root reads anything
    fs::create_directories(atn / "agents" / "locked");
    fs::permissions(atn / "agents" / "locked", fs::perms::none);
    append(atn / "agents" / "a1" / "execution.jsonl", "still ok\n");
    CHECK(texts(take(follower, 1)) == std::vector<std::string>{"still ok"});
    CHECK(report.count("unreadable_directory") == 2);
    fs::permissions(atn / "agents" / "locked", fs::perms::owner_all);
  }
  follower.poll(milliseconds(300));  // rescans do not report it again
  CHECK(report.count("unreadable_directory") == (::geteuid() != 0 ? 2u : 1u));
  CHECK(report.count("missing_directory") == 1);
}

TEST_CASE("the follower state holds no byte of a followed file, only a keyed digest (issue 18)",
          "[jsonl_follower][privacy]") {
  // The bug: the state file held the first 64 bytes of every file as hex, so a conversation's
  // first line with an SSN landed on disk in full.
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "conversations" / "a.jsonl";
  const std::string first = R"({"text":"my SSN is 123-45-6789"})";
  append(file, first + "\nx2\n");
  input_report report;
  const auto o = options_for(dir);
  {
    jsonl_follower follower(o, report);
    follower.commit(take(follower, 2));
  }
  const std::string state = *read_file(o.state_file);
  std::string hex;
  for (unsigned char c : first.substr(0, 16)) {
    static const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  CHECK(state.find(hex) == std::string::npos);
  CHECK(state.find("123-45-6789") == std::string::npos);
  struct stat key_stat {};
  REQUIRE(::stat((o.state_file.parent_path() / "follower.key").c_str(), &key_stat) == 0);
  CHECK((key_stat.st_mode & 0777) == 0600);
  // The digest still tells the same file: a restart resumes after the committed lines.
  append(file, "x3\n");
  jsonl_follower follower(o, report);
  const auto lines = take(follower, 1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "x3");
}

// Writes "x1\nx2\n" to `file` and a version-1 state file that records it with `head_hex` as its head.
static void write_v1_state(const jsonl_follower_options& o, const fs::path& file, const std::string& head_hex) {
  append(file, "x1\nx2\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  fs::create_directories(o.state_file.parent_path());
  std::ofstream(o.state_file) << "atn-jsonl-follower 1\n"
                              << st.st_dev << ' ' << st.st_ino << " 6 2 " << head_hex << " conversations/a.jsonl\n";
}

TEST_CASE("a version-1 state file with hex heads is migrated on load, and rewritten without them",
          "[jsonl_follower][privacy]") {
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "conversations" / "a.jsonl";
  const auto o = options_for(dir);
  write_v1_state(o, file, "78310a78320a");  // "x1\nx2\n" in hex: what version 1 wrote
  input_report report;
  append(file, "x3\n");
  {
    jsonl_follower follower(o, report);
    const auto lines = take(follower, 1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].text == "x3");  // resumed: the migrated digest matched the file
    follower.commit(lines);
  }
  CHECK(report.count("corrupt_state") == 0);
  const std::string state = *read_file(o.state_file);
  CHECK(state.rfind("atn-jsonl-follower 2\n", 0) == 0);
  CHECK(state.find("7831") == std::string::npos);
}

TEST_CASE("a version-1 entry whose head is not hex is reported, and that file is read from the start",
          "[jsonl_follower][privacy]") {
  test::temp_dir dir;
  const fs::path file = dir.path / "atn" / "conversations" / "a.jsonl";
  const auto o = options_for(dir);
  write_v1_state(o, file, "78310a78zz0a");
  input_report report;
  jsonl_follower follower(o, report);
  const auto lines = take(follower, 2);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "x1");
  CHECK(report.count("corrupt_state") == 1);
}

// `atn-node sample-data` and `atn-node train` as a user runs them.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include "tests/unit/support/run_node.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
using atn::test::run_node;

std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}
}  // namespace

TEST_CASE("atn-node train prints progress and a JSON summary on the last line", "[train][command]") {
  const fs::path dir = fs::temp_directory_path() / ("atn-train-cmd-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto gen = run_node("sample-data --out " + dir.string() + " --sessions-per-agent 6 --frame-size 64");
  REQUIRE(gen.exit_code == 0);

  const auto ckpt = dir / "out.ckpt";
  auto r = run_node("train --data " + (dir / "atn").string() + " --images " + (dir / "frames").string() +
                    " --steps 12 --batch 4 --text-mask turn --out " + ckpt.string() + " --json");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("train 12/12") != std::string::npos);  // the progress bar reached the end
  CHECK(r.out.find("agent probe") != std::string::npos);
  CHECK(fs::file_size(ckpt) > 1000);

  simdjson::dom::parser parser;
  auto doc = parser.parse(last_line(r.out));
  REQUIRE_FALSE(doc.error());
  CHECK(int64_t(doc["steps"]) == 12);
  CHECK(std::string(std::string_view(doc["version"])).size() == 64);
  double before = doc["held_out_before"]["text"]["loss"];
  double after = doc["held_out_after"]["text"]["loss"];
  CHECK(before > 0);
  CHECK(after > 0);
  double reference = doc["probe_accuracy_byte_bigrams"];
  CHECK(reference > 0);
  CHECK(reference <= 1);
  fs::remove_all(dir);
}

TEST_CASE("atn-node train on conversations without frames trains on text and says so", "[train][command]") {
  const fs::path dir = fs::temp_directory_path() / ("atn-train-text-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  REQUIRE(run_node("sample-data --out " + dir.string() + " --sessions-per-agent 4 --frame-size 64").exit_code == 0);
  auto r = run_node("train --data " + (dir / "atn").string() + " --steps 2 --batch 2 --json");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("training on text only") != std::string::npos);
  auto v = run_node("train --data " + (dir / "atn").string() + " --steps 2 --modalities text,visual");
  CHECK(v.exit_code != 0);  // asking for frames without --images is still an error
  CHECK(v.out.find("--images") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("atn-node train names a bad option value", "[train][command]") {
  auto r = run_node("train --data /nonexistent --modalities text,smell");
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("smell") != std::string::npos);
  auto p = run_node("train --data /nonexistent --preset huge");
  CHECK(p.exit_code != 0);
  CHECK(p.out.find("huge") != std::string::npos);
  auto m = run_node("train --data /nonexistent --text-mask sideways");
  CHECK(m.exit_code != 0);
  CHECK(m.out.find("sideways") != std::string::npos);
}

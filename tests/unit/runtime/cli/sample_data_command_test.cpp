// `atn-node sample-data --domains FILE` as a user runs it: agents of one's own, or a message naming
// what is wrong with the file.
#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;
using atn::test::run_node;

TEST_CASE("atn-node sample-data --domains generates from a file or names its fault", "[sample_data][command]") {
  const fs::path dir = fs::temp_directory_path() / ("atn-sample-domains-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The built-in domains, written out, with the first agent renamed.
  std::string yaml;
  {
    std::ifstream in(fs::path(ATN_SOURCE_DIR) / "data/sample/domains.yaml");
    yaml.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string from = "  - name: calendar\n";
  REQUIRE(yaml.find(from) != std::string::npos);
  std::ofstream(dir / "mine.yaml") << yaml.replace(yaml.find(from), from.size(), "  - name: planner\n");
  auto ok = run_node("sample-data --out " + (dir / "out").string() + " --sessions-per-agent 2 --no-frames --domains " +
                     (dir / "mine.yaml").string());
  INFO(ok.out);
  REQUIRE(ok.exit_code == 0);
  CHECK(fs::exists(dir / "out/atn/agents/planner-agent/execution.jsonl"));
  CHECK_FALSE(fs::exists(dir / "out/atn/agents/calendar-agent"));

  std::string bad = yaml;
  const std::string layout = "    layout: mail\n";
  REQUIRE(bad.find(layout) != std::string::npos);
  std::ofstream(dir / "bad.yaml") << bad.replace(bad.find(layout), layout.size(), "    layout: spreadsheet\n");
  auto refused = run_node("sample-data --out " + (dir / "out2").string() + " --domains " + (dir / "bad.yaml").string());
  CHECK(refused.exit_code != 0);
  CHECK(refused.out.find((dir / "bad.yaml").string()) != std::string::npos);
  CHECK(refused.out.find("domains[1].layout") != std::string::npos);
  CHECK(refused.out.find("'spreadsheet'") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out2"));
  fs::remove_all(dir);
}

// `atn-node keygen` as a user runs it: the key pair is made once, owner-only, and shown again.
#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fs = std::filesystem;
using atn::test::run_node;

namespace {

// The `public_key KEY` line of keygen's output.
std::string public_key_in(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("public_key (\\S{40})\n"))) return {};
  return m[1];
}

}  // namespace

TEST_CASE("atn-node keygen makes the key pair once with mode 0600 and shows the same key again", "[keygen][command]") {
  atn::test::temp_dir dir("atn_keygen");
  const auto state = dir.path / "node";
  auto first = run_node("keygen --state-dir " + state.string());
  INFO(first.out);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("created " + (state / "keys" / "node.key").string()) != std::string::npos);
  const auto key = public_key_in(first.out);
  REQUIRE(key.size() == 40);
  const auto perms = fs::status(state / "keys" / "node.key").permissions();
  CHECK(perms == (fs::perms::owner_read | fs::perms::owner_write));
  const auto secret_before = fs::last_write_time(state / "keys" / "node.key");

  auto second = run_node("keygen --state-dir " + state.string());
  INFO(second.out);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("existing " + (state / "keys" / "node.key").string()) != std::string::npos);
  CHECK(public_key_in(second.out) == key);
  CHECK(fs::last_write_time(state / "keys" / "node.key") == secret_before);  // not rewritten

  // The key a peer is given is the one the node will present.
  std::string shown;
  std::ifstream(state / "keys" / "node.pub") >> shown;
  CHECK(shown == key);

  // A damaged key file is named, not replaced.
  std::ofstream(state / "keys" / "node.key", std::ios::trunc) << "garbage\n";
  auto damaged = run_node("keygen --state-dir " + state.string());
  CHECK(damaged.exit_code == 1);
  CHECK(damaged.out.find((state / "keys" / "node.key").string()) != std::string::npos);
}

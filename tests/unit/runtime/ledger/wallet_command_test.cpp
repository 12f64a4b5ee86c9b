// `atn-node wallet new|show` as a user runs it.
#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

TEST_CASE("atn-node wallet new creates an owner-only wallet once, and show prints its address", "[ledger][cli]") {
  atn::test::temp_dir dir("atn_wallet_cli");
  const std::string state = "--state-dir " + dir.path.string();
  const auto created = atn::test::run_node("wallet new " + state);
  REQUIRE(created.exit_code == 0);
  const auto at = created.out.find("address 0x");
  REQUIRE(at != std::string::npos);
  const std::string addr = created.out.substr(at + 8, 42);
  struct stat st {};
  REQUIRE(::stat((dir.path / "wallet.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto shown = atn::test::run_node("wallet show " + state);
  CHECK(shown.exit_code == 0);
  CHECK(shown.out == "address " + addr + "\n");
  const auto again = atn::test::run_node("wallet new " + state);
  CHECK(again.exit_code == 1);
  CHECK(again.out.find("exists already") != std::string::npos);
  CHECK(atn::test::run_node("wallet show " + state).out == "address " + addr + "\n");  // not replaced
  const auto missing = atn::test::run_node("wallet show --state-dir " + (dir.path / "nowhere").string());
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("atn-node wallet new") != std::string::npos);
}
